"""``POST /api/v1/blogs/{slug}/entries`` without FastAPI's per-request machinery, for the common
case: a JSON object that :class:`~liveblog.web.api.schemas.EntryCreate` accepts, sent with an
API token (``Authorization: Bearer``).

It is a route placed in front of the FastAPI route (:func:`install`), which stays registered
for the OpenAPI document and answers everything else: a body that is not JSON or that the model
refuses, a request without a bearer token (desk sessions, with their CSRF checks). Those go to
the FastAPI route as they came (the body replayed), so its validation problems, their order
(JSON syntax, then authentication, then fields) and its OpenAPI document stay the only ones.
What this route skips, measured with py-spy on the publish benchmark: dependency solving, the
handler's endpoint and telemetry bookkeeping and the parameter validation of the generic
route. The checks themselves are the same calls: the token through
:func:`liveblog.web.auth.token_user`, the fields through the same pydantic model, the write
through :meth:`Actions.create_entry_async` (checks on the loop, the transaction on the
writer's lane, no worker thread), and domain errors propagate to the same
exception handlers (every middleware still runs: this is a route, not a layer in front).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import ValidationError
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from liveblog.domain.serialize import entry_payload
from liveblog.web.api.entries import etag
from liveblog.web.api.schemas import EntryCreate
from liveblog.web.auth import token_user
from liveblog.web.limits import replaying
from liveblog.web.services import services_of

PATH = "/api/v1/blogs/{slug}/entries"
_DECLINED = "liveblog.fast_post.declined"


class FastCreateEntry(BaseRoute):
    """Answers the posts it can (see the module); declines the rest, which the app's router
    then routes as if this route were not there."""

    def __init__(self, router: ASGIApp) -> None:
        self.router = router
        self.path = PATH
        self.path_regex, _, self.param_convertors = compile_path(PATH)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get(_DECLINED):
            return Match.NONE, {}
        found = self.path_regex.match(get_route_path(scope))
        if found is None:
            return Match.NONE, {}
        params = {k: self.param_convertors[k].convert(v) for k, v in found.groupdict().items()}
        return Match.FULL, {"path_params": {**scope.get("path_params", {}), **params}}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _bearer_token(scope)
        if token is None:
            await self._decline(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client left
        payload = _payload(body)
        if payload is None:
            await self._decline(scope, replaying(body, receive), send)
            return
        services = services_of(HTTPConnection(scope))
        user = await token_user(services, token)
        slug = scope["path_params"]["slug"]
        entry = await services.actions.create_entry_async(
            user,
            slug,
            **payload.model_dump(),
            idempotency_key=_header(scope, b"idempotency-key"),
        )
        headers = {
            "ETag": etag(entry),
            "Cache-Control": "no-cache",
            "Location": f"/api/v1/blogs/{slug}/entries/{entry.id}",
        }
        response = JSONResponse(entry_payload(entry), status_code=201, headers=headers)
        await response(scope, receive, send)

    async def _decline(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route the request again, past this route: to the FastAPI route."""
        await self.router({**scope, _DECLINED: True}, receive, send)


def install(app: Starlette) -> None:
    """Put :class:`FastCreateEntry` in front of the app's routes (the FastAPI route of the
    same path and method stays, for the OpenAPI document and for what this one declines)."""
    app.router.routes.insert(0, FastCreateEntry(app.router))


def _header(scope: Scope, name: bytes) -> str | None:
    """The first header of this (lower-case) name, as ``request.headers.get`` gives it."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _bearer_token(scope: Scope) -> str | None:
    """The credentials of ``Authorization: Bearer``, parsed as FastAPI's ``HTTPBearer`` does;
    ``None`` for anything else."""
    scheme, credentials = get_authorization_scheme_param(_header(scope, b"authorization"))
    if not scheme or not credentials or scheme.lower() != "bearer":
        return None
    return credentials


def _payload(body: bytes) -> EntryCreate | None:
    """The post, if the body is a JSON object the model accepts; else ``None`` (the FastAPI
    route then answers with its own problem)."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return EntryCreate.model_validate(data)
    except ValidationError:
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
