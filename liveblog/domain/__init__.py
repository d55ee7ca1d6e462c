"""Pure domain: dataclasses and rules, no I/O."""

from liveblog.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from liveblog.domain.models import Blog, BlogStatus, Entry, Event, EventType, Role, User

__all__ = [
    "Blog",
    "BlogStatus",
    "Conflict",
    "DomainError",
    "Entry",
    "Event",
    "EventType",
    "FieldError",
    "Forbidden",
    "Gone",
    "InvalidInput",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "Role",
    "User",
]
