"""ASGI middleware guarding writes before any handler runs.

API writes (:class:`RequestLimits`): the request body must be JSON (415 otherwise), no larger
than ``max_request_bytes`` (413 otherwise) and UTF-8, as RFC 8259 requires of JSON between
systems (400 ``malformed-json`` otherwise, like any other bad JSON: Python's decoder would let
encoded surrogates through, and guess at UTF-16 and UTF-32). The one exception is a photo upload
(``POST /api/v1/blogs/{slug}/media``): ``multipart/form-data`` (415 otherwise), no larger than
``media_max_bytes`` plus :data:`MULTIPART_OVERHEAD` (413 otherwise), and at most
:data:`UPLOADS_AT_ONCE` of them per process are read and processed at a time (503 with
``Retry-After`` beyond: a body is held in memory until its photo is stored). Desk forms
(:class:`FormLimits`): no larger than ``max_request_bytes`` either (an HTML 413).

Either way the bytes are counted as they arrive, so neither a chunked body nor a
``Content-Length`` that lies lets more through."""

from __future__ import annotations

import email.message
import re

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveblog.domain.errors import FieldError
from liveblog.web.problems import problem

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
UPLOAD_PATH = re.compile(r"/api/v1/blogs/[^/]+/media")
"""The one API write whose body is a multipart form (a photo upload)."""
MULTIPART_OVERHEAD = 65_536
"""Bytes an upload may have beyond its file: the form's boundaries and part headers, the alt
text, credit and caption (a few thousand characters at most)."""
UPLOADS_AT_ONCE = 4
"""Photo uploads a process reads and works on at a time: what uploads can make it hold is at
most this many bodies of ``media_max_bytes``."""
UPLOAD_RETRY_SECONDS = 5


def is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def is_multipart(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    return message.get_content_type() == "multipart/form-data"


class RequestLimits:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_bytes: int = 0, prefix: str = "/api/"
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes + MULTIPART_OVERHEAD
        self.prefix = prefix
        self.uploads = 0
        """Uploads being read or worked on now (this process's event loop only)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WRITE_METHODS
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] == "POST" and UPLOAD_PATH.fullmatch(scope["path"]):
            await self._upload(scope, receive, send, headers)
            return
        if not is_json(headers.get("content-type", "")):
            response = problem(
                415,
                "send the request body as JSON with Content-Type: application/json",
                type_="unsupported-media-type",
            )
            await response(scope, receive, send)
            return
        body = await self._body(scope, receive, send, headers, self.max_bytes)
        if body is None:
            return
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

    async def _upload(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        if not is_multipart(headers.get("content-type", "")):
            response = problem(
                415,
                "send the photo as a form with Content-Type: multipart/form-data",
                type_="unsupported-media-type",
            )
            await response(scope, receive, send)
            return
        if self.uploads >= UPLOADS_AT_ONCE:
            response = problem(
                503,
                f"{UPLOADS_AT_ONCE} photos are being uploaded here at this moment: "
                "try again in a few seconds",
                type_="too-many-uploads",
                headers={"Retry-After": str(UPLOAD_RETRY_SECONDS)},
            )
            await response(scope, receive, send)
            return
        self.uploads += 1
        try:
            body = await self._body(scope, receive, send, headers, self.upload_bytes, field="file")
            if body is not None:
                await self.app(scope, replaying(body, receive), send)
        finally:
            self.uploads -= 1

    async def _body(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        limit: int,
        *,
        field: str | None = None,
    ) -> bytes | None:
        """The whole request body, read now and counted as it arrives (so neither a chunked
        request nor a wrong ``Content-Length`` slips past ``limit``); ``None`` once a 413 is
        sent or the client has gone."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit, field)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit, field)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, limit: int, field: str | None
    ) -> None:
        detail = f"the request body is larger than the limit of {limit} bytes"
        response = problem(
            413,
            detail,
            type_="payload-too-large",
            errors=[FieldError(field, detail)] if field else None,
            max_bytes=limit,
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
