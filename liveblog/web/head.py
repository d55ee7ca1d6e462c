"""``HEAD`` answered like ``GET`` on every route, without the body (RFC 9110, 9.3.2).

Starlette routes accept ``HEAD`` wherever they accept ``GET``, FastAPI's ``@router.get`` routes
do not (405), so the answer depended on how a route was declared. :class:`HeadAsGet` hands
the application a ``GET`` and sends its status and headers (``Content-Length`` included) with
an empty body. The reader fast path answers ``HEAD`` of cached pages itself, with the same
headers; servers send no body after a ``HEAD`` either way.

Event streams are left alone (``HEAD`` stays 405 there): a stream has no end at which its
headers could be cut off from the body.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Pure ASGI: ``HEAD`` requests reach ``app`` as ``GET``; the body never leaves."""

    def __init__(self, app: ASGIApp, *, except_paths: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.except_paths = except_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "HEAD"
            or (self.except_paths is not None and self.except_paths.match(scope["path"]))
        ):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                await send(message)
            elif kind in ("http.response.body", "http.response.pathsend"):
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        # A copy: the server keeps its own scope, which still says HEAD.
        await self.app({**scope, "method": "GET"}, receive, headers_only)
