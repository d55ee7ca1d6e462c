"""ASGI middleware guarding writes before any handler runs.

API writes (:class:`RequestLimits`): the request body must be JSON (415 otherwise), no larger
than ``max_request_bytes`` (413 otherwise) and UTF-8, as RFC 8259 requires of JSON between
systems (400 ``malformed-json`` otherwise, like any other bad JSON: Python's decoder would let
encoded surrogates through, and guess at UTF-16 and UTF-32). Desk forms (:class:`FormLimits`):
no larger than ``max_request_bytes`` either (an HTML 413)."""

from __future__ import annotations

import email.message

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveblog.web.problems import problem

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_bytes: int, prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WRITE_METHODS
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not is_json(headers.get("content-type", "")):
            response = problem(
                415,
                "send the request body as JSON with Content-Type: application/json",
                type_="unsupported-media-type",
            )
            await response(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        # Read the body now (bounded) so a chunked request cannot slip past the limit.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            response = problem(
                400,
                f"the request body is not valid JSON: it must be UTF-8 (byte {exc.start} is not)",
                type_="malformed-json",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            f"the request body is larger than the limit of {self.max_bytes} bytes",
            type_="payload-too-large",
            max_bytes=self.max_bytes,
        )
        await response(scope, receive, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app ``body`` (already read) first, then what ``receive``
    gives (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _TooLarge(Exception):
    pass


class FormLimits:
    """Desk form posts (``/admin/...``) larger than ``max_bytes`` get an HTML 413 before any
    handler parses them, whether they declare their length or arrive chunked (the API has
    :class:`RequestLimits`)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, prefix: str = "/admin/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        size = 0

        async def bounded() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, bounded, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>413</title>'
            f"</head><body><main><h1>413</h1><p>The form is larger than the limit of "
            f"{self.max_bytes} bytes.</p></main></body></html>"
        )
        await HTMLResponse(page, status_code=413)(scope, receive, send)
