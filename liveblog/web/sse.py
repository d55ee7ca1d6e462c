"""Server-Sent Events: message framing, and the two kinds of live reader a hub writes to.

- :class:`TransportSubscriber` is the normal case under our uvicorn protocol
  (:mod:`liveblog.web.live_protocol`): the connection's asyncio transport itself, so an idle
  reader costs no task, no queue and no coroutine.
- :class:`QueueSubscriber` serves the same stream through plain ASGI (test clients, other
  servers), with a bounded queue and one coroutine per reader.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

RETRY_MS = 3000
MAX_BUFFER_BYTES = 256 * 1024
"""A reader whose unsent data passes this is disconnected; it resumes with Last-Event-ID."""

HEADERS: list[tuple[str, str]] = [
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
    ("connection", "close"),
]
PREAMBLE = f"retry: {RETRY_MS}\n\n".encode()


def response_head(extra: list[tuple[str, str]] | None = None) -> bytes:
    """The HTTP/1.1 status line and headers of an event stream. The body is delimited by the
    connection's end, so every frame goes out exactly as encoded, identical for all readers."""
    lines = ["HTTP/1.1 200 OK", *(f"{k}: {v}" for k, v in HEADERS + (extra or []))]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


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


class TransportSubscriber:
    """Writes frames straight to a connection's transport."""

    __slots__ = ("transport",)

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self.transport = transport

    def write(self, data: bytes) -> bool:
        transport = self.transport
        if transport.is_closing():
            return False
        if transport.get_write_buffer_size() > MAX_BUFFER_BYTES:
            transport.abort()  # too slow: drop it; the client reconnects and resumes
            return False
        transport.write(data)
        return True

    def close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


class QueueSubscriber:
    """A bounded queue drained by one ASGI coroutine (see :func:`liveblog.web.live.stream`)."""

    def __init__(self, max_bytes: int = MAX_BUFFER_BYTES) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.pending = 0
        self.max_bytes = max_bytes
        self.closed = False

    def write(self, data: bytes) -> bool:
        if self.closed:
            return False
        if self.pending > self.max_bytes:  # the same rule as a transport's write buffer
            self.close()
            return False
        self.pending += len(data)
        self.queue.put_nowait(data)
        return True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)

    async def next(self) -> bytes | None:
        data = await self.queue.get()
        if data is not None:
            self.pending -= len(data)
        return data
