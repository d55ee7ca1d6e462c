"""Actions on entries: post, edit (with ``If-Match``), pin and delete, each with its events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import Connection

from liveblog.actions.base import ActionsBase, must, open_blog_or_error, require_writer, string
from liveblog.domain import rules
from liveblog.domain.errors import (
    Gone,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from liveblog.domain.models import Entry, Event, EventType, User
from liveblog.domain.serialize import entry_payload
from liveblog.render import markdown_to_html
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log

ENTRY_FIELDS = ("body", "headline", "key_event", "pinned", "source", "published_at")
ANY_VERSION: Final = "*"
IfMatch = int | frozenset[int] | Literal["*"] | None
"""The versions an edit or deletion may apply to (the API's ``If-Match``): ``None`` when none was
named (refused: 428), one version or several (any of them), or :data:`ANY_VERSION`."""


class EntryActions(ActionsBase):
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
        require_writer(actor)
        now = self.clock()
        errors = rules.Collector()
        clean = _entry_text(errors, body=body, headline=headline, source=source)
        when = now if published_at is None else rules.published_at(errors, published_at, now)
        errors.raise_if_any()
        with self.db.write() as conn:
            blog = open_blog_or_error(conn, slug)
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
        if_match: IfMatch,
    ) -> Entry:
        require_writer(actor)
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
            blog = open_blog_or_error(conn, slug)
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

    def delete_entry(self, actor: User, slug: str, entry_id: int, *, if_match: IfMatch) -> Entry:
        """Leave a tombstone (and an ``entry.deleted`` event), never a hole."""
        require_writer(actor)
        now = self.clock()
        with self.db.write() as conn:
            blog = open_blog_or_error(conn, slug)
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
            other = must(entry_rows.get(conn, blog_id, other_id))
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
        event = event_log.append(conn, blog_id, type_, {"entry": entry_payload(entry)}, now)
        event_log.supersede(conn, event)  # earlier events no longer carry old or deleted text
        return event


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
            string(errors, field, value),
            max_len=max_len,
            required=required,
            multiline=multiline,
        )
    return cleaned


def _entry_or_error(conn: Connection, blog_id: int, entry_id: int) -> Entry:
    entry = entry_rows.get(conn, blog_id, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id} in this blog")
    if entry.deleted:
        raise Gone(f"entry {entry_id} was deleted")
    return entry


def _check_version(entry: Entry, if_match: IfMatch) -> None:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the entry's ETag so edits by others are not overwritten"
        )
    if if_match == ANY_VERSION:
        return
    wanted = frozenset({if_match}) if isinstance(if_match, int) else if_match
    if entry.version not in wanted:
        named = f"not {min(wanted)}" if len(wanted) == 1 else "which If-Match does not name"
        raise PreconditionFailed(
            f"entry {entry.id} is at version {entry.version}, {named}; "
            "reload it and apply your change again",
            current_version=entry.version,
        )
