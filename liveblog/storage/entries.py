"""Entry rows as writers (:mod:`liveblog.actions`) read and write them: unfiltered, tombstones
included. What readers may see, and the queries that show it, are :mod:`liveblog.storage.reads`."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update
from sqlalchemy.sql.dml import ReturningInsert

from liveblog.domain.models import Entry
from liveblog.storage.tables import entries


def entry_from_row(row: RowMapping) -> Entry:
    return Entry(
        id=row["id"],
        blog_id=row["blog_id"],
        headline=row["headline"],
        body=row["body"],
        body_html=row["body_html"],
        key_event=row["key_event"],
        pinned=row["pinned"],
        source=row["source"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        deleted_at=row["deleted_at"],
        author_id=row["author_id"],
    )


def get(conn: Connection, blog_id: int, entry_id: int) -> Entry | None:
    """The entry (tombstones included) if it belongs to this blog."""
    row = (
        conn.execute(select(entries).where(entries.c.id == entry_id, entries.c.blog_id == blog_id))
        .mappings()
        .first()
    )
    return entry_from_row(row) if row else None


@cache
def _insert() -> ReturningInsert[Any]:
    """The entry insert, built once (its columns come with the values)."""
    return insert(entries).returning(entries)


def insert_entry(conn: Connection, values: dict[str, Any]) -> Entry:
    row = conn.execute(_insert(), values).mappings().one()
    return entry_from_row(row)


def update_entry(conn: Connection, entry_id: int, values: dict[str, Any]) -> Entry:
    row = (
        conn.execute(
            update(entries).where(entries.c.id == entry_id).values(**values).returning(entries)
        )
        .mappings()
        .one()
    )
    return entry_from_row(row)


def pinned_ids(conn: Connection, blog_id: int) -> list[int]:
    rows = conn.execute(
        select(entries.c.id).where(
            entries.c.blog_id == blog_id,
            entries.c.pinned.is_(True),
            entries.c.deleted_at.is_(None),
        )
    )
    return [int(r) for r in rows.scalars()]
