"""The only code that writes. Each action validates, writes its rows and their event in one
transaction, and tells the commit listeners (the page cache, the broker) after the commit.

Zulip's event queue is the model: writers go through actions only, events are sent on commit,
and a listener that misses a notification loses nothing because the event log is authoritative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveblog.domain import rules
from liveblog.domain.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from liveblog.domain.models import Blog, BlogStatus, Entry, Event, EventType, Role, User
from liveblog.domain.serialize import blog_payload, entry_payload
from liveblog.domain.tokens import new_token, token_hash
from liveblog.render import markdown_to_html
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database

_T = TypeVar("_T")
Clock = Callable[[], datetime]
CommitListener = Callable[["Committed"], None]

BLOG_FIELDS = ("title", "summary", "language", "timezone", "status")
ENTRY_FIELDS = ("body", "headline", "key_event", "pinned", "source", "published_at")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Committed:
    """What listeners hear after a commit: the blog and its newest event number."""

    blog_id: int
    slug: str
    seq: int
    events: tuple[Event, ...]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Actions:
    """Every write of the application. Stateless apart from its database, clock and listeners."""

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[CommitListener] = []
        self._hasher = PasswordHasher()

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def _notify(self, blog: Blog, written: list[Event]) -> None:
        if not written:
            return
        note = Committed(blog.id, blog.slug, written[-1].seq, tuple(written))
        for listener in self._listeners:
            listener(note)

    # -- blogs -------------------------------------------------------------------------------

    def create_blog(
        self,
        actor: User,
        *,
        slug: str,
        title: str,
        summary: str | None = None,
        language: str = "de",
        timezone: str = "Europe/Berlin",
    ) -> Blog:
        _require_admin(actor, "create blogs")
        errors = rules.Collector()
        slug = rules.slug(errors, slug)
        clean_title = rules.text(
            errors, "title", title, max_len=rules.MAX_TITLE, required=True, multiline=False
        )
        clean_summary = rules.text(
            errors,
            "summary",
            summary or "",
            max_len=rules.MAX_SUMMARY,
            required=False,
            multiline=True,
        )
        rules.language(errors, language)
        rules.timezone(errors, timezone)
        errors.raise_if_any()
        now = self.clock()
        try:
            with self.db.write() as conn:
                if blog_rows.by_slug(conn, slug) is not None:
                    raise Conflict(f"a blog with the slug {slug!r} already exists")
                blog_id = blog_rows.insert_blog(
                    conn,
                    {
                        "slug": slug,
                        "title": clean_title,
                        "summary": clean_summary or "",
                        "language": language,
                        "timezone": timezone,
                        "status": BlogStatus.OPEN.value,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                event = self._blog_event(conn, blog_id, EventType.BLOG_CREATED, now)
                blog = _must(blog_rows.by_id(conn, blog_id))
        except IntegrityError as exc:  # two creators raced past the check above
            raise Conflict(f"a blog with the slug {slug!r} already exists") from exc
        self._notify(blog, [event])
        return blog

    def update_blog(self, actor: User, slug: str, changes: dict[str, Any]) -> Blog:
        _require_admin(actor, "change blogs")
        errors = rules.Collector()
        rules.unknown_fields(errors, changes, BLOG_FIELDS)
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = rules.text(
                errors,
                "title",
                _str(errors, "title", changes["title"]),
                max_len=rules.MAX_TITLE,
                required=True,
                multiline=False,
            )
        if "summary" in changes:
            values["summary"] = (
                rules.text(
                    errors,
                    "summary",
                    _str(errors, "summary", changes["summary"] or ""),
                    max_len=rules.MAX_SUMMARY,
                    required=False,
                    multiline=True,
                )
                or ""
            )
        if "language" in changes:
            values["language"] = rules.language(
                errors, _str(errors, "language", changes["language"])
            )
        if "timezone" in changes:
            values["timezone"] = rules.timezone(
                errors, _str(errors, "timezone", changes["timezone"])
            )
        if "status" in changes:
            status = changes["status"]
            if status not in (BlogStatus.OPEN.value, BlogStatus.CLOSED.value):
                errors.add("status", "must be 'open' or 'closed'")
            values["status"] = status
        errors.raise_if_any()
        now = self.clock()
        with self.db.write() as conn:
            blog = _blog_or_404(conn, slug)
            values = {k: v for k, v in values.items() if getattr(blog, k) != v}
            if not values:
                return blog
            blog_rows.update_blog(conn, blog.id, values)
            closing = values.get("status") == BlogStatus.CLOSED.value
            type_ = EventType.BLOG_CLOSED if closing else EventType.BLOG_UPDATED
            event = self._blog_event(conn, blog.id, type_, now)
            blog = _must(blog_rows.by_id(conn, blog.id))
        self._notify(blog, [event])
        return blog

    def _blog_event(self, conn: Connection, blog_id: int, type_: EventType, now: datetime) -> Event:
        seq = blog_rows.next_seq(conn, blog_id, now)
        # The payload is the blog as it is after this event, its version (= seq) included.
        payload = {"blog": blog_payload(_must(blog_rows.by_id(conn, blog_id)))}
        return event_log.record(conn, blog_id, seq, type_, payload, now)

    # -- entries -----------------------------------------------------------------------------

    def create_entry(
        self,
        actor: User,
        slug: str,
        *,
        body: str,
        headline: str | None = None,
        key_event: bool = False,
        pinned: bool = False,
        source: str | None = None,
        published_at: datetime | None = None,
    ) -> Entry:
        _require_writer(actor)
        now = self.clock()
        errors = rules.Collector()
        clean = _entry_text(errors, body=body, headline=headline, source=source)
        when = now if published_at is None else rules.published_at(errors, published_at, now)
        errors.raise_if_any()
        with self.db.write() as conn:
            blog = _open_blog_or_error(conn, slug)
            written = self._unpin_others(conn, blog.id, None, now) if pinned else []
            entry = entry_rows.insert_entry(
                conn,
                {
                    "blog_id": blog.id,
                    "headline": clean["headline"],
                    "body": clean["body"],
                    "body_html": markdown_to_html(clean["body"]),
                    "key_event": key_event,
                    "pinned": pinned,
                    "source": clean["source"],
                    "published_at": when,
                    "updated_at": when,
                    "version": 1,
                    "deleted_at": None,
                    "author_id": actor.id,
                },
            )
            written.append(self._entry_event(conn, blog.id, EventType.ENTRY_CREATED, entry, now))
        self._notify(blog, written)
        return entry

    def update_entry(
        self,
        actor: User,
        slug: str,
        entry_id: int,
        changes: dict[str, Any],
        *,
        if_match: int | None,
    ) -> Entry:
        _require_writer(actor)
        now = self.clock()
        errors = rules.Collector()
        rules.unknown_fields(errors, changes, ENTRY_FIELDS)
        values: dict[str, Any] = {}
        text_changes = {k: changes[k] for k in ("body", "headline", "source") if k in changes}
        if text_changes:
            values.update(_entry_text(errors, **text_changes))
        for flag in ("key_event", "pinned"):
            if flag in changes:
                if not isinstance(changes[flag], bool):
                    errors.add(flag, "must be true or false")
                values[flag] = changes[flag]
        if "published_at" in changes:
            if not isinstance(changes["published_at"], datetime):
                errors.add("published_at", "must be an RFC 3339 date-time with offset")
            else:
                values["published_at"] = rules.published_at(errors, changes["published_at"], now)
        errors.raise_if_any()
        if "body" in values:
            values["body_html"] = markdown_to_html(values["body"])
        with self.db.write() as conn:
            blog = _open_blog_or_error(conn, slug)
            current = _entry_or_error(conn, blog.id, entry_id)
            _check_version(current, if_match)
            values = {k: v for k, v in values.items() if getattr(current, k) != v}
            if not values:
                return current
            written = []
            if values.get("pinned") is True:
                written = self._unpin_others(conn, blog.id, entry_id, now)
            entry = entry_rows.update_entry(
                conn, entry_id, {**values, "version": current.version + 1, "updated_at": now}
            )
            if set(values) == {"pinned"}:
                type_ = EventType.ENTRY_PINNED if entry.pinned else EventType.ENTRY_UNPINNED
            else:
                type_ = EventType.ENTRY_UPDATED
            written.append(self._entry_event(conn, blog.id, type_, entry, now))
        self._notify(blog, written)
        return entry

    def delete_entry(self, actor: User, slug: str, entry_id: int, *, if_match: int | None) -> Entry:
        """Leave a tombstone (and an ``entry.deleted`` event), never a hole."""
        _require_writer(actor)
        now = self.clock()
        with self.db.write() as conn:
            blog = _open_blog_or_error(conn, slug)
            current = _entry_or_error(conn, blog.id, entry_id)
            _check_version(current, if_match)
            entry = entry_rows.update_entry(
                conn,
                entry_id,
                {
                    "deleted_at": now,
                    "pinned": False,
                    "version": current.version + 1,
                    "updated_at": now,
                },
            )
            event = self._entry_event(conn, blog.id, EventType.ENTRY_DELETED, entry, now)
        self._notify(blog, [event])
        return entry

    def _unpin_others(
        self, conn: Connection, blog_id: int, keep: int | None, now: datetime
    ) -> list[Event]:
        """A blog has at most one pinned entry: pinning one unpins the others."""
        written = []
        for other_id in entry_rows.pinned_ids(conn, blog_id):
            if other_id == keep:
                continue
            other = _must(entry_rows.get(conn, blog_id, other_id))
            unpinned = entry_rows.update_entry(
                conn, other_id, {"pinned": False, "version": other.version + 1, "updated_at": now}
            )
            written.append(
                self._entry_event(conn, blog_id, EventType.ENTRY_UNPINNED, unpinned, now)
            )
        return written

    @staticmethod
    def _entry_event(
        conn: Connection, blog_id: int, type_: EventType, entry: Entry, now: datetime
    ) -> Event:
        return event_log.append(conn, blog_id, type_, {"entry": entry_payload(entry)}, now)

    # -- users -------------------------------------------------------------------------------

    def create_user(self, email: str, role: str, password: str) -> User:
        errors = rules.Collector()
        clean_email = rules.email(errors, email)
        if role not in (Role.ADMIN.value, Role.EDITOR.value):
            errors.add("role", "must be 'admin' or 'editor'")
        if len(password) < MIN_PASSWORD:
            errors.add("password", f"must be at least {MIN_PASSWORD} characters")
        errors.raise_if_any()
        password_hash = self._hasher.hash(password)
        try:
            with self.db.write() as conn:
                if user_rows.by_email(conn, clean_email) is not None:
                    raise Conflict(f"a user with the e-mail {clean_email} already exists")
                return user_rows.insert_user(
                    conn, clean_email, Role(role), password_hash, self.clock()
                )
        except IntegrityError as exc:
            raise Conflict(f"a user with the e-mail {clean_email} already exists") from exc

    def create_token(self, email: str) -> tuple[User, str]:
        """A new API token for the user; the token itself is returned once and never stored."""
        token = new_token()
        with self.db.write() as conn:
            user = user_rows.by_email(conn, email.strip().lower())
            if user is None:
                raise NotFound(f"no user with the e-mail {email.strip()}")
            user_rows.insert_token(conn, user.id, token_hash(token), self.clock())
        return user, token


# -- helpers -------------------------------------------------------------------------------------


def _must(value: _T | None) -> _T:
    assert value is not None
    return value


def _str(errors: rules.Collector, field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    errors.add(field, "must be a string")
    return ""


def _entry_text(errors: rules.Collector, **given: Any) -> dict[str, Any]:
    """Check the text fields of an entry that are present in ``given``."""
    limits = {
        "body": (rules.MAX_BODY, True, True),
        "headline": (rules.MAX_HEADLINE, False, False),
        "source": (rules.MAX_SOURCE, False, False),
    }
    cleaned: dict[str, Any] = {}
    for field, value in given.items():
        max_len, required, multiline = limits[field]
        if value is None and not required:
            cleaned[field] = None
            continue
        cleaned[field] = rules.text(
            errors,
            field,
            _str(errors, field, value),
            max_len=max_len,
            required=required,
            multiline=multiline,
        )
    return cleaned


def _require_admin(actor: User, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only admins may {what}")


def _require_writer(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.EDITOR):
        raise Forbidden("only editors and admins may write entries")


def _blog_or_404(conn: Connection, slug: str) -> Blog:
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog


def _open_blog_or_error(conn: Connection, slug: str) -> Blog:
    blog = _blog_or_404(conn, slug)
    if not blog.is_open:
        raise Conflict(f"the blog {slug!r} is closed; reopen it to change entries")
    return blog


def _entry_or_error(conn: Connection, blog_id: int, entry_id: int) -> Entry:
    entry = entry_rows.get(conn, blog_id, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id} in this blog")
    if entry.deleted:
        raise Gone(f"entry {entry_id} was deleted")
    return entry


def _check_version(entry: Entry, if_match: int | None) -> None:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the entry's ETag so edits by others are not overwritten"
        )
    if if_match != entry.version:
        raise PreconditionFailed(
            f"entry {entry.id} is at version {entry.version}, not {if_match}; "
            "reload it and apply your change again",
            current_version=entry.version,
        )


__all__ = ["Actions", "Committed", "InvalidInput"]
