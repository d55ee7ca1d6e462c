"""The ``local://`` broker: wake-ups between the worker processes of one machine, no service.

``liveblog serve --workers N`` on a ``memory://`` broker runs a :class:`LocalRelay` in the
supervisor, on a Unix domain socket (``local:///path/to/broker.sock``), and gives every worker
a :class:`LocalBroker` for it. The relay repeats every line it is sent to every connection that
listens; it keeps no messages, so it is as reliable as Redis pub/sub and no more: a worker that
loses its link reconnects with backoff and catches up from the event log (``on_reconnect``),
exactly as with the networked brokers (:mod:`liveblog.pubsub.networked`).

The protocol is lines of ASCII: a connection that sends ``listen`` is answered ``ok`` once it
receives; ``ping`` is answered ``pong`` (the listener's heartbeat); any other line is a payload
(:meth:`~liveblog.pubsub.broker.WakeUp.encode`) and goes to every listener as it came, the sender
included if it listens. Listeners decode, and ignore what does not decode. A listener that does
not read (more than ``MAX_BACKLOG`` bytes waiting for it) is disconnected: it reconnects and
catches up, so one stuck worker cannot make the relay hold memory without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Unpack
from urllib.parse import unquote, urlsplit

from liveblog.pubsub.networked import NetworkedBroker, Timing, TimingOptions
from liveblog.pubsub.reconnecting import Dispatch

log = logging.getLogger(__name__)

LISTEN, OK, PING, PONG = b"listen\n", b"ok\n", b"ping\n", b"pong\n"
MAX_LINE = 256  # bytes: a wake-up is two numbers of at most 18 digits
MAX_BACKLOG = 1 << 20  # bytes queued for one listener before the relay drops it


def socket_path(url: str) -> str:
    """The Unix socket path of a ``local://`` URL (``local:///run/liveblog/broker.sock``)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme != "local" or parts.netloc or not path.startswith("/"):
        raise ValueError(f"unsupported local broker URL {url!r}: use local:///path/to/socket")
    return path


class LocalBroker(NetworkedBroker["_Link"]):
    """A :class:`~liveblog.pubsub.broker.Broker` through the :class:`LocalRelay` at ``url``.

    It listens on one connection and publishes on another, opened on the first publish and
    again after it broke. The timing arguments are those of
    :class:`~liveblog.pubsub.networked.Timing`.
    """

    def __init__(self, url: str, **timing: Unpack[TimingOptions]) -> None:
        self._path = socket_path(url)
        super().__init__(service="Local", channel=self._path, log=log, timing=Timing(**timing))
        self._publisher: _Link | None = None
        self._publishing = False
        self._lock = asyncio.Lock()

    def _open_publisher(self) -> None:
        self._publishing = True

    async def _close_publisher(self) -> None:
        self._publishing = False
        async with self._lock:  # a publish in flight finishes first
            link, self._publisher = self._publisher, None
        if link is not None:
            await link.close()

    async def _send(self, payload: str) -> None:
        async with self._lock:
            if not self._publishing:
                return
            link = self._publisher
            if link is None or link.broken:
                if link is not None:
                    await link.close()
                self._publisher = None
                link = self._publisher = await self._connect()
            link.writer.write(payload.encode("ascii") + b"\n")
            try:
                await link.writer.drain()
            except BaseException:
                self._publisher = None
                await link.close()
                raise

    async def _connect(self) -> _Link:
        async with asyncio.timeout(self._timing.connect_timeout):
            reader, writer = await asyncio.open_unix_connection(self._path, limit=MAX_LINE * 4)
        return _Link(reader, writer)

    async def _subscribe(self) -> _Link:
        link = await self._connect()
        try:
            async with asyncio.timeout(self._timing.connect_timeout):
                link.writer.write(LISTEN)
                await link.writer.drain()
                answer = await link.reader.readline()
            if answer != OK:
                raise ConnectionError(f"the relay answered {answer[:40]!r} to listen")
        except BaseException:
            await link.close()
            raise
        return link

    async def _listen(self, link: _Link, dispatch: Dispatch) -> None:
        """Dispatch lines until the link fails or the relay stops answering the heartbeat."""
        ping_interval, ping_timeout = self._timing.ping_interval, self._timing.ping_timeout
        waiting_for_pong = False
        while True:
            timeout = ping_timeout if waiting_for_pong else ping_interval
            try:
                async with asyncio.timeout(timeout):
                    line = await link.reader.readline()
            except TimeoutError:
                if waiting_for_pong:
                    raise ConnectionError(f"no reply to ping within {ping_timeout:g}s") from None
                link.writer.write(PING)
                await link.writer.drain()
                waiting_for_pong = True
                continue
            if not line.endswith(b"\n"):
                raise ConnectionError("the relay closed the connection")
            waiting_for_pong = False
            if line != PONG:
                dispatch(line[:-1])

    async def _close_link(self, link: _Link) -> None:
        await link.close()


@dataclass
class _Link:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @property
    def broken(self) -> bool:
        return self.writer.is_closing() or self.reader.at_eof()

    async def close(self) -> None:
        """Close; errors are logged, not raised (the connection is given up anyway)."""
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except Exception as exc:
            log.debug("Local broker: closing a connection failed (%s)", exc)


class LocalRelay:
    """The other end of :class:`LocalBroker`: repeats every payload line to every listener.

    Runs on the event loop that calls :meth:`start` (the supervisor's), on a Unix socket at
    ``path`` that only this user may use (mode 0600; put it in a private directory too).
    """

    def __init__(self, path: str, *, max_backlog: int = MAX_BACKLOG) -> None:
        self.path = path
        self._max_backlog = max_backlog
        self._server: asyncio.Server | None = None
        self._listeners: set[asyncio.StreamWriter] = set()
        self._connections: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"local://{self.path}"

    @property
    def listeners(self) -> int:
        """How many connections listen right now."""
        return len(self._listeners)

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # a socket file left behind by a killed supervisor
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, self.path, limit=MAX_LINE * 4
            )
        finally:
            os.umask(old)

    async def stop(self) -> None:
        """Close every connection and the socket; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._connections):
            writer.close()
        await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def disconnect_all(self) -> None:
        """Close every connection (what a relay restart looks like to the brokers; tests)."""
        for writer in list(self._connections):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, ConnectionError):  # a line over the limit, a reset
                    break
                if not line.endswith(b"\n"):
                    break
                if line == LISTEN:
                    self._listeners.add(writer)
                    writer.write(OK)
                elif line == PING:
                    writer.write(PONG)
                else:
                    self._broadcast(line)
        finally:
            self._listeners.discard(writer)
            self._connections.discard(writer)
            writer.close()

    def _broadcast(self, line: bytes) -> None:
        for listener in list(self._listeners):
            if listener.transport.get_write_buffer_size() > self._max_backlog:
                log.warning("local relay: dropping a listener that does not read")
                self._listeners.discard(listener)
                listener.close()
                continue
            listener.write(line)
