"""What every action shares: the database, the clock, the commit listeners, and the checks
that open a write (the blog, locked; the actor's role)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from liveblog.domain import policy, rules
from liveblog.domain.errors import (
    Conflict,
    NotFound,
)
from liveblog.domain.models import Blog, BlogRole, Entry, Event, EventType, User
from liveblog.domain.policy import Permission
from liveblog.render import DEFAULT_MEDIA_URL, plain_text
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from liveblog.storage import members as member_rows
from liveblog.storage.database import Database
from liveblog.storage.writer import Body, Done

_T = TypeVar("_T")
Clock = Callable[[], datetime]
CommitListener = Callable[["Committed"], None]
Prepare = Callable[[Connection, Blog, tuple[Event, ...]], object]
"""Work for a commit listener inside the write transaction (see :meth:`ActionsBase.on_commit`)."""
log = logging.getLogger("liveblog.actions")


@dataclass(frozen=True)
class Committed:
    """What listeners hear after a commit: the blog and its newest event number, and what the
    listener's ``prepare`` made of the events inside the transaction (``None`` if nothing)."""

    blog_id: int
    slug: str
    seq: int
    events: tuple[Event, ...]
    prepared: object = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class ActionsBase:
    """The state of :class:`liveblog.actions.Actions`: its database, clock and listeners."""

    def __init__(self, db: Database, *, clock: Clock = utc_now, media_url: str = "") -> None:
        self.db = db
        self.clock = clock
        self.media_url = media_url or DEFAULT_MEDIA_URL
        """Where the HTML rendered at write time shows photos from (``LIVEBLOG_MEDIA_URL``)."""
        self._listeners: list[tuple[CommitListener, Prepare | None]] = []
        self._access_listeners: list[Callable[[], None]] = []

    def _write(self, body: Body[_T], *, blog: str = "") -> _T:
        """Run ``body`` as (part of) a write transaction through the database's single writer
        (:mod:`liveblog.storage.writer`), which may group it with other writes; ``blog`` is the
        slug of the blog it writes (writes of one blog share a lane). Returns what the body
        returned once it has committed and its ``after`` has run."""
        return self.db.writer.run(body, key=blog)

    def _write_rows(self, write: Callable[[Connection], object]) -> None:
        """:meth:`_write` for a change that returns nothing and writes no event."""

        def body(conn: Connection) -> Done[None]:
            write(conn)
            return Done(None)

        self._write(body)

    async def _write_async(self, body: Body[_T], *, blog: str = "") -> _T:
        """:meth:`_write` for the event loop."""
        return await self.db.writer.run_async(body, key=blog)

    def _done(
        self,
        result: _T,
        blog: Blog,
        written: list[Event],
        prepared: list[object] | None = None,
    ) -> Done[_T]:
        """A body's outcome that tells the commit listeners about ``written`` after the commit."""
        if not written:
            return Done(result)
        return Done(result, lambda: self._notify(blog, written, prepared))

    def on_commit(self, listener: CommitListener, *, prepare: Prepare | None = None) -> None:
        """``listener`` hears every commit that wrote events. ``prepare``, if given, runs in
        the write transaction of entry writes, after their last row, with its connection, the
        blog as the transaction leaves it and the events: it may read (it sees the rows just
        written) but must not write, and must be quick (on PostgreSQL the blog's row stays
        locked meanwhile). What it returns reaches ``listener`` as ``Committed.prepared``; if
        it raises, the error is logged, the write commits all the same and ``prepared`` is
        ``None``."""
        self._listeners.append((listener, prepare))

    def on_access_revoked(self, listener: Callable[[], None]) -> None:
        """``listener`` runs after every commit that took rights away (a token revoked, a user
        disabled, a password changed): processes then forget the tokens and sessions they
        remember (``web.token_cache``)."""
        self._access_listeners.append(listener)

    def _access_revoked(self) -> None:
        for listener in self._access_listeners:
            listener()

    def _prepare(
        self, conn: Connection, blog: Blog, written: list[Event], now: datetime
    ) -> list[object] | None:
        """Inside the write transaction: each listener's ``prepare`` (see :meth:`on_commit`),
        with the blog as this transaction leaves it (its ``last_seq`` the newest event's)."""
        if not written or not any(prepare for _, prepare in self._listeners):
            return None
        after = replace(blog, last_seq=written[-1].seq, updated_at=now)
        events = tuple(written)
        prepared: list[object] = []
        for _, prepare in self._listeners:
            result = None
            if prepare is not None:
                try:
                    result = prepare(conn, after, events)
                except Exception:
                    log.exception("preparing blog %s's events for a listener failed", blog.id)
            prepared.append(result)
        return prepared

    def _notify(
        self, blog: Blog, written: list[Event], prepared: list[object] | None = None
    ) -> None:
        if not written:
            return
        note = Committed(blog.id, blog.slug, written[-1].seq, tuple(written))
        for n, (listener, _) in enumerate(self._listeners):
            listener(note if prepared is None else replace(note, prepared=prepared[n]))


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
        seq = blog_rows.next_seq(conn, blog_id, now)
    entry = payload.get("entry")
    record = audit.row(
        blog_id,
        type_.value,
        actor_id,
        now,
        entry_id=entry["id"] if entry is not None else None,
        detail={"seq": seq, **_audit_detail(payload)},
    )
    return event_log.record(
        conn, blog_id, seq, type_, payload, now, actor_id=actor_id, audit=record
    )


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


def blog_and_role(conn: Connection, slug: str, actor: User) -> tuple[Blog, BlogRole | None]:
    """The open blog, locked for the transaction, and the actor's role there, once the actor
    may at least write drafts in it (the lock and the role take one statement, as in
    :func:`authorized_blog`; the role is ``None`` for those whose global role allows it)."""
    if policy.can(actor, Permission.WRITE_ENTRIES):
        blog, role = blog_or_404(conn, slug), None
    else:
        found = blog_rows.with_role(conn, slug, actor.id)
        if found is None:
            raise NotFound(f"no blog with the slug {slug!r}")
        blog, role = found
        policy.require(actor, Permission.WRITE_DRAFTS, role, slug)
    ensure_open(blog)
    return blog, role


def record_unpublished(
    conn: Connection, blog: Blog, entry: Entry, actor: User | None, now: datetime
) -> None:
    """The audit record of a change to an entry readers do not see (it has no public event):
    ``entry.draft``, ``entry.submitted``, ``entry.scheduled`` or ``entry.discarded``."""
    action = "entry.discarded" if entry.deleted else f"entry.{entry.status.value}"
    text = entry.headline or plain_text(entry.body_html, words=12)
    detail = {"entry": text[:160]} if text else {}
    actor_id = actor.id if actor is not None else None
    audit.insert_row(
        conn, audit.row(blog.id, action, actor_id, now, entry_id=entry.id, detail=detail)
    )
