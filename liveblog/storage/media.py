"""Uploaded photos (``media``, :mod:`liveblog.domain.media`): the rows that say which files a
photo has, and the reads that resolve an entry's ``media:ID`` references."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from liveblog.domain.media import Media, Variant
from liveblog.storage.tables import media


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
