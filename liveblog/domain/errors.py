"""Errors the domain and the write path raise; the web layer maps each to a problem response."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its name and a sentence a user can act on."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every expected failure; ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Gone(DomainError):
    status = 410
    title = "Gone"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition Failed"

    def __init__(self, detail: str, current_version: int) -> None:
        super().__init__(detail)
        self.current_version = current_version


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition Required"
