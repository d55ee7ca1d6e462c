"""Real ``liveblog serve`` processes and raw-socket event-stream readers, for the tests that run
several server processes on one PostgreSQL database and one broker.

Everything here is bounded and cleans up after itself: processes are terminated (then killed)
and waited for, log files, sockets and selectors are closed, so ``filterwarnings = error`` sees
no ResourceWarning. Server output goes to a log file per process (never to a pipe that could
fill up); failures quote its tail.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy.engine import make_url

from liveblog.actions import Actions
from liveblog.storage.database import Database, normalise_url
from liveblog.storage.migrate import upgrade
from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.local_servers import REDIS_HINT as REDIS_HINT  # used by the tests
from tests.local_servers import REDIS_URL as REDIS_URL
from tests.ports import free_port
from tests.web.live.sse_reading import HOST, dechunk, parse_block, read_head, stream_request

LIVEBLOG = Path(sys.executable).parent / "liveblog"
PASSWORD = "correct horse battery"
REDIS_CHANNEL = "liveblog_events"  # liveblog.pubsub.broker.CHANNEL, what `serve` listens on

# -- settings and the database --------------------------------------------------------------------


def server_env(**settings: str | float) -> dict[str, str]:
    """This process's environment without any ``LIVEBLOG_*`` variable, plus ``settings`` as
    ``LIVEBLOG_<NAME>`` (``database_url="..."`` becomes ``LIVEBLOG_DATABASE_URL``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env.update({f"LIVEBLOG_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def prepare_database(database_url: str, email: str) -> str:
    """Migrate the database and create an admin there (as ``liveblog db upgrade``,
    ``liveblog user create`` and ``liveblog token create`` do, minus three interpreter starts);
    the admin's new API token."""
    db = Database(database_url)
    try:
        upgrade(db)
        actions = Actions(db)
        actions.create_user(email, "admin", PASSWORD)
        _, token = actions.create_token(email)
    finally:
        db.dispose()
    return token


# -- a PostgreSQL database of our own -------------------------------------------------------------


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url`` (created the way the session's
    ``postgres_database`` fixture does it), as a ``postgresql://`` URL; dropped on exit."""
    name = f"liveblog_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(normalise_url(server_url)).set(drivername="postgresql")
    conninfo = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- HTTP requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One HTTP/1.1 request on a connection of its own (closed before returning)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        sent = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


# -- server processes -----------------------------------------------------------------------------


@dataclass
class Server:
    """One ``liveblog serve --port PORT`` process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    def log(self, tail: int = 4000) -> str:
        if not self.log_file.closed:
            self.log_file.flush()
        text = self.log_path.read_text("utf-8", "replace")
        return text[-tail:]

    def request(self, method: str, path: str, **options: Any) -> Reply:
        return request(self.port, method, path, **options)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; waits for the process either way."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
            return self.process.returncode
        finally:
            self.log_file.close()

    def __str__(self) -> str:
        return f"server {self.name} (port {self.port}, pid {self.process.pid})"


def start_server(name: str, env: Mapping[str, str], log_dir: Path) -> Server:
    """Start ``liveblog serve`` on a free port; not yet ready (see :func:`wait_ready`)."""
    port = free_port()
    log_path = log_dir / f"server-{name}.log"
    log_file = log_path.open("wb")
    try:
        process = subprocess.Popen(
            [str(LIVEBLOG), "serve", "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
    except BaseException:
        log_file.close()
        raise
    return Server(name, port, process, log_path, log_file)


def wait_ready(servers: Iterable[Server], timeout: float = 30.0) -> None:
    """Until every server answers ``GET /readyz`` with 200 (its broker is then subscribed:
    the app's lifespan starts it before uvicorn accepts connections)."""
    deadline = time.monotonic() + timeout
    for server in servers:
        while True:
            if server.process.poll() is not None:
                raise AssertionError(
                    f"{server} exited with {server.process.returncode}:\n{server.log()}"
                )
            try:
                if server.request("GET", "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{server} not ready within {timeout}s:\n{server.log()}")
            time.sleep(0.05)


@contextmanager
def running_servers(
    names: Iterable[str], env: Mapping[str, str], log_dir: Path, timeout: float = 30.0
) -> Iterator[list[Server]]:
    """Start one server per name (all at once), wait until all are ready, stop all on exit."""
    with ExitStack() as stack:
        servers: list[Server] = []
        for name in names:
            server = start_server(name, env, log_dir)
            stack.callback(server.stop)
            servers.append(server)
        wait_ready(servers, timeout)
        yield servers
        for server in servers:
            assert server.process.poll() is None, f"{server} died:\n{server.log()}"


# -- event-stream readers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int | None
    event: str
    data: dict[str, Any]
    received: float
    """``time.perf_counter()`` when the event's last byte was read."""


@dataclass
class Reader:
    """``GET /live/{slug}/events`` over a plain socket; parses the stream as it arrives.

    :meth:`feed` reads whatever is there without blocking; :func:`wait_until` drives many
    readers at once. Comments (heartbeats) and ``retry:`` are counted, not kept as events.
    """

    name: str
    port: int
    path: str
    sock: socket.socket
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    comments: int = 0
    ended: bool = False
    _raw: bytes = b""
    _body: bytes = b""
    _chunked: bool = False

    @classmethod
    def open(
        cls,
        name: str,
        port: int,
        path: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 5.0,
    ) -> Reader:
        sock = socket.create_connection((HOST, port), timeout=timeout)
        reader = cls(name, port, path, sock)
        try:
            sock.sendall(stream_request(port, path, headers))
            reader._read_head(time.monotonic() + timeout)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return reader

    def _read_head(self, deadline: float) -> None:
        head, self._raw = read_head(self.sock, deadline, self.name)
        self.status = head.status
        self.headers = head.headers
        self._chunked = head.chunked
        assert self.status == 200, f"{self.name}: {head.status_line} {self._raw[:300]!r}"
        self._parse()

    def fileno(self) -> int:
        return self.sock.fileno()

    def feed(self) -> None:
        """Read what has arrived (non-blocking) and parse complete events."""
        while not self.ended:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionError:
                data = b""
            if not data:
                self.ended = True
                break
            self._raw += data
        self._parse()

    def _parse(self) -> None:
        now = time.perf_counter()
        if self._chunked:  # the ASGI fallback path (plain httptools or h11)
            data, self._raw = dechunk(self._raw)
            self._body += data
        else:
            self._body += self._raw
            self._raw = b""
        while b"\n\n" in self._body:
            block, _, self._body = self._body.partition(b"\n\n")
            parsed = parse_block(block)
            self.comments += len(parsed.comments)
            fields = parsed.fields
            if "event" in fields or "data" in fields:
                self.events.append(
                    Event(
                        int(fields["id"]) if "id" in fields else None,
                        fields.get("event", "message"),
                        json.loads(fields.get("data", "null")),
                        now,
                    )
                )

    @property
    def ids(self) -> list[int | None]:
        return [e.id for e in self.events]

    def close(self) -> None:
        self.sock.close()

    def __str__(self) -> str:
        return f"{self.name}: ids {self.ids}{' (ended)' if self.ended else ''}"


@contextmanager
def _selecting(readers: Iterable[Reader]) -> Iterator[Callable[[float], None]]:
    """A function that waits up to its argument (seconds) for data and feeds the readers it
    came for; the readers that have not ended are watched until then."""
    with selectors.DefaultSelector() as selector:
        for reader in readers:
            if not reader.ended:
                selector.register(reader.sock, selectors.EVENT_READ, reader)

        def feed_ready(timeout: float) -> None:
            for key, _ in selector.select(timeout):
                reader = key.data
                assert isinstance(reader, Reader)
                reader.feed()
                if reader.ended:
                    selector.unregister(reader.sock)

        yield feed_ready


def wait_until(
    readers: Iterable[Reader], done: Callable[[], bool], timeout: float, what: str
) -> float:
    """Feed ``readers`` as data arrives until ``done()``; the seconds it took. Fails after
    ``timeout`` seconds, or when a stream ends first, listing what every reader has."""
    readers = list(readers)
    start = time.perf_counter()
    deadline = start + timeout
    with _selecting(readers) as feed_ready:
        while True:
            for reader in readers:
                reader.feed()
            if done():
                return time.perf_counter() - start
            ended = [r for r in readers if r.ended]
            remaining = deadline - time.perf_counter()
            if ended or remaining <= 0:
                summary = "\n".join(str(r) for r in readers)
                reason = f"streams ended: {[r.name for r in ended]}" if ended else "timed out"
                raise AssertionError(f"{reason} after {timeout}s waiting for {what}:\n{summary}")
            feed_ready(remaining)


def drain(readers: Iterable[Reader], seconds: float) -> None:
    """Keep reading for ``seconds`` (so a late duplicate would show up), without failing."""
    readers = list(readers)
    deadline = time.perf_counter() + seconds
    with _selecting(readers) as feed_ready:
        while (remaining := deadline - time.perf_counter()) > 0:
            feed_ready(remaining)


@contextmanager
def open_readers(specs: Iterable[tuple[str, int, str]]) -> Iterator[list[Reader]]:
    """Open one :class:`Reader` per ``(name, port, path)``; all closed on exit."""
    with ExitStack() as stack:
        readers: list[Reader] = []
        for name, port, path in specs:
            reader = Reader.open(name, port, path)
            stack.callback(reader.close)
            readers.append(reader)
        yield readers


# -- Redis on 127.0.0.1:6379 ----------------------------------------------------------------------

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
"""Exactly how CI (``.ci/run``) starts Redis."""


def is_local_default_redis(url: str) -> bool:
    """Whether ``url`` names the Redis on 127.0.0.1:6379, the one a test may restart."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme == "redis" and parts.hostname == HOST and (parts.port or 6379) == 6379


def redis_cli(*args: str, timeout: float = 5.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["redis-cli", "-h", HOST, "-p", "6379", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def redis_answers() -> bool:
    try:
        return redis_cli("ping", timeout=2).stdout.strip() == "PONG"
    except subprocess.TimeoutExpired:
        return False


def _wait_for_redis(up: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while redis_answers() != up:
        if time.monotonic() > deadline:
            state = "answer" if up else "stop"
            raise AssertionError(f"Redis on {HOST}:6379 did not {state} within {timeout}s")
        time.sleep(0.05)


def stop_redis(timeout: float = 10.0) -> None:
    """``SHUTDOWN NOSAVE`` the Redis server; returns once it no longer answers."""
    redis_cli("shutdown", "nosave")
    _wait_for_redis(False, timeout)


def start_redis(timeout: float = 15.0) -> None:
    """Start Redis the way CI does (unless it already answers) and wait for ``PONG``."""
    if redis_answers():
        return
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        REDIS_START,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout,
        check=True,
    )
    _wait_for_redis(True, timeout)


def redis_subscribers(channel: str = REDIS_CHANNEL) -> int:
    """``PUBSUB NUMSUB channel``: how many connections listen on it right now."""
    result = redis_cli("pubsub", "numsub", channel, timeout=2)
    lines = result.stdout.split()
    return int(lines[1]) if len(lines) == 2 and lines[1].isdigit() else 0


# -- several servers on one database --------------------------------------------------------------


@dataclass
class Cluster:
    """Servers sharing one PostgreSQL database and one broker, and an admin's API token."""

    database_url: str
    broker_url: str
    token: str
    servers: list[Server]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def create_blog(self, server: Server, slug: str) -> int:
        """Create a blog through ``server``'s API; its head (the newest event number)."""
        reply = server.request(
            "POST", "/api/v1/blogs", body={"slug": slug, "title": "Sturmflut"}, headers=self.auth
        )
        assert reply.status == 201, reply.body
        version: int = reply.json()["version"]
        return version

    def post_entry(self, server: Server, slug: str, body: str) -> tuple[dict[str, Any], float]:
        """Post an entry through ``server``; the entry and the ``perf_counter()`` just before."""
        started = time.perf_counter()
        reply = server.request(
            "POST", f"/api/v1/blogs/{slug}/entries", body={"body": body}, headers=self.auth
        )
        assert reply.status == 201, reply.body
        entry: dict[str, Any] = reply.json()
        return entry, started

    def head(self, slug: str) -> int:
        reply = self.servers[0].request("GET", f"/api/v1/blogs/{slug}")
        assert reply.status == 200, reply.body
        version: int = reply.json()["version"]
        return version

    def logs(self) -> str:
        return "\n".join(f"--- {s}\n{s.log()}" for s in self.servers)


@contextmanager
def cluster(
    database_url: str,
    broker_url: str,
    log_dir: Path,
    names: Iterable[str] = ("a", "b"),
    **settings: str | float,
) -> Iterator[Cluster]:
    """Migrate ``database_url`` once and create an admin with a token, then run one
    ``liveblog serve`` per name on it with ``broker_url`` (and further ``settings``).

    The schema is migrated first, so the servers start like new replicas of a running deployment
    (servers starting together on an unmigrated database have a test of their own:
    ``test_servers_started_together_on_a_fresh_database_all_come_up``).
    """
    env = server_env(database_url=database_url, broker_url=broker_url, **settings)
    token = prepare_database(database_url, f"admin-{uuid.uuid4().hex[:8]}@example.org")
    with running_servers(names, env, log_dir) as servers:
        yield Cluster(database_url, broker_url, token, servers)


@contextmanager
def postgres_redis_cluster(log_dir: Path) -> Iterator[Cluster]:
    """:func:`cluster` of two servers on a fresh PostgreSQL database with Redis as the broker;
    skips (saying how to enable them) when either server is missing."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    if not REDIS_URL:
        pytest.skip(REDIS_HINT)
    with fresh_postgres_database(POSTGRES_URL) as url, cluster(url, REDIS_URL, log_dir) as started:
        yield started
