"""What every action shares: the database, the clock, the commit listeners, and the checks
that open a write (the blog, locked; the actor's role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from liveblog.domain import rules
from liveblog.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
)
from liveblog.domain.models import Blog, Event, Role, User
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database

_T = TypeVar("_T")
Clock = Callable[[], datetime]
CommitListener = Callable[["Committed"], None]


@dataclass(frozen=True)
class Committed:
    """What listeners hear after a commit: the blog and its newest event number."""

    blog_id: int
    slug: str
    seq: int
    events: tuple[Event, ...]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ActionsBase:
    """The state of :class:`liveblog.actions.Actions`: its database, clock and listeners."""

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[CommitListener] = []

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def _notify(self, blog: Blog, written: list[Event]) -> None:
        if not written:
            return
        note = Committed(blog.id, blog.slug, written[-1].seq, tuple(written))
        for listener in self._listeners:
            listener(note)


def must(value: _T | None) -> _T:
    assert value is not None
    return value


def string(errors: rules.Collector, field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    errors.add(field, "must be a string")
    return ""


def require_admin(actor: User, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only admins may {what}")


def require_writer(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.EDITOR):
        raise Forbidden("only editors and admins may write entries")


def blog_or_404(conn: Connection, slug: str) -> Blog:
    """The blog, locked for this write transaction: every action that reads and then writes a
    blog or its entries (a version check, the pinned entry, the blog's state) takes this lock
    first, so on PostgreSQL's READ COMMITTED too no other writer of the blog can change what
    it checked before it commits."""
    blog = blog_rows.by_slug(conn, slug, lock=True)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog


def open_blog_or_error(conn: Connection, slug: str) -> Blog:
    blog = blog_or_404(conn, slug)
    if not blog.is_open:
        raise Conflict(f"the blog {slug!r} is closed; reopen it to change entries")
    return blog
