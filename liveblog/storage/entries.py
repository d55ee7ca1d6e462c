"""Reading and writing entry rows; timelines use keyset pagination on (published_at, id)."""

from __future__ import annotations

import operator
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, or_, select, update

from liveblog.domain.models import Entry
from liveblog.domain.pagination import Cursor, Order
from liveblog.storage.tables import entries


def _entry(row: RowMapping) -> Entry:
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


@dataclass(frozen=True)
class Page:
    items: list[Entry]
    next_cursor: Cursor | None


def get(conn: Connection, blog_id: int, entry_id: int) -> Entry | None:
    """The entry (tombstones included) if it belongs to this blog."""
    row = (
        conn.execute(select(entries).where(entries.c.id == entry_id, entries.c.blog_id == blog_id))
        .mappings()
        .first()
    )
    return _entry(row) if row else None


def timeline(
    conn: Connection,
    blog_id: int,
    *,
    limit: int,
    order: Order = Order.NEWEST,
    after: Cursor | None = None,
    key_events_only: bool = False,
    exclude_pinned: bool = False,
) -> Page:
    """One page of visible entries; cost depends on ``limit``, not on the blog's length."""
    conditions = [entries.c.blog_id == blog_id, entries.c.deleted_at.is_(None)]
    if key_events_only:
        conditions.append(entries.c.key_event.is_(True))
    if exclude_pinned:
        conditions.append(entries.c.pinned.is_(False))
    newest = order is Order.NEWEST
    if after is not None:
        # (published_at, id) beyond the cursor. The plain range on published_at is implied by
        # the OR, but spelled out it lets the index seek to the cursor instead of walking the
        # blog from its newest entry (cost would grow with the cursor's depth).
        beyond, reaching = (operator.lt, operator.le) if newest else (operator.gt, operator.ge)
        conditions += [
            reaching(entries.c.published_at, after.published_at),
            or_(
                beyond(entries.c.published_at, after.published_at),
                and_(entries.c.published_at == after.published_at, beyond(entries.c.id, after.id)),
            ),
        ]
    sort = (
        (entries.c.published_at.desc(), entries.c.id.desc())
        if newest
        else (entries.c.published_at.asc(), entries.c.id.asc())
    )
    rows = conn.execute(select(entries).where(*conditions).order_by(*sort).limit(limit + 1))
    items = [_entry(r) for r in rows.mappings()]
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = Cursor(last.published_at, last.id)
    return Page(items, next_cursor)


def pinned(conn: Connection, blog_id: int) -> Entry | None:
    row = (
        conn.execute(
            select(entries)
            .where(
                entries.c.blog_id == blog_id,
                entries.c.pinned.is_(True),
                entries.c.deleted_at.is_(None),
            )
            .limit(1)
        )
        .mappings()
        .first()
    )
    return _entry(row) if row else None


def newest_key_event(conn: Connection, blog_id: int) -> Entry | None:
    """The newest visible key event that has a headline (it names the blog's headline)."""
    row = (
        conn.execute(
            select(entries)
            .where(
                entries.c.blog_id == blog_id,
                entries.c.key_event.is_(True),
                entries.c.deleted_at.is_(None),
                entries.c.headline.is_not(None),
            )
            .order_by(entries.c.published_at.desc(), entries.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return _entry(row) if row else None


def newest_change(conn: Connection, blog_id: int) -> datetime | None:
    """The newest ``updated_at`` among visible entries (the page's "Stand")."""
    value = conn.execute(
        select(func.max(entries.c.updated_at)).where(
            entries.c.blog_id == blog_id, entries.c.deleted_at.is_(None)
        )
    ).scalar_one_or_none()
    if value is None:
        return None
    # func.max loses the column type on SQLite: convert through the column's own type.
    result = entries.c.updated_at.type.process_result_value(value, conn.dialect)  # type: ignore[attr-defined]
    assert isinstance(result, datetime)
    return result


def newest_changes(conn: Connection, blog_ids: Collection[int]) -> dict[int, datetime]:
    """:func:`newest_change` of many blogs in one query (blogs without visible entries are
    missing from the answer)."""
    if not blog_ids:
        return {}
    rows = conn.execute(
        select(entries.c.blog_id, func.max(entries.c.updated_at).label("changed"))
        .where(entries.c.blog_id.in_(list(blog_ids)), entries.c.deleted_at.is_(None))
        .group_by(entries.c.blog_id)
    )
    # func.max loses the column type on SQLite: convert through the column's own type.
    convert = entries.c.updated_at.type.process_result_value  # type: ignore[attr-defined]
    changes: dict[int, datetime] = {}
    for row in rows:
        changed = convert(row.changed, conn.dialect)
        assert isinstance(changed, datetime)
        changes[int(row.blog_id)] = changed
    return changes


def insert_entry(conn: Connection, values: dict[str, Any]) -> Entry:
    row = conn.execute(insert(entries).values(**values).returning(entries)).mappings().one()
    return _entry(row)


def update_entry(conn: Connection, entry_id: int, values: dict[str, Any]) -> Entry:
    row = (
        conn.execute(
            update(entries).where(entries.c.id == entry_id).values(**values).returning(entries)
        )
        .mappings()
        .one()
    )
    return _entry(row)


def pinned_ids(conn: Connection, blog_id: int) -> list[int]:
    rows = conn.execute(
        select(entries.c.id).where(
            entries.c.blog_id == blog_id,
            entries.c.pinned.is_(True),
            entries.c.deleted_at.is_(None),
        )
    )
    return [int(r) for r in rows.scalars()]
