"""The things a liveblog is made of. Immutable values; the storage layer builds them from rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class BlogStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"


class EventType(StrEnum):
    BLOG_CREATED = "blog.created"
    BLOG_UPDATED = "blog.updated"
    BLOG_CLOSED = "blog.closed"
    ENTRY_CREATED = "entry.created"
    ENTRY_UPDATED = "entry.updated"
    ENTRY_DELETED = "entry.deleted"
    ENTRY_PINNED = "entry.pinned"
    ENTRY_UNPINNED = "entry.unpinned"


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

    @property
    def is_open(self) -> bool:
        return self.status is BlogStatus.OPEN


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

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
