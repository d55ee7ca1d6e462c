"""Fixtures for the broker tests: real Redis and PostgreSQL servers, no mocks.

Redis tests need ``LIVEBLOG_TEST_REDIS_URL`` (for example ``redis://127.0.0.1:6379/0``) and
PostgreSQL tests ``LIVEBLOG_TEST_POSTGRES_URL``, or a server on the default local port when the
variable is unset (:mod:`tests.local_servers`); without one they skip with that hint (a failure
under ``CI=true``). Every test uses its own channel and connection names, so parallel runs and
other processes on the same servers do not see each other's messages.

Tests are plain functions that drive a coroutine with :func:`run`; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from redis.asyncio import Redis

from liveblog.pubsub.broker import Broker, WakeUp
from liveblog.pubsub.memory import MemoryBroker
from liveblog.pubsub.postgres import PostgresBroker, conninfo_from_url
from liveblog.pubsub.redis import RedisBroker
from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.local_servers import REDIS_HINT, REDIS_URL
from tests.ports import free_port

# Short timings so that lost links are found and retried quickly; production uses the defaults.
FAST: dict[str, float] = {
    "ping_interval": 0.3,
    "ping_timeout": 0.5,
    "connect_timeout": 2.0,
    "publish_timeout": 2.0,
    "backoff_initial": 0.05,
    "backoff_max": 0.5,
}
WAIT = 5.0  # seconds any single expected event may take


def run(scenario: Coroutine[Any, Any, None], timeout: float = 30.0) -> None:
    """Run a test scenario on a fresh event loop, bounded, then surface leaked resources."""

    async def bounded() -> None:
        async with asyncio.timeout(timeout):
            await scenario

    asyncio.run(bounded(), debug=True)
    gc.collect()  # unclosed sockets or transports warn now, inside this test


class Recorder:
    """The handlers given to one broker: records what it delivers, lets a test wait for it."""

    def __init__(self, *, async_reconnect: bool = True) -> None:
        self.wake_ups: list[WakeUp] = []
        self.tasks: list[asyncio.Task[Any] | None] = []
        self.reconnects = 0
        self.async_reconnect = async_reconnect
        self.fail_on: WakeUp | None = None
        self._changed = asyncio.Event()

    def on_wake_up(self, wake_up: WakeUp) -> None:
        self.wake_ups.append(wake_up)
        self.tasks.append(asyncio.current_task())
        self._changed.set()
        if wake_up == self.fail_on:
            raise RuntimeError("handler failure (expected by the test)")

    def on_reconnect(self) -> Awaitable[None] | None:
        if not self.async_reconnect:
            self._reconnected()
            return None
        return self._on_reconnect_async()

    async def _on_reconnect_async(self) -> None:
        await asyncio.sleep(0)  # a real catch-up awaits the database
        self._reconnected()

    def _reconnected(self) -> None:
        self.reconnects += 1
        self._changed.set()

    async def wait_until(self, check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not check():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; "
                f"got wake-ups {self.wake_ups}, reconnects {self.reconnects}"
            ) from None

    async def wait_for(self, wake_up: WakeUp, timeout: float = WAIT) -> None:
        await self.wait_until(lambda: wake_up in self.wake_ups, f"{wake_up}", timeout)

    async def wait_reconnects(self, count: int, timeout: float = WAIT) -> None:
        await self.wait_until(lambda: self.reconnects >= count, f"{count} reconnect(s)", timeout)


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Backend:
    """One broker backend under test, with a channel and connection names of its own."""

    name: str
    url: str
    processes: int  # broker instances standing for server processes (memory has one)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def channel(self) -> str:
        return f"liveblog_test_{self.tag}"

    def client_name(self, index: int) -> str:
        return f"lbtest-{self.tag}-{index}"

    def make(self, index: int = 0, *, url: str | None = None) -> Broker:
        if self.name == "memory":
            return MemoryBroker()
        return self.make_networked(index, url=url)

    def make_networked(
        self, index: int = 0, *, url: str | None = None
    ) -> RedisBroker | PostgresBroker:
        """A Redis or PostgreSQL broker."""
        if self.name == "redis":
            return RedisBroker(
                url or self.url, channel=self.channel, client_name=self.client_name(index), **FAST
            )
        if self.name == "postgres":
            return PostgresBroker(
                url or self.url,
                channel=self.channel,
                application_name=self.client_name(index),
                **FAST,
            )
        raise AssertionError(f"{self.name} has no network")

    def url_via(self, port: int) -> str:
        """This backend's URL, pointing at ``port`` on localhost instead (a proxy, a dead port)."""
        return _with_port(self.url, port)

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or (6379 if self.name == "redis" else 5432)

    async def inject(self, payload: str | bytes) -> None:
        """Put a raw message straight into the channel, as ``redis-cli PUBLISH`` or
        ``SELECT pg_notify(...)`` would."""
        if self.name == "redis":
            client = Redis.from_url(self.url)
            try:
                await client.publish(self.channel, payload)
            finally:
                await client.aclose()
        else:
            text = payload.decode() if isinstance(payload, bytes) else payload
            async with await psycopg.AsyncConnection.connect(
                conninfo_from_url(self.url), autocommit=True
            ) as conn:
                await conn.execute("SELECT pg_notify(%s, %s)", (self.channel, text))

    async def kill(self, index: int, role: str) -> None:
        """Close broker ``index``'s ``listen`` or ``publish`` connection from the server side."""
        name = f"{self.client_name(index)}-{role}"
        if self.name == "redis":
            client = Redis.from_url(self.url)
            try:
                kind = "pubsub" if role == "listen" else "normal"
                ids = [c["id"] for c in await client.client_list(_type=kind) if c["name"] == name]
                assert len(ids) == 1, f"expected one {kind} connection named {name}, got {ids}"
                assert await client.client_kill_filter(_id=ids[0], _type=kind) == 1
            finally:
                await client.aclose()
            return
        async with await psycopg.AsyncConnection.connect(
            conninfo_from_url(self.url), autocommit=True
        ) as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
            if role == "listen":
                query += " AND query LIKE 'LISTEN%%'"
            pids = [row[0] for row in await (await conn.execute(query, (name,))).fetchall()]
            assert len(pids) == 1, f"expected one backend named {name}, got {pids}"
            cur = await conn.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
            assert await cur.fetchone() == (True,)


def _backend(name: str) -> Backend:
    if name == "memory":
        return Backend("memory", "memory://", processes=1)
    if name == "redis":
        if not REDIS_URL:
            pytest.skip(REDIS_HINT)
        return Backend("redis", REDIS_URL, processes=2)
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    return Backend("postgres", POSTGRES_URL, processes=2)


@pytest.fixture(params=["memory", "redis", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Every backend: memory, Redis, PostgreSQL."""
    return _backend(request.param)


@pytest.fixture(params=["redis", pytest.param("postgres", marks=pytest.mark.postgres)])
def networked(request: pytest.FixtureRequest) -> Backend:
    """The backends with a server between processes: Redis, PostgreSQL."""
    return _backend(request.param)


@pytest.fixture(params=["redis", "postgres"])
def offline(request: pytest.FixtureRequest) -> Backend:
    """A networked backend whose URL names a port nobody listens on (needs no server)."""
    default = {
        "redis": "redis://127.0.0.1:6379/0",
        "postgres": "postgresql://postgres@127.0.0.1:5432/test",
    }[request.param]
    backend = Backend(request.param, default, processes=1)
    backend.url = backend.url_via(free_port())
    return backend


@asynccontextmanager
async def processes(
    backend: Backend, count: int | None = None, *, async_reconnect: bool = True
) -> AsyncIterator[list[tuple[Broker, Recorder]]]:
    """Started brokers standing for server processes, each with its recorder; stopped on exit."""
    async with AsyncExitStack() as stack:
        started: list[tuple[Broker, Recorder]] = []
        for index in range(backend.processes if count is None else count):
            broker = backend.make(index)
            recorder = Recorder(async_reconnect=async_reconnect)
            await broker.start(recorder.on_wake_up, recorder.on_reconnect)
            stack.push_async_callback(broker.stop)
            started.append((broker, recorder))
        yield started


class Proxy:
    """A TCP relay to a real server that can black-hole its links or refuse new ones.

    ``freeze()`` stops relaying on the current links but keeps their sockets open, as a dead
    network path does: writes still succeed, replies never come. New links relay normally.
    """

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.refusing = False
        self.port = 0
        self._links: list[_Link] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for link in self._links:
            await link.close()
        await self._server.wait_closed()

    def freeze(self) -> None:
        for link in self._links:
            link.freeze()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            await _close(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.address)
        except OSError:
            await _close(writer)
            return
        link = _Link(writer, up_writer)
        self._links.append(link)
        link.pumps = [
            asyncio.create_task(link.pump(reader, up_writer)),
            asyncio.create_task(link.pump(up_reader, writer)),
        ]


class _Link:
    def __init__(self, down: asyncio.StreamWriter, up: asyncio.StreamWriter) -> None:
        self.writers = (down, up)
        self.pumps: list[asyncio.Task[None]] = []

    async def pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        for writer in self.writers:  # one side closed: close the other too
            writer.close()

    def freeze(self) -> None:
        for task in self.pumps:
            task.cancel()

    async def close(self) -> None:
        self.freeze()
        await asyncio.gather(*self.pumps, return_exceptions=True)
        for writer in self.writers:
            await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with suppress(OSError):
        await writer.wait_closed()
