"""RFC 9457 problem details: every API error is ``application/problem+json`` with a title, a
detail a person can act on and, for invalid input, one entry per bad field."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from liveblog.domain.errors import DomainError, FieldError, InvalidInput, PreconditionFailed

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


_TYPES = {400: "bad-request", 403: "forbidden", 404: "not-found", 409: "conflict", 410: "gone",
          412: "stale-version", 422: "invalid-input", 428: "version-required"}  # fmt: skip


def from_domain(error: DomainError) -> ProblemResponse:
    extra: dict[str, Any] = {}
    if isinstance(error, PreconditionFailed):
        extra["current_version"] = error.current_version
    return problem(
        error.status,
        error.detail,
        type_=_TYPES.get(error.status),
        title=error.title,
        errors=error.errors if isinstance(error, InvalidInput) else None,
        **extra,
    )
