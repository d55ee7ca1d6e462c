"""Errors the domain and the write path raise. They know nothing of HTTP: the web layer maps
each class to a status and a problem type (:mod:`liveblog.web.problems`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its name and a sentence a user can act on."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every expected failure: ``detail`` is a sentence a user can act on."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """Some fields are invalid: one :class:`FieldError` each."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class UnsupportedType(InvalidInput):
    """A field holds a kind of content that is not taken at all (an upload that is no image
    of a supported format)."""


class TooLarge(InvalidInput):
    """A field is larger than its limit (an upload over the size limit)."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Gone(DomainError):
    """The thing asked for existed and was deleted."""


class Conflict(DomainError):
    """The change clashes with the current state (a taken name, a closed blog)."""


class Forbidden(DomainError):
    """The user's role does not allow the change."""


class PreconditionFailed(DomainError):
    """The change was made against an older version than ``current_version``."""

    def __init__(self, detail: str, current_version: int) -> None:
        super().__init__(detail)
        self.current_version = current_version


class PreconditionRequired(DomainError):
    """The change must name the version it was made against, and does not."""
