"""Server-Sent Events: message framing, and the two kinds of live reader a hub writes to.

- :class:`StreamProtocol` is the normal case under our uvicorn protocol
  (:mod:`liveblog.web.live.protocol`): the hub writes to the connection's asyncio transport
  itself, so an idle reader costs no task, no queue and no coroutine.
- :class:`QueueSubscriber` serves the same stream through plain ASGI (test clients, other
  servers), with a bounded queue and one coroutine per reader.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

RETRY_MS = 3000
MAX_BUFFER_BYTES = 256 * 1024
"""A reader whose unsent data passes this is disconnected; it resumes with Last-Event-ID."""
REPLAY_BUFFER_BYTES = MAX_BUFFER_BYTES // 2
"""While a reader is replayed, the replay waits once its unsent data passes this. The hub writes
at most 64 KB (or one larger event) at a time, so a replay stays within ``MAX_BUFFER_BYTES``
for events up to 128 KB, as live delivery does."""
DRAIN_SECONDS = 60.0
"""A reader being replayed whose full buffer does not drain within this is disconnected."""

HEADERS: tuple[tuple[str, str], ...] = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
    ("x-content-type-options", "nosniff"),
)
"""The headers of every event-stream response, the one place they are defined: the ASGI route
sends them as they are (:func:`asgi_headers`), the handed-over connection in
:data:`RESPONSE_HEAD` with ``connection: close``."""
PREAMBLE = f"retry: {RETRY_MS}\n\n".encode()
HEARTBEAT = b": keep-alive\n\n"
"""A comment written to idle streams, so proxies keep them open and dead peers are found."""


CLOSED_RETRY_MS = 600_000
"""The reconnection time a closed blog's stream leaves clients that reconnect by themselves
(``live.js`` does not: it stops at ``end``)."""


def end_message(seq: int) -> bytes:
    """The last message of a closed blog's stream: ``end`` with the blog's newest event number.
    It has no ``id:`` (a client that comes back resumes after the last real event) and sets
    ``retry:`` to :data:`CLOSED_RETRY_MS`."""
    body = json.dumps({"seq": seq, "type": "end", "status": "closed"}, separators=(",", ":"))
    return f"retry: {CLOSED_RETRY_MS}\nevent: end\ndata: {body}\n\n".encode()


def asgi_headers() -> dict[str, str]:
    """:data:`HEADERS` for an ASGI response (the server delimits its body)."""
    return dict(HEADERS)


def _response_head() -> bytes:
    """The HTTP/1.1 status line and headers of an event stream on a handed-over connection.
    The body is delimited by the connection's end, so every frame goes out exactly as encoded,
    identical for all readers."""
    lines = ["HTTP/1.1 200 OK", *(f"{k}: {v}" for k, v in HEADERS), "connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


RESPONSE_HEAD = _response_head()


def encode(seq: int, type_: str, data: dict[str, Any]) -> bytes:
    """One SSE message. JSON never contains a raw newline, so ``data`` is a single line."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {seq}\nevent: {type_}\ndata: {body}\n\n".encode()


def parse_last_event_id(value: str | None) -> tuple[int | None, bool]:
    """``(position, valid)``: ``(None, True)`` when absent, ``(None, False)`` when unusable."""
    if value is None or value == "":
        return None, True
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value), True
    return None, False


class StreamProtocol(asyncio.Protocol):
    """An event-stream connection after :mod:`liveblog.web.live.protocol` handed it over: the
    transport's protocol from then on, holding five slots instead of an HTTP parser and its
    request state. The hub writes to the transport itself (:attr:`sink`).

    Flow control: while the reader is replayed, a send buffer above ``REPLAY_BUFFER_BYTES``
    pauses the replay until it drains (or drops the reader after ``DRAIN_SECONDS``); once it is
    registered, a buffer above ``MAX_BUFFER_BYTES`` means the reader cannot keep up, and it is
    dropped (it reconnects and resumes with ``Last-Event-ID``)."""

    __slots__ = ("_drained", "connections", "live", "on_lost", "transport")

    def __init__(
        self, transport: asyncio.WriteTransport, connections: set[Any] | None = None
    ) -> None:
        self.transport = transport
        self.connections = connections
        """The server's open connections (uvicorn's), which this one joins until it is lost, so
        the server's shutdown reaches it (:meth:`shutdown`)."""
        if connections is not None:
            connections.add(self)
        self.on_lost: Callable[[asyncio.WriteTransport], None] | None = None
        """Called once when the connection ends (the hub's unsubscribe)."""
        self.live = False
        self._drained: asyncio.Future[None] | None = None
        transport.set_write_buffer_limits(high=REPLAY_BUFFER_BYTES)

    # -- the hub's Reader ---------------------------------------------------------------------

    @property
    def sink(self) -> asyncio.WriteTransport:
        return self.transport

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def writing_paused(self) -> bool:
        return self._drained is not None

    async def drain(self) -> None:
        if self._drained is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._drained), DRAIN_SECONDS)
            except TimeoutError:
                self.transport.abort()  # reads nothing: a stalled or dead peer

    def joined(self) -> None:
        self.live = True
        self.transport.set_write_buffer_limits(high=MAX_BUFFER_BYTES)

    def close(self) -> None:
        """End the stream now, though its buffer may be full (only called mid-replay)."""
        self.transport.abort()

    def shutdown(self) -> None:
        """The server stops: a live stream is closed after what is queued, a replay at once."""
        if self.live:
            self.transport.close()
        else:
            self.transport.abort()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def pause_writing(self) -> None:
        if self.live:
            self.transport.abort()
        elif self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._release()

    def data_received(self, data: bytes) -> None:
        """A reader of an event stream has nothing more to say; anything it sends is ignored."""

    def eof_received(self) -> bool:
        return False  # the reader left: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._release()
        if self.connections is not None:
            self.connections.discard(self)
        on_lost, self.on_lost = self.on_lost, None
        if on_lost is not None:
            on_lost(self.transport)

    def _release(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)


class QueueSubscriber:
    """A bounded queue drained by one ASGI coroutine (see
    :meth:`liveblog.web.live.delivery.Live.stream`), with the same flow-control rules as
    :class:`StreamProtocol`: a replay waits while more than half of ``max_bytes`` is queued, a
    registered reader is dropped past ``max_bytes``."""

    def __init__(self, max_bytes: int = MAX_BUFFER_BYTES) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.pending = 0
        self.max_bytes = max_bytes
        self.replay_bytes = max_bytes // 2
        self.drain_seconds = DRAIN_SECONDS
        self.closed = False
        self.live = False
        self.on_lost: Callable[[QueueSubscriber], None] | None = None
        """Called once when the stream ends (the hub's unsubscribe)."""
        self._room = asyncio.Event()
        self._room.set()

    @property
    def sink(self) -> QueueSubscriber:
        return self

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        self.pending += len(data)
        self.queue.put_nowait(data)
        if self.live:
            if self.pending > self.max_bytes:
                self.close()  # too slow: the stream ends after what is queued
        elif self.pending > self.replay_bytes:
            self._room.clear()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._room.set()
            self.queue.put_nowait(None)
            on_lost, self.on_lost = self.on_lost, None
            if on_lost is not None:
                on_lost(self)

    def is_closing(self) -> bool:
        return self.closed

    def writing_paused(self) -> bool:
        return not self._room.is_set()

    async def drain(self) -> None:
        try:
            await asyncio.wait_for(self._room.wait(), self.drain_seconds)
        except TimeoutError:
            self.close()  # reads nothing: a stalled or dead peer

    def joined(self) -> None:
        self.live = True

    async def next(self) -> bytes | None:
        data = await self.queue.get()
        if data is not None:
            self.pending -= len(data)
            if self.pending <= self.replay_bytes // 2:
                self._room.set()
        return data
