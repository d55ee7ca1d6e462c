"""Actions on entries: post, edit (with ``If-Match``), pin and delete, each with its events.
Every entry they return or put into an event carries its byline (:mod:`.bylines`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, TypedDict, Unpack

from sqlalchemy import Connection

from liveblog.actions import bylines, posting_once, rendering
from liveblog.actions.base import (
    ActionsBase,
    append_event,
    blog_and_role,
    must,
    record_unpublished,
    string,
)
from liveblog.domain import rules, workflow
from liveblog.domain.errors import (
    Gone,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from liveblog.domain.models import Blog, BlogRole, Entry, EntryStatus, Event, EventType, User
from liveblog.domain.serialize import entry_payload
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log
from liveblog.storage import revisions
from liveblog.storage.writer import Body, Done

ENTRY_FIELDS = ("body", "headline", "key_event", "pinned", "source", "published_at", "unverified")
EDIT_FIELDS = (*ENTRY_FIELDS, "correction", "minor", "status", "publish_at", "note", "authors")
VISIBLE_EDITS = frozenset({"headline", "body", "source", "correction", "unverified"})
"""Changes that readers are told of ("updated 05:40") unless the edit is marked minor. The
"not independently verified" label is one: adding or removing it changes what the entry
claims, as a changed text does."""
ANY_VERSION: Final = "*"
IfMatch = int | frozenset[int] | Literal["*"] | None
"""The versions an edit or deletion may apply to (the API's ``If-Match``): ``None`` when none was
named (refused: 428), one version or several (any of them), or :data:`ANY_VERSION`."""


class NewEntry(TypedDict, total=False):
    """The optional fields of a post (:meth:`EntryActions.create_entry`), with their defaults:
    no headline, not a key event, not pinned, no source, published now, no idempotency key,
    not marked "not independently verified"."""

    headline: str | None
    key_event: bool
    pinned: bool
    unverified: bool
    source: str | None
    published_at: datetime | None
    idempotency_key: str | None
    status: str | None
    publish_at: datetime | None
    authors: list[int] | None


class EntryActions(ActionsBase):
    def create_entry(
        self, actor: User, slug: str, *, body: str, **fields: Unpack[NewEntry]
    ) -> Entry:
        """Post an entry. With an ``idempotency_key``, the same key from the same user within
        24 hours returns the entry the first use posted (and posts nothing); the same key with
        other fields is refused (:mod:`.posting_once`)."""
        return self._write(self._entry_post(actor, slug, body, fields), blog=slug)

    async def create_entry_async(
        self, actor: User, slug: str, *, body: str, **fields: Unpack[NewEntry]
    ) -> Entry:
        """:meth:`create_entry` from the event loop, without a worker thread: the checks and
        the Markdown run on the loop, the transaction on the writer's lane."""
        return await self._write_async(self._entry_post(actor, slug, body, fields), blog=slug)

    def _entry_post(self, actor: User, slug: str, body: str, fields: NewEntry) -> Body[Entry]:
        """Check a post and render its Markdown; the transaction that stores it."""
        headline, source = fields.get("headline"), fields.get("source")
        key_event, pinned = fields.get("key_event", False), fields.get("pinned", False)
        unverified = fields.get("unverified", False)
        published_at, idempotency_key = fields.get("published_at"), fields.get("idempotency_key")
        now = self.clock()
        errors = rules.Collector()
        clean = _entry_text(errors, body=body, headline=headline, source=source)
        when = now if published_at is None else rules.published_at(errors, published_at, now)
        key = None if idempotency_key is None else posting_once.checked_key(errors, idempotency_key)
        flow = workflow.flow_of(errors, dict(fields), now)
        workflow.post_status(errors, flow, dict(fields))
        ids = bylines.asked(errors, dict(fields), optional=True).get("authors")
        if not isinstance(unverified, bool):
            errors.add("unverified", "must be true or false")
        errors.raise_if_any()
        text = bylines.hashed(clean, ids)
        if unverified:  # only when asked for: keys stored before the flag keep their hashes
            text = {**text, "unverified": True}
        hashed = (slug, text, key_event, pinned, published_at, flow)
        asked = posting_once.request_hash(*hashed) if key else ""
        body_text = rendering.prepared(clean["body"])
        row = {
            "headline": clean["headline"],
            "body": clean["body"],
            "body_html": None,  # rendered for the blog: rendering.body_html
            "key_event": key_event,
            "pinned": pinned,
            "unverified": unverified,
            "source": clean["source"],
            "published_at": when,
            "updated_at": when,
            "version": 1,
            "deleted_at": None,
            "author_id": actor.id,
        }

        def store(conn: Connection) -> Done[Entry]:
            blog, role = blog_and_role(conn, slug, actor)
            status = flow.status or workflow.default_status(actor, role)
            if status is not EntryStatus.DRAFT and status is not EntryStatus.SUBMITTED:
                workflow.require_publisher(actor, role, slug)
            if key is not None:
                earlier = posting_once.earlier_post(conn, blog, actor, key, asked, now)
                if earlier is not None:
                    return Done(bylines.loaded(conn, earlier))
            row["body_html"] = rendering.body_html(conn, blog, body_text, self.media_url)
            byline = bylines.of_post(conn, blog, actor, ids)
            if status is not EntryStatus.PUBLISHED:
                values = {**row, "status": status.value, "publish_at": flow.publish_at}
                if flow.publish_at is not None:
                    values["published_at"] = flow.publish_at
                entry = entry_rows.insert_entry(conn, {"blog_id": blog.id, **values})
                entry = bylines.posted(conn, entry, byline)
                record_unpublished(conn, blog, entry, actor, now)
                if key is not None:
                    posting_once.remember(conn, actor, key, asked, entry, now)
                return Done(entry)
            written = self._unpin_others(conn, blog.id, None, now, actor) if pinned else []
            entry, seq = entry_rows.insert_numbered(conn, {"blog_id": blog.id, **row}, now)
            entry = bylines.posted(conn, entry, byline)
            written.append(
                self._entry_event(
                    conn, blog.id, EventType.ENTRY_CREATED, entry, now, actor, seq=seq
                )
            )
            if key is not None:
                posting_once.remember(conn, actor, key, asked, entry, now)
            return self._done(entry, blog, written, self._prepare(conn, blog, written, now))

        return store

    def update_entry(
        self,
        actor: User,
        slug: str,
        entry_id: int,
        changes: dict[str, Any],
        *,
        if_match: IfMatch,
    ) -> Entry:
        """Change fields of an entry. Every change but pinning keeps the entry's content as a
        new revision (the first one also keeps the content as posted, as revision 1).
        ``correction`` (a note readers see under the entry, ``None`` removes it) and
        ``minor`` (a fix readers are not told of: no "updated" mark) come with the fields, and
        ``authors`` (user ids: the new byline, see :mod:`.bylines`)."""
        now = self.clock()
        errors = rules.Collector()
        rules.unknown_fields(errors, changes, EDIT_FIELDS)
        values: dict[str, Any] = {}
        text_changes = {
            k: changes[k] for k in ("body", "headline", "source", "correction") if k in changes
        }
        if text_changes:
            values.update(_entry_text(errors, **text_changes))
        for flag in ("key_event", "pinned", "minor", "unverified"):
            if flag in changes:
                if not isinstance(changes[flag], bool):
                    errors.add(flag, "must be true or false")
                values[flag] = changes[flag]
        minor = values.pop("minor", False) is True
        if minor and values.get("correction"):
            errors.add("minor", "a correction is never minor: readers are told of it")
        if "published_at" in changes:
            if not isinstance(changes["published_at"], datetime):
                errors.add("published_at", "must be an RFC 3339 date-time with offset")
            else:
                values["published_at"] = rules.published_at(errors, changes["published_at"], now)
        flow = workflow.flow_of(errors, changes, now)
        values.update(bylines.asked(errors, changes))
        errors.raise_if_any()
        body_text = rendering.prepared(values["body"]) if "body" in values else None

        def edit(conn: Connection) -> Done[Entry]:
            blog, role = blog_and_role(conn, slug, actor)
            current = bylines.loaded(conn, _entry_or_error(conn, blog.id, entry_id))
            _check_version(current, if_match)
            if body_text is not None:
                values["body_html"] = rendering.body_html(conn, blog, body_text, self.media_url)
            asked = bylines.resolved(conn, blog, values)
            if not current.published:
                return self._edit_unpublished(conn, blog, role, current, actor, asked, flow, now)
            workflow.require_publisher(actor, role, slug)
            workflow.ensure_still_published(current, flow)
            changed = {k: v for k, v in asked.items() if getattr(current, k) != v}
            if not changed:
                return Done(current)
            written = []
            if changed.get("pinned") is True:
                written = self._unpin_others(conn, blog.id, entry_id, now, actor)
            entry = self._edit_with_revision(conn, current, changed, now, actor, minor=minor)
            if set(changed) == {"pinned"}:
                type_ = EventType.ENTRY_PINNED if entry.pinned else EventType.ENTRY_UNPINNED
            else:
                type_ = EventType.ENTRY_UPDATED
            written.append(self._entry_event(conn, blog.id, type_, entry, now, actor))
            return self._done(entry, blog, written, self._prepare(conn, blog, written, now))

        return self._write(edit, blog=slug)

    def delete_entry(self, actor: User, slug: str, entry_id: int, *, if_match: IfMatch) -> Entry:
        """Leave a tombstone (and an ``entry.deleted`` event), never a hole."""
        now = self.clock()

        def delete(conn: Connection) -> Done[Entry]:
            blog, role = blog_and_role(conn, slug, actor)
            current = _entry_or_error(conn, blog.id, entry_id)
            _check_version(current, if_match)
            if not current.published:  # a draft goes without a trace for readers
                workflow.check_unpublished_edit(actor, role, blog, current, workflow.Flow(), {})
                gone = {"deleted_at": now, "version": current.version + 1, "updated_at": now}
                entry = entry_rows.update_entry(conn, entry_id, gone)
                record_unpublished(conn, blog, entry, actor, now)
                return Done(entry)
            workflow.require_publisher(actor, role, slug)
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
            event = self._entry_event(conn, blog.id, EventType.ENTRY_DELETED, entry, now, actor)
            return self._done(entry, blog, [event], self._prepare(conn, blog, [event], now))

        return self._write(delete, blog=slug)

    def _edit_unpublished(
        self,
        conn: Connection,
        blog: Blog,
        role: BlogRole | None,
        current: Entry,
        actor: User,
        values: dict[str, Any],
        flow: workflow.Flow,
        now: datetime,
    ) -> Done[Entry]:
        """Edit a draft, submitted or scheduled entry: its status may change with it (see
        :mod:`liveblog.domain.workflow`); publishing it appends its public event now."""
        target, columns = workflow.check_unpublished_edit(actor, role, blog, current, flow, values)
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if target is EntryStatus.PUBLISHED:
            if changed:
                current = self._edit_with_revision(conn, current, changed, now, actor, mark=False)
            return self._publish_now(conn, blog, current, values, actor, now)
        columns = {k: v for k, v in columns.items() if getattr(current, k) != v}
        if not changed and not columns:
            return Done(current)
        if changed:
            current = self._edit_with_revision(
                conn, current, changed, now, actor, mark=False, columns=columns
            )
        else:
            update = {**columns, "version": current.version + 1, "updated_at": now}
            current = bylines.update(conn, current, update)
        if "status" in columns or "publish_at" in columns or "review_note" in columns:
            record_unpublished(conn, blog, current, actor, now)
        return Done(current)

    def _publish_now(
        self,
        conn: Connection,
        blog: Blog,
        current: Entry,
        values: dict[str, Any],
        actor: User | None,
        now: datetime,
    ) -> Done[Entry]:
        """Publish ``current``: its public ``entry.created`` event now, its time the one the
        editor gave, else the scheduled one once it has come (the scheduler publishes a moment
        after it), else now (an entry published ahead of its schedule: never in the future)."""
        scheduled = current.publish_at if current.publish_at and current.publish_at <= now else None
        row = {
            "status": EntryStatus.PUBLISHED.value,
            "publish_at": None,
            "review_note": None,
            "published_at": values.get("published_at") or scheduled or now,
            "updated_at": now,
            "version": current.version + 1,
        }
        written = []
        if current.pinned:
            written = self._unpin_others(conn, blog.id, current.id, now, actor)
        entry = bylines.update(conn, current, row)
        written.append(self._entry_event(conn, blog.id, EventType.ENTRY_CREATED, entry, now, actor))
        return self._done(entry, blog, written, self._prepare(conn, blog, written, now))

    @staticmethod
    def _edit_with_revision(
        conn: Connection,
        current: Entry,
        changed: dict[str, Any],
        now: datetime,
        actor: User,
        *,
        minor: bool = False,
        mark: bool = True,
        columns: dict[str, Any] | None = None,
    ) -> Entry:
        """Write ``changed`` (and ``columns``, which are no content); unless only the pin or
        the byline changed, keep the result as a revision. ``mark``: readers are told
        (``edited_at``) unless the edit is ``minor``."""
        values = {**(columns or {}), **changed, "version": current.version + 1, "updated_at": now}
        if "correction" in changed:
            values["corrected_at"] = None if changed["correction"] is None else now
        if not set(changed) - {"pinned", bylines.FIELD}:
            return bylines.update(conn, current, values)
        if current.revision == 1:  # its first edit: keep it as posted, too
            first = current.published_at
            revisions.record(conn, current, editor_id=current.author_id, at=first, minor=False)
        values["revision"] = current.revision + 1
        if mark and not minor and VISIBLE_EDITS & set(changed):
            values["edited_at"] = now
        entry = bylines.update(conn, current, values)
        revisions.record(conn, entry, editor_id=actor.id, at=now, minor=minor)
        return entry

    def _unpin_others(
        self, conn: Connection, blog_id: int, keep: int | None, now: datetime, actor: User | None
    ) -> list[Event]:
        """A blog has at most one pinned entry: pinning one unpins the others."""
        written = []
        for other_id in entry_rows.pinned_ids(conn, blog_id):
            if other_id == keep:
                continue
            other = bylines.loaded(conn, must(entry_rows.get(conn, blog_id, other_id)))
            unpinned = bylines.update(
                conn, other, {"pinned": False, "version": other.version + 1, "updated_at": now}
            )
            written.append(
                self._entry_event(conn, blog_id, EventType.ENTRY_UNPINNED, unpinned, now, actor)
            )
        return written

    @staticmethod
    def _entry_event(
        conn: Connection,
        blog_id: int,
        type_: EventType,
        entry: Entry,
        now: datetime,
        actor: User | None,
        *,
        seq: int | None = None,
    ) -> Event:
        """Store the entry's event (numbered here unless the caller took ``seq``)."""
        payload = {"entry": entry_payload(entry)}
        event = append_event(conn, blog_id, type_, payload, now, actor, seq=seq)
        event_log.supersede(conn, event)  # earlier events no longer carry old or deleted text
        return event


def _entry_text(errors: rules.Collector, **given: Any) -> dict[str, Any]:
    """Check the text fields of an entry that are present in ``given``."""
    limits = {
        "correction": (rules.MAX_CORRECTION, False, False),
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
