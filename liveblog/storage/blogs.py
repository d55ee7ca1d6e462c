"""Reading and writing blog rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, insert, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from liveblog.domain.models import Blog, BlogRole, BlogStatus
from liveblog.storage.tables import blogs, memberships


def blog_from_row(row: RowMapping) -> Blog:
    return Blog(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        summary=row["summary"],
        language=row["language"],
        timezone=row["timezone"],
        status=BlogStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_seq=row["last_seq"],
        show_authors=bool(row["show_authors"]),
        embed_origins=tuple(row["embed_origins"] or ()),
        closing_note=row["closing_note"],
        closed_at=row["closed_at"],
    )


# The write path's statements, built once: building a statement and its cache key costs more
# than SQLAlchemy's execution of a cached one (measured: ~40% of the statement's CPU time).
_BY_SLUG = select(blogs).where(blogs.c.slug == bindparam("slug"))
_BY_SLUG_LOCKED = _BY_SLUG.with_for_update(key_share=True)
_WITH_ROLE = (
    select(blogs, memberships.c.role.label("member_role"))
    .outerjoin(
        memberships,
        (memberships.c.blog_id == blogs.c.id) & (memberships.c.user_id == bindparam("user_id")),
    )
    .where(blogs.c.slug == bindparam("slug"))
    .with_for_update(key_share=True, of=blogs)
)
_BY_ID = select(blogs).where(blogs.c.id == bindparam("blog_id"))


def numbering(blog_id: str = "blog_id", now: str = "now") -> ReturningUpdate[Any]:
    """The statement that takes a blog's next event number (``RETURNING last_seq``), with its
    parameters named ``blog_id`` and ``now`` (other names where it is part of a larger
    statement whose own columns use those)."""
    return (
        update(blogs)
        .where(blogs.c.id == bindparam(blog_id))
        .values(last_seq=blogs.c.last_seq + 1, updated_at=bindparam(now))
        .returning(blogs.c.last_seq)
    )


@cache
def _next_seq() -> ReturningUpdate[Any]:
    """:func:`next_seq`'s statement, built once."""
    return numbering()


def by_slug(conn: Connection, slug: str, *, lock: bool = False) -> Blog | None:
    """The blog with this slug. ``lock=True`` (in a write transaction) also takes the row's
    write lock until the commit, before anything else of the blog is read, so that writers of
    one blog take turns and each reads what the one before it committed: ``FOR NO KEY UPDATE``
    on PostgreSQL, the same lock :func:`next_seq` takes. SQLAlchemy leaves the clause out on
    SQLite, whose write transactions (``BEGIN IMMEDIATE``) hold the database lock already."""
    query = _BY_SLUG_LOCKED if lock else _BY_SLUG
    row = conn.execute(query, {"slug": slug}).mappings().first()
    return blog_from_row(row) if row else None


def with_role(conn: Connection, slug: str, user_id: int) -> tuple[Blog, BlogRole | None] | None:
    """The blog, locked as :func:`by_slug` with ``lock=True`` does, and ``user_id``'s role in
    it, in one statement (one round trip on the write path)."""
    row = conn.execute(_WITH_ROLE, {"slug": slug, "user_id": user_id}).mappings().first()
    if row is None:
        return None
    role = row["member_role"]
    return blog_from_row(row), BlogRole(role) if role is not None else None


def by_id(conn: Connection, blog_id: int) -> Blog | None:
    row = conn.execute(_BY_ID, {"blog_id": blog_id}).mappings().first()
    return blog_from_row(row) if row else None


def version(conn: Connection, slug: str) -> int | None:
    """The blog's newest event number: cheap enough to ask on every cache revalidation."""
    return conn.execute(select(blogs.c.last_seq).where(blogs.c.slug == slug)).scalar_one_or_none()


def all_blogs(conn: Connection) -> list[Blog]:
    rows = conn.execute(select(blogs).order_by(blogs.c.created_at.desc(), blogs.c.id.desc()))
    return [blog_from_row(r) for r in rows.mappings()]


def insert_blog(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(blogs).values(last_seq=0, **values).returning(blogs.c.id))
    return int(result.scalar_one())


def update_blog(conn: Connection, blog_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(blogs).where(blogs.c.id == blog_id).values(**values))


def next_seq(conn: Connection, blog_id: int, now: datetime) -> int:
    """Take the blog's next event number. The UPDATE locks the blog row (PostgreSQL) or runs
    under the database write lock (SQLite), so concurrent writers get consecutive numbers."""
    result = conn.execute(_next_seq(), {"blog_id": blog_id, "now": now})
    return int(result.scalar_one())


def site_version(conn: Connection) -> int:
    """The version of everything the index page shows: the sum of every blog's ``last_seq``
    plus the number of blogs. Every event raises one blog's ``last_seq``, so the number grows
    with every commit of any process; one aggregate over the small blogs table."""
    from sqlalchemy import func  # kept local: this function was added without touching imports

    total = func.coalesce(func.sum(blogs.c.last_seq), 0) + func.count()
    return int(conn.execute(select(total).select_from(blogs)).scalar_one())


def heads(conn: Connection, blog_ids: Collection[int]) -> dict[int, int]:
    """The newest event number (``last_seq``) of each of these blogs that exists."""
    rows = conn.execute(select(blogs.c.id, blogs.c.last_seq).where(blogs.c.id.in_(list(blog_ids))))
    return {int(r.id): int(r.last_seq) for r in rows}
