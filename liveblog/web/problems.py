"""RFC 9457 problem details: every API error is ``application/problem+json`` with a title, a
detail a person can act on and, for invalid input, one entry per bad field. Domain errors carry
no HTTP: :data:`DOMAIN_PROBLEMS` says which status each maps to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

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
    TooLarge,
    UnsupportedType,
)
from liveblog.web.auth import Unauthorized

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:liveblog:problem:"


class ProblemResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def problem(
    status: int,
    detail: str,
    *,
    type_: str | None = None,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_ if type_ else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [
            {"field": e.field, "pointer": "#/" + e.field.replace(".", "/"), "detail": e.message}
            for e in errors
        ]
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


@dataclass(frozen=True)
class DomainProblem:
    """How the API answers one kind of domain error: its status, problem type and title."""

    status: int
    type_: str | None  # appended to TYPE_BASE; None for about:blank
    title: str


DOMAIN_PROBLEMS: dict[type[DomainError], DomainProblem] = {
    DomainError: DomainProblem(400, "bad-request", "Bad Request"),
    Unauthorized: DomainProblem(401, None, "Unauthorized"),
    Forbidden: DomainProblem(403, "forbidden", "Forbidden"),
    NotFound: DomainProblem(404, "not-found", "Not Found"),
    Conflict: DomainProblem(409, "conflict", "Conflict"),
    Gone: DomainProblem(410, "gone", "Gone"),
    PreconditionFailed: DomainProblem(412, "stale-version", "Precondition Failed"),
    InvalidInput: DomainProblem(422, "invalid-input", "Invalid input"),
    TooLarge: DomainProblem(413, "payload-too-large", "Request Entity Too Large"),
    UnsupportedType: DomainProblem(415, "unsupported-media-type", "Unsupported Media Type"),
    PreconditionRequired: DomainProblem(428, "version-required", "Precondition Required"),
}
"""Each domain error class and what it maps to; a subclass not listed maps as its nearest
listed base class does."""


def domain_problem(error: DomainError) -> DomainProblem:
    """What ``error`` maps to (see :data:`DOMAIN_PROBLEMS`)."""
    for cls in type(error).__mro__:
        found = DOMAIN_PROBLEMS.get(cls)
        if found is not None:
            return found
    return DOMAIN_PROBLEMS[DomainError]  # not reached: every error is a DomainError


def from_domain(error: DomainError) -> ProblemResponse:
    mapped = domain_problem(error)
    extra: dict[str, Any] = {}
    if isinstance(error, PreconditionFailed):
        extra["current_version"] = error.current_version
    return problem(
        mapped.status,
        error.detail,
        type_=mapped.type_,
        title=mapped.title,
        errors=error.errors if isinstance(error, InvalidInput) else None,
        **extra,
    )
