"""The things a liveblog is made of. Immutable values; the storage layer builds them from rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class BlogStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Role(StrEnum):
    """A user's global role: admins may do everything; a user's rights come from memberships."""

    ADMIN = "admin"
    USER = "user"


class BlogRole(StrEnum):
    """A member's role in one blog (see :mod:`liveblog.domain.policy`)."""

    OWNER = "owner"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"


class EventType(StrEnum):
    BLOG_CREATED = "blog.created"
    BLOG_UPDATED = "blog.updated"
    BLOG_CLOSED = "blog.closed"
    ENTRY_CREATED = "entry.created"
    ENTRY_UPDATED = "entry.updated"
    ENTRY_DELETED = "entry.deleted"
    ENTRY_PINNED = "entry.pinned"
    ENTRY_UNPINNED = "entry.unpinned"


class EntryStatus(StrEnum):
    """Where an entry stands: only published entries exist for readers."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    """A draft handed to the blog's editors for review (a contributor's way to publish)."""
    SCHEDULED = "scheduled"
    """To be published by the server at ``publish_at``."""
    PUBLISHED = "published"


@dataclass(frozen=True)
class Blog:
    id: int
    slug: str
    title: str
    summary: str
    language: str
    timezone: str
    status: BlogStatus
    created_at: datetime
    updated_at: datetime
    last_seq: int
    """Sequence number of the blog's newest event: the blog's version."""
    show_authors: bool = False
    """Readers see each entry's authors (its byline) by display name."""
    embed_origins: tuple[str, ...] = ()
    """The origins (``https://partner.example``) whose pages may frame the blog's embed
    (:mod:`liveblog.domain.embedding`); empty: no page may."""
    closing_note: str | None = None
    """Shown at the top of the blog's pages while it is closed; kept when it is reopened."""
    closed_at: datetime | None = None
    """When the blog was closed (UTC); ``None`` while it is open."""

    @property
    def is_open(self) -> bool:
        return self.status is BlogStatus.OPEN


@dataclass(frozen=True)
class Author:
    """One author of an entry's byline (:mod:`liveblog.domain.bylines`)."""

    id: int
    name: str
    """The user's display name; empty when they set none (never taken from the e-mail)."""


@dataclass(frozen=True)
class Entry:
    id: int
    blog_id: int
    headline: str | None
    body: str
    body_html: str
    key_event: bool
    pinned: bool
    source: str | None
    published_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None
    author_id: int | None
    edited_at: datetime | None = None
    """When a visible edit (not marked minor) last changed the entry after it was posted."""
    correction: str | None = None
    """The newest correction note readers see under the entry."""
    corrected_at: datetime | None = None
    """When ``correction`` was written."""
    revision: int = 1
    """How many versions of the entry's content its history holds (1 until edited)."""
    status: EntryStatus = EntryStatus.PUBLISHED
    publish_at: datetime | None = None
    """When a scheduled entry is to be published (UTC); ``None`` for every other status."""
    review_note: str | None = None
    """An editor's note to the author of a draft sent back from review."""
    unverified: bool = False
    """Readers see "not independently verified" at the top of the entry."""
    authors: tuple[Author, ...] = field(default=(), compare=False)
    """The byline in order (the poster alone unless others were named); filled by the reads
    that show entries (``storage.bylines``), empty in rows read without them. Not part of
    equality: two reads of the same row are equal whether or not they read the byline."""

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def published(self) -> bool:
        return self.status is EntryStatus.PUBLISHED


@dataclass(frozen=True)
class Revision:
    """One version of an entry's content, as an edit left it (number 1: as posted)."""

    entry_id: int
    number: int
    created_at: datetime
    editor_id: int | None
    editor_name: str | None
    """The editor's display name (their e-mail's local part if they set none)."""
    headline: str | None
    body: str
    source: str | None
    key_event: bool
    pinned: bool
    published_at: datetime
    correction: str | None
    minor: bool
    """Marked by its editor as a small fix readers are not told about."""
    unverified: bool = False
    """The entry was marked "not independently verified" in this version."""


@dataclass(frozen=True)
class Event:
    """One change to a blog, numbered gap-free per blog in the order the changes committed."""

    blog_id: int
    seq: int
    type: EventType
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    created_at: datetime
    display_name: str = ""
    """Shown as the author's name; the part of the e-mail before ``@`` when empty."""
    language: str = "de"
    """The desk's language for this user (de or en)."""
    disabled_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN and self.disabled_at is None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]


@dataclass(frozen=True)
class Membership:
    """A user's role in one blog."""

    blog_id: int
    user_id: int
    role: BlogRole
    created_at: datetime


@dataclass(frozen=True)
class Member:
    """A membership with the user it belongs to, as the members page lists it."""

    user: User
    role: BlogRole
    since: datetime


@dataclass(frozen=True)
class AuditRecord:
    """One line of a blog's audit log: who did what, when."""

    id: int
    blog_id: int
    action: str
    """An event type (``entry.created``...) or a members' action (``member.added``...)."""
    actor_id: int | None
    actor_name: str | None
    entry_id: int | None
    detail: dict[str, Any]
    created_at: datetime
