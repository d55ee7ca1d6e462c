"""What a client may make the server hold before it has sent a request, and how much of it.

Every connection costs a file descriptor and, until its request head is complete, the bytes of
that head. Without limits, a few clients sending endless headers fill the memory, and a thousand
clients that never finish their heads (slowloris) take every descriptor. So:

* a request head (request line and headers) larger than ``max_header_bytes`` gets ``431`` and
  the connection is closed;
* a connection that has not sent a complete head ``header_timeout_seconds`` after it opened
  (or after it began its next request) is closed;
* beyond ``max_connections`` open connections, a new one gets ``503`` with ``Retry-After`` the
  moment it is accepted, before anything is read or parsed, and is closed;
* event streams are counted per client address in :class:`liveblog.web.live.delivery.Live`
  (:class:`StreamsPerAddress`), ``429`` with ``Retry-After`` beyond the limit.

The HTTP protocols enforce the first three: :class:`LimitedH11Protocol` here and
``LimitedHttpToolsProtocol`` in :mod:`liveblog.web.live.protocol` (which imports httptools).
They read the limits from :class:`LiveConfig`, which :func:`liveblog.web.server.uvicorn_config`
builds from the settings.
"""

from __future__ import annotations

import asyncio
import ipaddress
import resource
import sys
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from liveblog.config import Settings
from liveblog.web.problems import problem

RETRY_AFTER_SECONDS = 5
"""``Retry-After`` of a connection refused because the process has too many (503)."""
STREAM_RETRY_AFTER_SECONDS = 30
"""``Retry-After`` of an event stream refused because its address has too many (429)."""
DEFAULT_MAX_CONNECTIONS = 10_000
"""Used when the open-file limit is unlimited."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_header_bytes: int
    header_timeout: float
    max_connections: int
    """Resolved: always a positive number."""
    max_streams_per_address: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            header_timeout=settings.header_timeout_seconds,
            max_connections=resolve_max_connections(settings.max_connections),
            max_streams_per_address=settings.max_streams_per_address,
        )


def resolve_max_connections(configured: int) -> int:
    """``configured`` if positive, else the process's open-file limit less a reserve (a tenth,
    at least 64) for the database, the broker, the listening socket and log files."""
    if configured > 0:
        return configured
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return DEFAULT_MAX_CONNECTIONS
    return max(16, soft - max(64, soft // 10))


@cache
def default_limits() -> Limits:
    """For a protocol run under a plain ``uvicorn.Config``."""
    return Limits.from_settings(Settings())


class LiveConfig(uvicorn.Config):
    """uvicorn's configuration with liveblog's connection limits for its protocols."""

    def __init__(self, app: Any, *, limits: Limits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


def limits_of(config: uvicorn.Config) -> Limits:
    return config.limits if isinstance(config, LiveConfig) else default_limits()


# -- refusals: written straight to the transport, then the connection is closed ------------------


def raw_problem(status: int, detail: str, headers: dict[str, str] | None = None) -> bytes:
    """A complete ``connection: close`` HTTP/1.1 response carrying a problem document."""
    answer = problem(status, detail, headers=headers)
    body = bytes(answer.body)
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines += [
        f"content-type: {answer.media_type}",
        f"content-length: {len(body)}",
        "x-content-type-options: nosniff",
        "connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def head_too_large(limits: Limits) -> bytes:
    return raw_problem(431, f"the request head is larger than {limits.max_header_bytes} bytes")


SERVICE_UNAVAILABLE = raw_problem(
    503,
    "the server has too many open connections; try again later",
    {"retry-after": str(RETRY_AFTER_SECONDS)},
)


def refuse(transport: asyncio.WriteTransport, answer: bytes) -> None:
    """Answer and close (after the answer is sent); nothing more is read."""
    if not transport.is_closing():
        transport.write(answer)
        transport.close()


# -- the per-connection guard, shared by both HTTP protocols ------------------------------------


class HeadGuard:
    """The header timer and the connection cap of one connection; mixed into uvicorn's protocols
    (which provide ``loop``, ``transport`` and ``connections``)."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    connections: set[Any]
    limits: Limits
    _head_timer: asyncio.TimerHandle | None = None

    def _over_capacity(self, transport: asyncio.Transport) -> bool:
        """Refuse the connection with 503 if the process already has ``max_connections``."""
        if len(self.connections) < self.limits.max_connections:
            return False
        self.transport = transport  # uvicorn's connection_lost closes it
        refuse(transport, SERVICE_UNAVAILABLE)
        return True

    def _arm_head_timer(self) -> None:
        if self._head_timer is None and not self.transport.is_closing():
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_late)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        """The request head did not arrive in time: close the connection, without an answer
        (as nginx does), since the client is probably not listening for one."""
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def head_size(target: bytes, headers: Any) -> int:
    """The bytes of a request head as counted against ``max_header_bytes``: target, names,
    values and four bytes (``": "`` and CRLF) per header."""
    return len(target) + sum(len(name) + len(value) + 4 for name, value in headers)


class _LimitedConnection(h11.Connection):
    """h11's server connection, which refuses request heads larger than ``max_header_bytes``:
    an incomplete one when the bytes buffered for it pass the limit (h11 itself), a complete one
    once parsed (checked here)."""

    def __init__(self, max_header_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_header_bytes)
        self.max_header_bytes = max_header_bytes
        self.head_too_large = False

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.head_too_large = exc.error_status_hint == 431
            raise
        if type(event) is h11.Request and (
            head_size(event.target, event.headers) > self.max_header_bytes
        ):
            self.head_too_large = True
            raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
        return event


class LimitedH11Protocol(HeadGuard, H11Protocol):
    """uvicorn's h11 protocol (the fallback without httptools) with liveblog's limits."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits_of(config)
        self.conn = _LimitedConnection(self.limits.max_header_bytes)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if self._over_capacity(transport):
            return
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()  # the head is complete
        elif self.cycle is None or self.cycle.response_complete:
            self._arm_head_timer()  # the next request has begun

    def send_400_response(self, msg: str) -> None:
        conn = self.conn
        if isinstance(conn, _LimitedConnection) and conn.head_too_large:
            refuse(self.transport, head_too_large(self.limits))
            return
        super().send_400_response(msg)


def address_key(host: str) -> str:
    """What event streams are counted by: an IPv4 address as it is; an IPv6 address by its /64
    network (one home, office or phone usually has a whole /64, as a NAT has one IPv4
    address); anything else (a Unix socket path, a name) as it is. Interned, so the open
    streams of one address share one string."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return sys.intern(host)
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return sys.intern(str(mapped))
        network = ipaddress.IPv6Network((int(ip) >> 64 << 64, 64))
        return sys.intern(str(network))
    return sys.intern(host)


class StreamsPerAddress:
    """Open event streams per client address (see :func:`address_key`)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def acquire(self, key: str, limit: int) -> bool:
        """Count one more stream of ``key``, unless it already has ``limit`` (0: no limit)."""
        count = self.counts.get(key, 0)
        if 0 < limit <= count:
            return False
        self.counts[key] = count + 1
        return True

    def release(self, key: str) -> None:
        count = self.counts.get(key, 0) - 1
        if count > 0:
            self.counts[key] = count
        else:
            self.counts.pop(key, None)


def too_many_streams(limit: int) -> tuple[str, dict[str, str]]:
    """The detail and headers of the 429 answer to a stream beyond the per-address limit."""
    return (
        f"this address already has {limit} open event streams; close one or try again later",
        {"retry-after": str(STREAM_RETRY_AFTER_SECONDS)},
    )
