"""What the index page ``/`` lists: every blog, one keyset page at a time.

The open blogs come first, the one with the newest visible change first (the time its page
shows as "Stand": the newest ``updated_at`` among its visible entries, or its creation while it
has none), then the closed ones, the most recently closed first. Ties go to the higher id. A
:class:`Position` names the last blog of a page; the next page starts after it, in its section
or, past the open blogs' end, with the closed ones. No ``OFFSET``, no ``COUNT(*)``:

* Closed blogs: ``ix_blogs_archive`` (``status, closed_at, id``, migration 0010) gives them in
  order from the position on; a page reads ``limit + 1`` of them, whatever the archive's size.
* Open blogs: their order is their newest change, which no column holds, so the page's query
  finds it for each open blog (one seek of ``ix_entries_newest_change`` each) and keeps the
  ``limit + 1`` after the position. The running blogs are few; the ones that pile up over the
  years are closed.

Each listed blog carries its "Stand" and the headline of its newest visible key event (the rule
of the blog's own headline, :func:`liveblog.storage.reads.header_facts`), read for the page's
blogs only. Unpublished entries (drafts, submitted, scheduled) count for neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, type_coerce

from liveblog.domain.models import Blog, BlogStatus
from liveblog.storage.blogs import blog_from_row
from liveblog.storage.reads import naming_key_event, visible
from liveblog.storage.tables import blogs, entries
from liveblog.storage.types import UTCDateTime


@dataclass(frozen=True)
class Position:
    """The last blog of a page: its section, its sort time (newest change while open, closing
    time once closed) and its id."""

    closed: bool
    at: datetime
    blog_id: int


@dataclass(frozen=True)
class Listed:
    """A blog as the index lists it."""

    blog: Blog
    changed: datetime
    """Its newest visible change (its page's "Stand"), or its creation without one."""
    key_headline: str | None
    """The headline of its newest visible key event with a headline."""


@dataclass(frozen=True)
class ArchivePage:
    items: list[Listed]
    next: Position | None
    """Where the next page starts; ``None`` on the last page."""


_NEWEST_VISIBLE_CHANGE = (
    select(entries.c.updated_at)
    .where(entries.c.blog_id == blogs.c.id, visible())
    .order_by(entries.c.updated_at.desc())
    .limit(1)
    .scalar_subquery()
)
_CHANGED = type_coerce(
    func.coalesce(_NEWEST_VISIBLE_CHANGE, blogs.c.created_at), UTCDateTime()
).label("changed")
_KEY_HEADLINE = (
    naming_key_event(select(entries.c.headline), blogs.c.id).scalar_subquery().label("key_headline")
)


def page(conn: Connection, *, limit: int, after: Position | None = None) -> ArchivePage:
    """The ``limit`` blogs after ``after`` (from the start without one), and where the next
    page starts. At most three statements, however many blogs there are."""
    limit = max(limit, 1)
    rows: list[tuple[Blog, datetime, datetime]] = []  # blog, changed, sort time
    if after is None or not after.closed:
        rows += _open(conn, limit + 1, after)
    if len(rows) <= limit:
        closed_after = after if after is not None and after.closed else None
        rows += _closed(conn, limit + 1 - len(rows), closed_after)
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last, _, at = rows[-1]
        next_position = Position(closed=not last.is_open, at=at, blog_id=last.id)
    headlines = _key_headlines(conn, [blog.id for blog, _, _ in rows])
    items = [Listed(blog, changed, headlines.get(blog.id)) for blog, changed, _ in rows]
    return ArchivePage(items, next_position)


def _beyond(
    at: ColumnElement[datetime], blog_id: ColumnElement[int], after: Position
) -> list[ColumnElement[bool]]:
    """Rows after ``after`` in ``(at, id)`` descending order. The plain range on ``at`` is implied
    by the OR, but spelled out it lets an index seek to the position."""
    return [
        at <= after.at,
        or_(at < after.at, and_(at == after.at, blog_id < after.blog_id)),
    ]


def _open(
    conn: Connection, limit: int, after: Position | None
) -> list[tuple[Blog, datetime, datetime]]:
    ranked = select(blogs.c.id, _CHANGED).where(blogs.c.status == BlogStatus.OPEN.value).subquery()
    query = select(blogs, ranked.c.changed).join(ranked, ranked.c.id == blogs.c.id)
    if after is not None:
        query = query.where(*_beyond(ranked.c.changed, ranked.c.id, after))
    query = query.order_by(ranked.c.changed.desc(), ranked.c.id.desc()).limit(limit)
    found = []
    for row in conn.execute(query).mappings():
        changed: datetime = row["changed"]
        found.append((blog_from_row(row), changed, changed))
    return found


def _closed(
    conn: Connection, limit: int, after: Position | None
) -> list[tuple[Blog, datetime, datetime]]:
    query = select(blogs, _CHANGED).where(blogs.c.status == BlogStatus.CLOSED.value)
    if after is not None:
        query = query.where(*_beyond(blogs.c.closed_at, blogs.c.id, after))
    query = query.order_by(blogs.c.closed_at.desc(), blogs.c.id.desc()).limit(limit)
    found = []
    for row in conn.execute(query).mappings():
        blog = blog_from_row(row)
        # Closed blogs always have a closing time (blogs made before 0009 were given one).
        found.append((blog, row["changed"], blog.closed_at or blog.updated_at))
    return found


def _key_headlines(conn: Connection, blog_ids: list[int]) -> dict[int, str]:
    if not blog_ids:
        return {}
    rows = conn.execute(select(blogs.c.id, _KEY_HEADLINE).where(blogs.c.id.in_(blog_ids)))
    return {int(row.id): row.key_headline for row in rows if row.key_headline}
