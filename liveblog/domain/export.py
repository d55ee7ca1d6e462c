"""Export documents: one blog as one JSON document, to move it to another site or keep it.

A document holds the blog's settings, its users by e-mail (the members with their roles, and
every other user an entry names as poster, author or editor), every entry that is not deleted
in every status (published, drafts, submitted, scheduled with ``publish_at``, review notes),
each with its byline, corrections and revisions, and the tombstones of deleted published
entries (id, version and time only, as the event log keeps them). What it leaves out, and why,
is ``docs/export.md``: the event log (an import writes a compact one), the audit log, sessions,
tokens, passwords and deleted drafts. The shape is :data:`liveblog.domain.export_schema.SCHEMA`.

:func:`encode` writes a document deterministically: keys in a fixed order, lists sorted (users
by e-mail, entries and tombstones by id, revisions by number), times in UTC as
:func:`~liveblog.domain.serialize.rfc3339` writes them, UTF-8, two-space indents. Exporting what
an import of a document wrote gives the same bytes again, given the same ``exported_at`` (the
one field that depends on the moment). Reading one back is :mod:`.export_decode`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liveblog.domain.export_schema import FORMAT, VERSION
from liveblog.domain.models import BlogRole, BlogStatus, EntryStatus
from liveblog.domain.serialize import rfc3339

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""The largest document an import reads (64 MiB: some ten thousand long entries with their
histories); larger files are refused before they are read."""


@dataclass(frozen=True)
class ExportedBlog:
    slug: str
    title: str
    summary: str
    language: str
    timezone: str
    status: BlogStatus
    show_authors: bool
    embed_origins: tuple[str, ...]
    closing_note: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ExportedUser:
    """A user by e-mail; ``role`` and ``member_since`` are ``None`` for one who is no member
    of the blog (an admin who posted, a former member named in a byline or history)."""

    email: str
    display_name: str
    language: str
    role: BlogRole | None
    member_since: datetime | None


@dataclass(frozen=True)
class ExportedRevision:
    number: int
    created_at: datetime
    editor: str | None
    """The editor's e-mail; ``None`` once their account is gone."""
    headline: str | None
    body: str
    source: str | None
    key_event: bool
    pinned: bool
    published_at: datetime
    correction: str | None
    minor: bool
    unverified: bool = False
    """Marked "not independently verified" in this version (documents that predate the flag
    lack it: false)."""


@dataclass(frozen=True)
class ExportedEntry:
    id: int
    status: EntryStatus
    headline: str | None
    body: str
    """Markdown; the HTML is never exported: an import renders it again."""
    source: str | None
    key_event: bool
    pinned: bool
    published_at: datetime
    updated_at: datetime
    version: int
    revision: int
    edited_at: datetime | None
    correction: str | None
    corrected_at: datetime | None
    publish_at: datetime | None
    review_note: str | None
    poster: str | None
    """The e-mail of the user who posted it; ``None`` once their account is gone."""
    authors: tuple[str, ...]
    """The byline's e-mails in order; empty: the poster alone."""
    revisions: tuple[ExportedRevision, ...]
    unverified: bool = False
    """Readers see "not independently verified" (documents that predate the flag lack it:
    false)."""


@dataclass(frozen=True)
class Tombstone:
    """A deleted published entry: it answers 410 at its address and stays in feeds as a
    deletion. Its text and history are not exported."""

    id: int
    version: int
    deleted_at: datetime


@dataclass(frozen=True)
class Document:
    blog: ExportedBlog
    users: tuple[ExportedUser, ...]
    entries: tuple[ExportedEntry, ...]
    tombstones: tuple[Tombstone, ...]
    exported_at: datetime

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(u.email for u in self.users)


def _time(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def _blog_json(blog: ExportedBlog) -> dict[str, Any]:
    return {
        "slug": blog.slug,
        "title": blog.title,
        "summary": blog.summary,
        "language": blog.language,
        "timezone": blog.timezone,
        "status": blog.status.value,
        "show_authors": blog.show_authors,
        "embed_origins": list(blog.embed_origins),
        "closing_note": blog.closing_note,
        "closed_at": _time(blog.closed_at),
        "created_at": rfc3339(blog.created_at),
        "updated_at": rfc3339(blog.updated_at),
    }


def _user_json(user: ExportedUser) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "role": None if user.role is None else user.role.value,
        "member_since": _time(user.member_since),
    }


def _revision_json(revision: ExportedRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "created_at": rfc3339(revision.created_at),
        "editor": revision.editor,
        "headline": revision.headline,
        "body": revision.body,
        "source": revision.source,
        "key_event": revision.key_event,
        "pinned": revision.pinned,
        "unverified": revision.unverified,
        "published_at": rfc3339(revision.published_at),
        "correction": revision.correction,
        "minor": revision.minor,
    }


def _entry_json(entry: ExportedEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "status": entry.status.value,
        "headline": entry.headline,
        "body": entry.body,
        "source": entry.source,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "unverified": entry.unverified,
        "published_at": rfc3339(entry.published_at),
        "updated_at": rfc3339(entry.updated_at),
        "version": entry.version,
        "revision": entry.revision,
        "edited_at": _time(entry.edited_at),
        "correction": entry.correction,
        "corrected_at": _time(entry.corrected_at),
        "publish_at": _time(entry.publish_at),
        "review_note": entry.review_note,
        "poster": entry.poster,
        "authors": list(entry.authors),
        "revisions": [_revision_json(r) for r in sorted(entry.revisions, key=lambda r: r.number)],
    }


def to_json(document: Document) -> dict[str, Any]:
    """The document as JSON values, keys in the documented order, lists sorted."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": rfc3339(document.exported_at),
        "blog": _blog_json(document.blog),
        "users": [_user_json(u) for u in sorted(document.users, key=lambda u: u.email)],
        "entries": [_entry_json(e) for e in sorted(document.entries, key=lambda e: e.id)],
        "tombstones": [
            {"id": t.id, "version": t.version, "deleted_at": rfc3339(t.deleted_at)}
            for t in sorted(document.tombstones, key=lambda t: t.id)
        ],
    }


def encode(document: Document) -> bytes:
    """The document's bytes: the same document gives the same bytes (see the module)."""
    text = json.dumps(to_json(document), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def file_name(slug: str) -> str:
    """The name an export is offered under (the API's ``Content-Disposition``)."""
    return f"{slug}.liveblog.json"
