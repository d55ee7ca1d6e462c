"""uvicorn's httptools protocol with liveblog's connection limits, and taught to hand event
streams to the hub.

:class:`LimitedHttpToolsProtocol` enforces the limits of :mod:`liveblog.web.connection_limits`
(request head size and time, open connections). :class:`LiveHttpToolsProtocol` adds the hand-over:
a ``GET /live/{slug}/events`` request never becomes an ASGI task: once its headers are parsed,
the connection's transport gets a small :class:`~liveblog.web.live.sse.StreamProtocol` instead
of this one, and :class:`liveblog.web.live.delivery.Live` writes the response head and any
replay and registers the transport with the blog's hub. After that the connection holds no
task, no coroutine and no parser: an idle reader costs its transport and a five-slot protocol
object.
Every other request goes through the ASGI app as usual. The app publishes the ``Live`` service
in its lifespan state under :data:`STATE_KEY`; without it (another server, no lifespan) the
ASGI route in :mod:`liveblog.web.live.route` serves the stream instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import ServerState

from liveblog.web.cached_page import header_lines
from liveblog.web.connection_limits import HeadGuard, head_size, head_too_large, limits_of, refuse
from liveblog.web.live.delivery import STATE_KEY, STREAM_PATH, Live
from liveblog.web.live.simple_get import simple_get
from liveblog.web.live.sse import StreamProtocol
from liveblog.web.reader.fast_path import FAST_PATH_KEY, ReaderFastPath


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a request head that is too large."""


class LimitedHttpToolsProtocol(HeadGuard, HttpToolsProtocol):
    """uvicorn's httptools protocol with liveblog's connection limits.

    Head size: the bytes of every chunk that arrives while a request head is incomplete are
    counted (so a head sent slowly, or one endless header that httptools buffers itself, is
    refused within one chunk of the limit); a head that completes within a chunk larger than the
    limit is measured exactly once parsed. Nothing of this runs per header, and a request
    whose head arrives in one small chunk costs two comparisons."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits_of(config)
        self._awaiting_head = True
        """The next bytes belong to a request head (not to a request body)."""
        self._head_bytes = 0
        self._head_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if self._over_capacity(transport):
            return
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """uvicorn's, with the head's size counted and checked, and its timer re-armed when a
        request head begins on a kept-alive connection."""
        if self._awaiting_head:
            self._head_bytes += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._head_too_large:
                refuse(self.transport, head_too_large(self.limits))
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._awaiting_head:  # a head is incomplete (also one pipelined behind a request)
            if self._head_bytes > self.limits.max_header_bytes:
                refuse(self.transport, head_too_large(self.limits))
            elif self.cycle is None or self.cycle.response_complete:
                self._arm_head_timer()  # not while an answer is under way

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        self._awaiting_head = False
        if self._head_bytes > self.limits.max_header_bytes and (
            head_size(self.url, self.headers) > self.limits.max_header_bytes
        ):
            self._head_too_large = True
            raise _HeadTooLarge
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._awaiting_head = True  # what follows is the next request
        super().on_message_complete()


class LiveHttpToolsProtocol(LimitedHttpToolsProtocol):
    """Use with ``uvicorn.run(..., http=LiveHttpToolsProtocol)``.

    Besides handing event streams over, it answers fresh page-cache hits (reader pages, feeds,
    polls: :class:`~liveblog.web.reader.fast_path.ReaderFastPath`, which the app publishes in
    its lifespan state under :data:`FAST_PATH_KEY`) itself when the bytes that arrive are one
    plain ``GET`` head (:func:`~liveblog.web.live.simple_get.simple_get`) between requests:
    the cached head and body are written to the socket as they are, the bytes the ASGI fast
    path would have made uvicorn write (same status line, date, headers and body), without
    the parser's callbacks, uvicorn's request objects, an ASGI task or per-header checks.
    Anything else (a miss, a request of any other form, the access log on, a client that does
    not read its answers) goes through the parser and the ASGI app as usual."""

    _mid_message = False
    """The parser has begun a request whose end it has not seen (set per connection)."""

    def data_received(self, data: bytes) -> None:
        if not self._mid_message and self._answer_from_cache(data):
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._mid_message = True
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self._mid_message = False
        super().on_message_complete()

    def _answer_from_cache(self, data: bytes) -> bool:
        """Answer ``data`` from the page cache if it is a plain ``GET`` of a fresh page."""
        fast_path = self.app_state.get(FAST_PATH_KEY)
        if (
            not isinstance(fast_path, ReaderFastPath)
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.pipeline
            or self.access_log
            or self.root_path
            or self.flow.write_paused
            or len(data) > self.limits.max_header_bytes
        ):
            return False
        request = simple_get(data)
        if request is None:
            return False
        page = fast_path.page(request.method, request.path, request.query)
        if page is None or page.status != 200:
            return False
        if page.matches(request.if_none_match):
            status, lines, body = 304, page.not_modified_lines, b""
        else:
            variant = page.variant(request.accept_encoding)
            status, lines, body = 200, variant.header_lines, variant.body
        self._unset_keepalive_if_required()
        self._disarm_head_timer()
        default_lines = _default_lines(self.server_state.default_headers)
        head = b"".join((STATUS_LINE[status], default_lines, lines, b"\r\n"))
        self.transport.write(head if request.method == "HEAD" else head + body)
        self.on_response_complete()  # counts it and arms the keep-alive timer, as uvicorn does
        return True

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        live = self.app_state.get(STATE_KEY)
        scope = cycle.scope
        match = STREAM_PATH.match(scope["path"]) if scope["method"] == "GET" else None
        if not isinstance(live, Live) or match is None or scope.get("root_path"):
            super()._start_asgi_task(cycle, app)
            return
        # Hand over once the parser has returned from this callback.
        task = self.loop.create_task(self._hand_over(live, match.group(1), scope))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _hand_over(self, live: Live, slug: str, scope: Any) -> None:
        """Give the connection to a :class:`StreamProtocol`, which takes this object's place in
        uvicorn's connection set (so the server's shutdown reaches it); this object (parser,
        request state, timers) is then freed."""
        transport = self.transport
        self._unset_keepalive_if_required()
        self._disarm_head_timer()
        self.connections.discard(self)
        self.pipeline.clear()
        self.parser = None  # type: ignore[assignment]
        self.cycle = None  # type: ignore[assignment]
        self.flow = None  # type: ignore[assignment]
        if transport.is_closing():
            return
        stream = StreamProtocol(transport, self.connections)  # takes this one's place there
        transport.set_protocol(stream)
        transport.resume_reading()  # uvicorn may have paused it for pipelining
        _as_proxied(self.app, scope)
        await live.open_transport(stream, slug, scope, self.limits.max_streams_per_address)


_DEFAULT_LINES: list[Any] = [None, b""]
"""uvicorn's default headers (the date, renewed every second) last seen, and their lines."""


def _default_lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    if _DEFAULT_LINES[0] is not headers:
        _DEFAULT_LINES[1] = header_lines(headers)
        _DEFAULT_LINES[0] = headers
    lines: bytes = _DEFAULT_LINES[1]
    return lines


def _as_proxied(app: Any, scope: Any) -> None:
    """Name the client in ``scope`` as uvicorn's ``ProxyHeadersMiddleware`` does for requests
    that reach the app: the address in ``X-Forwarded-For`` if the peer is a trusted proxy
    (``FORWARDED_ALLOW_IPS``; 127.0.0.1 and ::1 unless set)."""
    if not isinstance(app, ProxyHeadersMiddleware):
        return
    client = scope.get("client")
    if not client or client[0] not in app.trusted_hosts:
        return
    forwarded = [value for name, value in scope["headers"] if name == b"x-forwarded-for"]
    if forwarded:
        chain = b", ".join(forwarded).decode("latin-1")
        host, port = app.trusted_hosts.get_trusted_client_address(chain)
        if host:
            scope["client"] = (host, port)
