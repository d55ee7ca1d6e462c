"""Exception handlers: API errors become RFC 9457 problems, page errors a short HTML page.
Nothing reaches the client as a traceback."""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from liveblog.domain.errors import DomainError, FieldError
from liveblog.web.problems import domain_problem, from_domain, problem

log = logging.getLogger("liveblog.web")

_FRIENDLY = {
    "extra_forbidden": "is not a known field",
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "timezone_aware": "must include a UTC offset, e.g. 2023-10-12T05:15:00+02:00",
}


def _wants_problem(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _html_error(status: int, detail: str) -> HTMLResponse:
    text = html.escape(detail)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{status}</title></head><body><main><h1>{status}</h1><p>{text}</p>"
        '<p><a href="/">Home</a></p></main></body></html>'
    )
    return HTMLResponse(page, status_code=status)


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
        field = ".".join(where) or "(request body)"
        message = _FRIENDLY.get(str(error.get("type")), str(error.get("msg", "is invalid")))
        errors.append(FieldError(field, message))
    return errors


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = domain_problem(exc).status
    if _wants_problem(request):
        response: Response = from_domain(exc)
    else:
        response = _html_error(status, exc.detail)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="liveblog"'
    return response


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(400, "the request body is not valid JSON", type_="malformed-json")
    errors = field_errors(exc)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    if not _wants_problem(request):
        return _html_error(400, detail)
    return problem(422, detail, type_="invalid-input", title="Invalid input", errors=errors)


def slash_redirect(request: Request) -> Response | None:
    """``/live/x/`` -> ``/live/x`` (query kept) when a route has the path without the slash.

    Starlette does this itself, but builds an absolute ``Location`` from the ``Host`` header,
    which anyone can set: this one is relative. A path that would begin with ``//`` (or
    ``/\\``) is refused, as browsers read it as another host."""
    path: str = request.scope["path"]
    target = path.rstrip("/")
    if target == path or not target or target.startswith(("//", "/\\")):
        return None
    scope = {**request.scope, "path": target}
    if not any(route.matches(scope)[0] is not Match.NONE for route in request.app.router.routes):
        return None
    location = quote(target, safe="/!$&'()*+,;=:@~")
    query = request.scope.get("query_string", b"").decode("latin-1")
    if query:
        location += "?" + quote(query, safe="/?!$&'()*+,;=:@~%")
    return RedirectResponse(location, status_code=307)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = str(exc.detail)
    headers: dict[str, Any] = dict(exc.headers or {})
    if exc.status_code == 404 and (redirect := slash_redirect(request)) is not None:
        return redirect
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    if not _wants_problem(request):
        response: Response = _html_error(exc.status_code, detail)
        response.headers.update(headers)
        return response
    return problem(exc.status_code, detail, headers=headers)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = "the server failed to handle this request; it has been logged"
    if not _wants_problem(request):
        return _html_error(500, message)
    return problem(500, message)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected_error)
