"""Entry rows as writers (:mod:`liveblog.actions`) read and write them: unfiltered, tombstones
included. What readers may see, and the queries that show it, are :mod:`liveblog.storage.reads`."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, insert, select, update
from sqlalchemy.sql.dml import ReturningInsert

from liveblog.domain.models import BlogStatus, Entry, EntryStatus
from liveblog.storage.blogs import next_seq, numbering
from liveblog.storage.tables import blogs, entries


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
        status=EntryStatus(row["status"]),
        publish_at=row["publish_at"],
        review_note=row["review_note"],
        unverified=row["unverified"],
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
            entries.c.status == EntryStatus.PUBLISHED.value,
        )
    )
    return [int(r) for r in rows.scalars()]


def _waiting() -> list[ColumnElement[bool]]:
    """Scheduled entries the scheduler may publish: not deleted, in an open blog. A closed
    blog's stay scheduled, and out of the scheduler's sight, until it reopens: were they due
    for it, the overdue ones would take every step's places and wake it without pause."""
    return [
        entries.c.status == EntryStatus.SCHEDULED.value,
        entries.c.deleted_at.is_(None),
        blogs.c.status == BlogStatus.OPEN.value,
    ]


def due(conn: Connection, now: datetime, *, limit: int) -> list[tuple[int, str]]:
    """Scheduled entries whose time has come (entry id and blog slug), the earliest first."""
    rows = conn.execute(
        select(entries.c.id, blogs.c.slug)
        .join(blogs, blogs.c.id == entries.c.blog_id)
        .where(*_waiting(), entries.c.publish_at <= now)
        .order_by(entries.c.publish_at, entries.c.id)
        .limit(limit)
    )
    return [(int(row.id), str(row.slug)) for row in rows]


def next_due(conn: Connection) -> datetime | None:
    """The earliest time a scheduled entry waits for."""
    value = conn.execute(
        select(entries.c.publish_at)
        .join(blogs, blogs.c.id == entries.c.blog_id)
        .where(*_waiting())
        .order_by(entries.c.publish_at)
        .limit(1)
    ).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


def unpublished(conn: Connection, blog_id: int, *, author_id: int | None = None) -> list[Entry]:
    """The blog's drafts, submitted and scheduled entries (of one author if given): submitted
    first, then scheduled by time, then drafts, newest change first."""
    conditions = [
        entries.c.blog_id == blog_id,
        entries.c.status != EntryStatus.PUBLISHED.value,
        entries.c.deleted_at.is_(None),
    ]
    if author_id is not None:
        conditions.append(entries.c.author_id == author_id)
    rows = conn.execute(select(entries).where(*conditions).order_by(entries.c.updated_at.desc()))
    found = [entry_from_row(r) for r in rows.mappings()]
    rank = {EntryStatus.SUBMITTED: 0, EntryStatus.SCHEDULED: 1, EntryStatus.DRAFT: 2}
    return sorted(
        found, key=lambda e: (rank[e.status], e.publish_at.timestamp() if e.publish_at else 0)
    )
