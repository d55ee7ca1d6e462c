"""Importing a blog from an export document (``liveblog import``), all in one transaction.

The document is checked whole before the transaction (:func:`liveblog.domain.export_decode.decode`)
and every body is rendered again from its Markdown (HTML is never taken from a file; photos are
not in the document, so a photo an entry shows, ``![alt](media:ID)``, shows its alt text until
the entry is edited where the photo exists). Then:

* Users are matched by e-mail; those the site does not know get accounts that are disabled and
  have no usable password (``storage.imports.UNUSABLE_HASH``). An import never makes an
  admin and never changes an existing account.
* A blog with the slug that exists already is refused (:class:`SlugTaken`) unless ``replace``:
  then its row stays (its id and its event counter, so every process's caches and live readers
  go on with it) and everything in it is replaced: entries, revisions, bylines, events, members.
* Entries keep their ids, so permalinks and feed ids stay what they were. Ids that entries of
  other blogs have are refused (:class:`IdsTaken`) unless ``new_ids``: then the entries get new
  ids, in the document's order.
* The event log is written anew, compact: ``blog.created`` (or, replacing, ``entry.deleted`` for
  every entry readers may have seen and ``blog.updated``/``blog.closed``), then by id one
  ``entry.created`` per published entry and one ``entry.deleted`` per tombstone. Readers replaying
  it end where a fresh page starts; readers of a replaced blog get its old entries deleted and the
  new ones as new, and those too far behind get a ``reset``. Its numbers continue the blog's
  (a replaced blog's version only grows, so no cache serves its old pages as new).
* The audit log gets one record, ``blog.imported`` or ``blog.replaced``, by the operator.

Listeners hear of the events after the commit, as of any write (the page cache, live readers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveblog.actions.base import ActionsBase, must
from liveblog.domain.errors import Conflict
from liveblog.domain.export import Document, ExportedEntry, Tombstone
from liveblog.domain.export_decode import decode
from liveblog.domain.models import Blog, BlogStatus, Entry, EntryStatus, Event, EventType
from liveblog.domain.serialize import blog_payload, entry_payload, rfc3339
from liveblog.render import markdown_to_html
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import bylines as byline_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage import imports as import_rows
from liveblog.storage import members as member_rows
from liveblog.storage import users as user_rows
from liveblog.storage.writer import Done


class SlugTaken(Conflict):
    """A blog with the document's slug exists, and the import was not asked to replace it."""


class IdsTaken(Conflict):
    """Entries of other blogs have ids the document's entries have."""


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    blog: Blog
    entries: int
    tombstones: int
    created_users: tuple[str, ...]
    """The e-mails of the disabled accounts it made."""
    replaced: bool
    renumbered: bool


class ImportActions(ActionsBase):
    def import_blog(self, data: bytes, *, replace: bool = False, new_ids: bool = False) -> Imported:
        """Import the export document ``data`` (see the module): :class:`InvalidInput` naming
        each problem of the document by its JSON pointer, :class:`SlugTaken`,
        :class:`IdsTaken`, or the blog as imported. Nothing is written unless all of it is."""
        now = self.clock()
        document = decode(data, now=now)
        # The document carries no photos: a photo an entry shows is its alt text here.
        language = document.blog.language
        html = {e.id: markdown_to_html(e.body, language=language) for e in document.entries}
        slug = document.blog.slug

        def write(conn: Connection) -> Done[Imported]:
            existing = blog_rows.by_slug(conn, slug, lock=True)
            if existing is not None and not replace:
                raise SlugTaken(f"a blog with the slug {slug!r} exists already")
            if not new_ids:
                import_rows.lock_entries(conn)
            user_ids, created = _users(conn, document, now)
            seen: list[Entry] = []
            if existing is not None:
                seen = import_rows.seen_by_readers(conn, existing.id)
                import_rows.clear_blog(conn, existing.id)
            blog_id = _blog_row(conn, document, existing, now)
            for user in document.users:
                if user.role is not None and user.member_since is not None:
                    member_rows.put(
                        conn, blog_id, user_ids[user.email], user.role, user.member_since
                    )
            _entries(conn, document, blog_id, user_ids, html, keep=not new_ids)
            blog = must(blog_rows.by_id(conn, blog_id))
            written = _compact_log(conn, blog, existing, seen, now)
            last_seq = (existing.last_seq if existing else 0) + len(written)
            updated_at = now if existing is not None else document.blog.updated_at
            blog_rows.update_blog(conn, blog_id, {"last_seq": last_seq, "updated_at": updated_at})
            import_rows.sync_entry_ids(conn)
            detail = {
                "entries": len(document.entries),
                "tombstones": len(document.tombstones),
                "created_users": len(created),
                "exported_at": rfc3339(document.exported_at),
            }
            action = "blog.replaced" if existing is not None else "blog.imported"
            audit.record(conn, blog_id, action, None, now, detail=detail)
            blog = must(blog_rows.by_id(conn, blog_id))
            result = Imported(
                blog=blog,
                entries=len(document.entries),
                tombstones=len(document.tombstones),
                created_users=tuple(created),
                replaced=existing is not None,
                renumbered=new_ids,
            )
            return self._done(result, blog, written)

        try:
            return self._write(write, blog=slug)
        except IntegrityError as exc:  # a blog or an account made meanwhile by someone else
            raise Conflict(
                f"the import of {slug!r} clashed with a change made at the same time; "
                "nothing was imported, try again"
            ) from exc


def _users(conn: Connection, document: Document, now: datetime) -> tuple[dict[str, int], list[str]]:
    """The document's users' ids here, by e-mail, and the e-mails of the accounts made."""
    ids: dict[str, int] = {}
    created: list[str] = []
    for user in sorted(document.users, key=lambda u: u.email):
        found = user_rows.by_email(conn, user.email)
        if found is not None:
            ids[user.email] = found.id
            continue
        ids[user.email] = import_rows.insert_disabled_user(
            conn, user.email, user.display_name, user.language, now
        )
        created.append(user.email)
    return ids, created


def _blog_row(conn: Connection, document: Document, existing: Blog | None, now: datetime) -> int:
    """The blog's row with the document's settings: a new one, or the replaced one's."""
    blog = document.blog
    values: dict[str, Any] = {
        "title": blog.title,
        "summary": blog.summary,
        "language": blog.language,
        "timezone": blog.timezone,
        "status": blog.status.value,
        "show_authors": blog.show_authors,
        "embed_origins": list(blog.embed_origins),
        "closing_note": blog.closing_note,
        "closed_at": blog.closed_at,
        "created_at": blog.created_at,
        "updated_at": now if existing is not None else blog.updated_at,
    }
    if existing is not None:
        blog_rows.update_blog(conn, existing.id, values)
        return existing.id
    return blog_rows.insert_blog(conn, {"slug": blog.slug, **values})


def _entries(
    conn: Connection,
    document: Document,
    blog_id: int,
    user_ids: dict[str, int],
    html: dict[int, str],
    *,
    keep: bool,
) -> dict[int, int]:
    """Write the entries, tombstones, revisions and bylines; the entries' ids here by their
    ids in the document. ``keep``: the same ids (refused where other blogs have them)."""
    rows = [_entry_row(e, blog_id, user_ids, html[e.id]) for e in document.entries]
    rows += [_tombstone_row(t, blog_id) for t in document.tombstones]
    rows.sort(key=lambda row: int(row["id"]))
    if keep:
        taken = import_rows.taken_ids(conn, [row["id"] for row in rows])
        if taken:
            shown = ", ".join(map(str, taken[:5])) + (" ..." if len(taken) > 5 else "")
            raise IdsTaken(
                f"{len(taken)} of the document's entry ids are taken by other blogs here ({shown})"
            )
        import_rows.insert_entries(conn, rows)
        ids = {int(row["id"]): int(row["id"]) for row in rows}
    else:
        ids = {}
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            ids[int(row["id"])] = entry_rows.insert_entry(conn, values).id
    revisions = [
        {
            "entry_id": ids[e.id],
            "number": r.number,
            "created_at": r.created_at,
            "editor_id": user_ids[r.editor] if r.editor is not None else None,
            "headline": r.headline,
            "body": r.body,
            "source": r.source,
            "key_event": r.key_event,
            "pinned": r.pinned,
            "published_at": r.published_at,
            "correction": r.correction,
            "minor": r.minor,
            "unverified": r.unverified,
        }
        for e in document.entries
        for r in e.revisions
    ]
    authors = [
        {"entry_id": ids[e.id], "user_id": user_ids[email], "position": position}
        for e in document.entries
        for position, email in enumerate(e.authors)
    ]
    import_rows.insert_rows(conn, revisions, authors)
    return ids


def _entry_row(
    entry: ExportedEntry, blog_id: int, user_ids: dict[str, int], body_html: str
) -> dict[str, Any]:
    return {
        "id": entry.id,
        "blog_id": blog_id,
        "headline": entry.headline,
        "body": entry.body,
        "body_html": body_html,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "source": entry.source,
        "published_at": entry.published_at,
        "updated_at": entry.updated_at,
        "version": entry.version,
        "deleted_at": None,
        "author_id": user_ids[entry.poster] if entry.poster is not None else None,
        "edited_at": entry.edited_at,
        "correction": entry.correction,
        "corrected_at": entry.corrected_at,
        "revision": entry.revision,
        "status": entry.status.value,
        "publish_at": entry.publish_at,
        "review_note": entry.review_note,
        "unverified": entry.unverified,
    }


def _tombstone_row(tombstone: Tombstone, blog_id: int) -> dict[str, Any]:
    """A deleted entry's row: its id, version and time (its text is not exported)."""
    when = tombstone.deleted_at
    return {
        "id": tombstone.id,
        "blog_id": blog_id,
        "headline": None,
        "body": "",
        "body_html": "",
        "key_event": False,
        "pinned": False,
        "source": None,
        "published_at": when,
        "updated_at": when,
        "version": tombstone.version,
        "deleted_at": when,
        "author_id": None,
        "edited_at": None,
        "correction": None,
        "corrected_at": None,
        "revision": 1,
        "status": EntryStatus.PUBLISHED.value,
        "publish_at": None,
        "review_note": None,
        "unverified": False,
    }


def _compact_log(
    conn: Connection,
    blog: Blog,
    existing: Blog | None,
    seen: list[Entry],
    now: datetime,
) -> list[Event]:
    """Write the blog's new event log (see the module) and return its events."""
    seq = existing.last_seq if existing is not None else 0
    written: list[Event] = []
    rows: list[dict[str, Any]] = []

    def add(type_: EventType, payload: dict[str, Any], entry_id: int | None) -> None:
        nonlocal seq
        seq += 1
        written.append(Event(blog.id, seq, type_, payload, now))
        rows.append(
            {
                "blog_id": blog.id,
                "seq": seq,
                "type": type_.value,
                "payload": payload,
                "created_at": now,
                "entry_id": entry_id,
                "actor_id": None,
            }
        )

    for old in seen:
        # About an entry that no longer exists: no entry_id, so no later write rewrites it.
        add(EventType.ENTRY_DELETED, {"entry": _gone(old, now)}, None)
    if existing is None:
        type_ = EventType.BLOG_CREATED
    elif blog.status is BlogStatus.CLOSED and existing.status is BlogStatus.OPEN:
        type_ = EventType.BLOG_CLOSED
    else:
        type_ = EventType.BLOG_UPDATED
    add(type_, {"blog": {**blog_payload(blog), "version": seq + 1}}, None)
    for entry in byline_rows.with_authors(conn, import_rows.entries_of(conn, blog.id)):
        if entry.deleted:
            add(EventType.ENTRY_DELETED, {"entry": entry_payload(entry)}, entry.id)
        elif entry.published:
            add(EventType.ENTRY_CREATED, {"entry": entry_payload(entry)}, entry.id)
    import_rows.insert_events(conn, rows)
    return written


def _gone(entry: Entry, now: datetime) -> dict[str, Any]:
    """The tombstone of an entry a replaced blog had (deleted now, unless it was before)."""
    if entry.deleted:
        return entry_payload(entry)
    return {"id": entry.id, "version": entry.version + 1, "deleted_at": rfc3339(now)}
