"""The read side: what a reader may see, and the queries that show it.

This module alone decides which entries are visible to readers (:func:`visible`): the published
ones that are not deleted (drafts, submitted and scheduled entries do not exist for readers;
members read them through :func:`unpublished` and :func:`any_entry`). The pages, the API and the
live path read entries only through this module (an import-linter contract keeps ``liveblog.web``
away from :mod:`liveblog.storage.entries`). Writers (:mod:`liveblog.actions`) read rows through
:mod:`liveblog.storage.entries`, unfiltered.

Every entry these reads return carries its byline (``Entry.authors``), read for all of them in
one more query (:mod:`liveblog.storage.bylines`); whether readers see it is the blog's
``show_authors``, which the pages, the API and the live frames apply.

Timelines use keyset pagination on (published_at, id): cost depends on the page size, not on
the blog's length or the cursor's depth.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, bindparam, func, or_, select

from liveblog.domain.models import Entry, EntryStatus
from liveblog.domain.pagination import Cursor, Order
from liveblog.storage import entries as entry_rows
from liveblog.storage.bylines import with_authors
from liveblog.storage.entries import entry_from_row
from liveblog.storage.tables import entries


def visible(table: Table = entries) -> ColumnElement[bool]:
    """The SQL condition on an entries table for rows a reader may see: published, not
    deleted (drafts, submitted and scheduled entries do not exist for readers)."""
    return and_(table.c.deleted_at.is_(None), table.c.status == EntryStatus.PUBLISHED.value)


def _gone(table: Table = entries) -> ColumnElement[bool]:
    """Rows a reader may not see but that leave a tombstone (410 Gone) at their address: the
    deleted ones that readers saw (a deleted draft never existed for them)."""
    return and_(table.c.deleted_at.is_not(None), table.c.status == EntryStatus.PUBLISHED.value)


@dataclass(frozen=True)
class Page:
    items: list[Entry]
    next_cursor: Cursor | None


def entry(conn: Connection, blog_id: int, entry_id: int) -> Entry | None:
    """The entry of this blog a reader asks for by its id (a permalink, the API): a visible
    one, or the tombstone of a deleted one (``entry.deleted``: answered with 410 Gone);
    ``None`` when readers may not know of it."""
    row = (
        conn.execute(
            select(entries).where(
                entries.c.id == entry_id,
                entries.c.blog_id == blog_id,
                or_(visible(), _gone()),
            )
        )
        .mappings()
        .first()
    )
    return with_authors(conn, [entry_from_row(row)])[0] if row else None


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
    conditions = [entries.c.blog_id == blog_id, visible()]
    if key_events_only:
        conditions.append(entries.c.key_event.is_(True))
    if exclude_pinned:
        conditions.append(entries.c.pinned.is_(False))
    newest = order is Order.NEWEST
    if after is not None:
        conditions += _beyond(after, newest)
    rows = conn.execute(
        select(entries).where(*conditions).order_by(*_sort(newest)).limit(limit + 1)
    )
    items = with_authors(conn, [entry_from_row(r) for r in rows.mappings()])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = Cursor(last.published_at, last.id)
    return Page(items, next_cursor)


def _beyond(after: Cursor, newest: bool) -> list[ColumnElement[bool]]:
    """(published_at, id) beyond the cursor: older when ``newest`` first, else newer. The plain
    range on published_at is implied by the OR, but spelled out it lets the index seek to the
    cursor instead of walking the blog from its newest entry (cost would grow with the cursor's
    depth)."""
    beyond, reaching = (operator.lt, operator.le) if newest else (operator.gt, operator.ge)
    return [
        reaching(entries.c.published_at, after.published_at),
        or_(
            beyond(entries.c.published_at, after.published_at),
            and_(entries.c.published_at == after.published_at, beyond(entries.c.id, after.id)),
        ),
    ]


def _sort(newest: bool) -> tuple[ColumnElement[Any], ...]:
    if newest:
        return (entries.c.published_at.desc(), entries.c.id.desc())
    return (entries.c.published_at.asc(), entries.c.id.asc())


def newer_positions(
    conn: Connection, blog_id: int, at: Cursor, *, limit: int, exclude_pinned: bool = False
) -> list[Cursor]:
    """The positions of up to ``limit`` visible entries newer than ``at``, the nearest first
    (an entry's place in the newest-first timeline, for its permalink's link back): the same
    keyset seek as :func:`timeline`, reading no entry's text."""
    conditions = [entries.c.blog_id == blog_id, visible(), *_beyond(at, newest=False)]
    if exclude_pinned:
        conditions.append(entries.c.pinned.is_(False))
    query = select(entries.c.published_at, entries.c.id).where(*conditions)
    rows = conn.execute(query.order_by(*_sort(newest=False)).limit(limit))
    return [Cursor(published_at, entry_id) for published_at, entry_id in rows]


def pinned(conn: Connection, blog_id: int) -> Entry | None:
    """The visible pinned entry (writers keep at most one pinned)."""
    row = (
        conn.execute(
            select(entries)
            .where(entries.c.blog_id == blog_id, entries.c.pinned.is_(True), visible())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return with_authors(conn, [entry_from_row(row)])[0] if row else None


def naming_key_event(query: Select[Any], blog_id: Any) -> Select[Any]:
    """``query`` narrowed to the key event that names a blog's headline: the newest visible key
    event with a headline of the blog ``blog_id`` (an id, a bound parameter or a column). An
    entry marked "not independently verified" never names it: the headline carries no label,
    and a claim nobody could check must not stand there as the news."""
    return (
        query.where(
            entries.c.blog_id == blog_id,
            entries.c.key_event.is_(True),
            visible(),
            entries.c.headline.is_not(None),
            entries.c.unverified.is_(False),
        )
        .order_by(entries.c.published_at.desc(), entries.c.id.desc())
        .limit(1)
    )


def newest_key_event(conn: Connection, blog_id: int) -> Entry | None:
    """The newest visible key event that has a headline (it names the blog's headline)."""
    row = conn.execute(naming_key_event(select(entries), blog_id)).mappings().first()
    return entry_from_row(row) if row else None


def newest_change(conn: Connection, blog_id: int) -> datetime | None:
    """The newest ``updated_at`` among visible entries (the page's "Stand")."""
    value = conn.execute(
        select(func.max(entries.c.updated_at)).where(entries.c.blog_id == blog_id, visible())
    ).scalar_one_or_none()
    return None if value is None else _updated_at(conn, value)


_HEADER_FACTS = select(
    naming_key_event(select(entries.c.headline), bindparam("blog_id"))
    .scalar_subquery()
    .label("key_headline"),
    select(func.max(entries.c.updated_at))
    .where(entries.c.blog_id == bindparam("blog_id"), visible())
    .scalar_subquery()
    .label("changed"),
)
"""What the page header needs of the entries, one statement built once (it runs in every
entry write while live readers wait)."""


def header_facts(conn: Connection, blog_id: int) -> tuple[str | None, datetime | None]:
    """The headline of :func:`newest_key_event` and :func:`newest_change`, in one query."""
    row = conn.execute(_HEADER_FACTS, {"blog_id": blog_id}).one()
    changed = None if row.changed is None else _updated_at(conn, row.changed)
    return row.key_headline, changed


def deletions(conn: Connection, blog_id: int, *, limit: int) -> list[tuple[int, datetime]]:
    """``(id, deleted_at)`` of the entries readers saw that were deleted, the most recently
    deleted first, at most ``limit`` (feeds announce them as tombstones); nothing of their
    content. A deleted draft never existed for readers and is not among them."""
    if limit <= 0:
        return []
    rows = conn.execute(
        select(entries.c.id, entries.c.deleted_at)
        .where(entries.c.blog_id == blog_id, _gone())
        .order_by(entries.c.deleted_at.desc(), entries.c.id.desc())
        .limit(limit)
    )
    return [(int(row.id), row.deleted_at) for row in rows]


def _updated_at(conn: Connection, value: object) -> datetime:
    """A ``max(updated_at)`` as a datetime: ``func.max`` loses the column type on SQLite, so
    convert through the column's own type."""
    result = entries.c.updated_at.type.process_result_value(value, conn.dialect)  # type: ignore[attr-defined]
    assert isinstance(result, datetime)
    return result


def any_entry(conn: Connection, blog_id: int, entry_id: int) -> Entry | None:
    """For members: the entry whatever its status, deleted ones included."""
    found = entry_rows.get(conn, blog_id, entry_id)
    return with_authors(conn, [found])[0] if found else None


def unpublished(conn: Connection, blog_id: int, *, author_id: int | None = None) -> list[Entry]:
    """For members: drafts, submitted and scheduled entries (see ``entries.unpublished``)."""
    return with_authors(conn, entry_rows.unpublished(conn, blog_id, author_id=author_id))
