"""Uploaded photos (``media``, :mod:`liveblog.domain.media`): the rows that say which files a
photo has, the reads that resolve an entry's ``media:ID`` references, and those that
``liveblog media prune`` needs (which photos entries refer to, which files rows list)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select

from liveblog.domain.media import MEDIA_SCHEME, Media, Variant, referenced_ids
from liveblog.storage.tables import entries, entry_revisions, media


def by_ids(conn: Connection, blog_id: int, ids: Collection[int]) -> dict[int, Media]:
    """These photos of this blog, by id, in one query; ids of other blogs' photos or of none
    are missing."""
    if not ids:
        return {}
    rows = conn.execute(
        select(media).where(media.c.blog_id == blog_id, media.c.id.in_(sorted(ids)))
    ).mappings()
    return {row["id"]: to_media(row) for row in rows}


def to_media(row: RowMapping) -> Media:
    return Media(
        id=row["id"],
        blog_id=row["blog_id"],
        width=row["width"],
        height=row["height"],
        alt=row["alt"],
        credit=row["credit"],
        caption=row["caption"],
        variants=tuple(_variant(v) for v in row["variants"]),
        created_at=row["created_at"],
        uploaded_by=row["uploaded_by"],
    )


def _variant(stored: dict[str, Any]) -> Variant:
    return Variant(
        name=str(stored["name"]),
        width=int(stored["width"]),
        height=int(stored["height"]),
        mime=str(stored["mime"]),
    )


def insert_media(conn: Connection, values: dict[str, Any]) -> Media:
    """Store a photo's row (``variants`` a list of ``{name, width, height, mime}``)."""
    row = conn.execute(insert(media).returning(media), values).mappings().one()
    return to_media(row)


def created_before(conn: Connection, cutoff: datetime) -> list[Media]:
    """Every blog's photos uploaded before ``cutoff``, oldest first."""
    rows = conn.execute(
        select(media).where(media.c.created_at < cutoff).order_by(media.c.id)
    ).mappings()
    return [to_media(row) for row in rows]


def referenced(conn: Connection) -> set[tuple[int, int]]:
    """``(blog id, photo id)`` of every photo some entry's or revision's Markdown shows
    (drafts, scheduled entries, deleted entries and old versions included)."""
    found: set[tuple[int, int]] = set()
    for blog_id, body in _bodies(conn):
        found.update((blog_id, media_id) for media_id in referenced_ids(body))
    return found


def _bodies(conn: Connection) -> Iterator[tuple[int, str]]:
    """The blog and Markdown of every entry and revision that names a photo, a few hundred rows
    in memory at a time."""
    current = select(entries.c.blog_id, entries.c.body).where(
        entries.c.body.contains(MEDIA_SCHEME, autoescape=True)
    )
    older = (
        select(entries.c.blog_id, entry_revisions.c.body)
        .join(entries, entries.c.id == entry_revisions.c.entry_id)
        .where(entry_revisions.c.body.contains(MEDIA_SCHEME, autoescape=True))
    )
    for query in (current, older):
        for blog_id, body in conn.execute(query.execution_options(yield_per=500)):
            yield int(blog_id), str(body)


def listed_names(conn: Connection, *, except_ids: Collection[int] = ()) -> set[str]:
    """The file names the rows list, but those of the rows ``except_ids``."""
    query = select(media.c.id, media.c.variants)
    names: set[str] = set()
    leaving = set(except_ids)
    for media_id, variants in conn.execute(query):
        if media_id not in leaving:
            names.update(str(v["name"]) for v in variants)
    return names


def delete_media(conn: Connection, ids: Collection[int]) -> None:
    if ids:
        conn.execute(delete(media).where(media.c.id.in_(sorted(ids))))
