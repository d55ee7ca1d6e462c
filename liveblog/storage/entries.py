"""Entry rows as writers (:mod:`liveblog.actions`) read and write them: unfiltered, tombstones
included. What readers may see, and the queries that show it, are :mod:`liveblog.storage.reads`."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update
from sqlalchemy.sql.dml import ReturningInsert

from liveblog.domain.models import Entry
from liveblog.storage.blogs import next_seq, numbering
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
        edited_at=row["edited_at"],
        correction=row["correction"],
        corrected_at=row["corrected_at"],
        revision=row["revision"],
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


@cache
def _insert_numbered() -> ReturningInsert[Any]:
    """PostgreSQL: the entry insert with the blog's next event number taken in the same
    statement (the counter's ``UPDATE`` as a data-modifying CTE, which runs to completion
    whether or not the insert reads it)."""
    numbered = numbering("seq_blog_id", "seq_now").cte("next_seq")
    taken = select(numbered.c.last_seq).scalar_subquery().label("taken_seq")
    return insert(entries).add_cte(numbered).returning(*entries.c, taken)


def insert_numbered(conn: Connection, values: dict[str, Any], now: datetime) -> tuple[Entry, int]:
    """Insert an entry and take its blog's next event number (as ``blogs.next_seq`` does, so
    under the blog's row lock): one round trip on PostgreSQL, two statements elsewhere."""
    if conn.dialect.name != "postgresql":
        entry = insert_entry(conn, values)
        return entry, next_seq(conn, entry.blog_id, now)
    params = {**values, "seq_blog_id": values["blog_id"], "seq_now": now}
    row = conn.execute(_insert_numbered(), params).mappings().one()
    return entry_from_row(row), int(row["taken_seq"])


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
