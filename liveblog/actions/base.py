"""What every action shares: the database, the clock, the commit listeners, and the checks
that open a write (the blog, locked; the actor's role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from liveblog.domain import policy, rules
from liveblog.domain.errors import (
    Conflict,
    NotFound,
)
from liveblog.domain.models import Blog, Event, EventType, User
from liveblog.domain.policy import Permission
from liveblog.render import plain_text
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from liveblog.storage import members as member_rows
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
        self._access_listeners: list[Callable[[], None]] = []

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def on_access_revoked(self, listener: Callable[[], None]) -> None:
        """``listener`` runs after every commit that took rights away (a token revoked, a user
        disabled, a password changed): processes then forget the tokens and sessions they
        remember (``web.token_cache``)."""
        self._access_listeners.append(listener)

    def _access_revoked(self) -> None:
        for listener in self._access_listeners:
            listener()

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


def authorize(conn: Connection, actor: User, permission: Permission, blog: Blog) -> None:
    """Raise unless ``actor`` may do ``permission`` in ``blog`` (:func:`policy.require`, with
    the actor's role read in the caller's transaction; not read for those whose global role
    allows it anyway)."""
    if policy.can(actor, permission):
        return
    policy.require(actor, permission, member_rows.role_of(conn, blog.id, actor.id), blog.slug)


def authorized_blog(conn: Connection, slug: str, actor: User, permission: Permission) -> Blog:
    """The blog, locked for this write transaction (see :func:`blog_or_404`), once ``actor``
    may do ``permission`` there; the lock and the actor's role take one statement."""
    if policy.can(actor, permission):
        return blog_or_404(conn, slug)
    found = blog_rows.with_role(conn, slug, actor.id)
    if found is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    blog, role = found
    policy.require(actor, permission, role, slug)
    return blog


def append_event(
    conn: Connection,
    blog_id: int,
    type_: EventType,
    payload: dict[str, Any],
    now: datetime,
    actor: User | None,
    *,
    seq: int | None = None,
) -> Event:
    """Store an event (numbered here unless the caller took ``seq``) and its audit record."""
    actor_id = actor.id if actor is not None else None
    if seq is None:
        event = event_log.append(conn, blog_id, type_, payload, now, actor_id=actor_id)
    else:
        event = event_log.record(conn, blog_id, seq, type_, payload, now, actor_id=actor_id)
    entry = payload.get("entry")
    audit.record(
        conn,
        blog_id,
        type_.value,
        actor_id,
        now,
        entry_id=entry["id"] if entry is not None else None,
        detail={"seq": event.seq, **_audit_detail(payload)},
    )
    return event


def _audit_detail(payload: dict[str, Any]) -> dict[str, Any]:
    """What the audit log shows of a change: an entry's headline or first words, a blog's
    title and status."""
    entry = payload.get("entry")
    if entry is not None:
        text = entry.get("headline") or plain_text(str(entry.get("body_html") or ""), words=12)
        return {"entry": text[:160]} if text else {}
    blog = payload.get("blog") or {}
    return {k: blog[k] for k in ("title", "status") if k in blog}


def blog_or_404(conn: Connection, slug: str) -> Blog:
    """The blog, locked for this write transaction: every action that reads and then writes a
    blog or its entries (a version check, the pinned entry, the blog's state) takes this lock
    first, so on PostgreSQL's READ COMMITTED too no other writer of the blog can change what
    it checked before it commits."""
    blog = blog_rows.by_slug(conn, slug, lock=True)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog


def ensure_open(blog: Blog) -> None:
    if not blog.is_open:
        raise Conflict(f"the blog {blog.slug!r} is closed; reopen it to change entries")
