"""RESTARTS THE REDIS SERVER on 127.0.0.1:6379 while live readers are connected.

Two real ``liveblog serve`` processes share one PostgreSQL database and the Redis broker; ten
readers hold event streams on them. Redis is shut down (``SHUTDOWN NOSAVE``) and started again
exactly as CI starts it. Writes must succeed while Redis is down (the database is the truth),
and in the end every reader must hold every event of the blog since it connected, exactly once
and in order. Readers of the process that did not take a write get it from the periodic
catch-up (``LIVEBLOG_LIVE_CATCH_UP_SECONDS``, 1 s here) while Redis is down, and through the
broker again once it has reconnected.

Redis is running again when the test ends, whatever happened. Other test runs using that Redis
meanwhile see it vanish for a few seconds. The test only runs when ``LIVEBLOG_TEST_REDIS_URL``
names ``redis://127.0.0.1:6379`` (a Redis found there with the variable unset is not enough) and
``redis-server`` and ``redis-cli`` are on PATH (CI); select it away with ``-k "not redis_restart"``.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.local_servers import EXPLICIT_REDIS_URL
from tests.web.live.processes import (
    REDIS_URL,
    Cluster,
    Reader,
    cluster,
    drain,
    fresh_postgres_database,
    is_local_default_redis,
    redis_answers,
    redis_subscribers,
    start_redis,
    stop_redis,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.restarts_redis]

CATCH_UP = 1.0  # LIVEBLOG_LIVE_CATCH_UP_SECONDS of the servers
WAIT = 15.0  # seconds any phase may take: catch-up ticks, broker backoff (<= 5 s), slack
PER_PHASE = 4  # entries written in each phase, alternating between the two servers


def _skip_reason() -> str | None:
    if not POSTGRES_URL:
        return POSTGRES_HINT
    if not is_local_default_redis(EXPLICIT_REDIS_URL):
        return (
            "Redis restart test skipped: it restarts the Redis server on 127.0.0.1:6379; set "
            "LIVEBLOG_TEST_REDIS_URL=redis://127.0.0.1:6379/0 to run it "
            f"(got {EXPLICIT_REDIS_URL or 'nothing'!r})"
        )
    missing = [tool for tool in ("redis-server", "redis-cli") if shutil.which(tool) is None]
    if missing:
        return f"Redis restart test skipped: {' and '.join(missing)} not on PATH"
    if not redis_answers():
        return "Redis restart test skipped: nothing answers on 127.0.0.1:6379"
    return None


@contextmanager
def _redis_running_afterwards() -> Iterator[None]:
    """Whatever happens inside, Redis answers again on exit (started the way CI does)."""
    try:
        yield
    finally:
        start_redis()


class Readers:
    """Live readers on the servers, each with the event number it connected after."""

    def __init__(self, stack: ExitStack, servers: Cluster, slug: str) -> None:
        self.stack = stack
        self.servers = servers
        self.slug = slug
        self.all: list[Reader] = []
        self.after: dict[str, int] = {}
        self.server_of: dict[str, str] = {}

    def connect(self, per_server: int, after: int, *, header: bool) -> None:
        """``per_server`` more readers on each server, resuming after ``after`` (sent as
        ``Last-Event-ID`` or as ``?last_event_id=``), so each one's expected events are exact."""
        for server in self.servers.servers:
            for _ in range(per_server):
                name = f"{server.name}{len(self.all)}"
                path = f"/live/{self.slug}/events"
                if header:
                    reader = Reader.open(name, server.port, path, {"Last-Event-ID": str(after)})
                else:
                    reader = Reader.open(name, server.port, f"{path}?last_event_id={after}")
                self.stack.callback(reader.close)
                self.all.append(reader)
                self.after[name] = after
                self.server_of[name] = server.name

    def wait_for(self, head: int, what: str) -> float:
        """Until every reader has received events up to ``head``; the seconds it took."""

        def done() -> bool:
            return all(r.events and r.events[-1].id == head for r in self.all) or any(
                r.events and (r.events[-1].id or 0) > head for r in self.all
            )

        return wait_until(self.all, done, WAIT, what)

    def cross_latency(self, posted: list[Posted]) -> float:
        """The longest time from a POST to its event on a reader of the other server."""
        longest = 0.0
        for reader in self.all:
            received = {e.data["entry"]["id"]: e.received for e in reader.events}
            for server, entry_id, started in posted:
                if server != self.server_of[reader.name]:
                    longest = max(longest, received[entry_id] - started)
        return longest

    def check(self, head: int) -> None:
        for reader in self.all:
            expected = list(range(self.after[reader.name] + 1, head + 1))
            assert reader.ids == expected, f"{reader} (expected {expected})"
            assert not reader.ended, reader
            assert all(e.event == "entry.created" for e in reader.events), reader


Posted = tuple[str, int, float]
"""An entry posted: the server's name, the entry's id, ``perf_counter()`` before the POST."""


def _write(servers: Cluster, slug: str, phase: str) -> tuple[int, float, list[Posted]]:
    """Post ``PER_PHASE`` entries alternating between the servers; the new head, the slowest
    POST in seconds and what was posted."""
    slowest = 0.0
    posted: list[Posted] = []
    for i in range(PER_PHASE):
        server = servers.servers[i % 2]
        entry, started = servers.post_entry(server, slug, f"{phase} {i}: Pegel steigt.")
        slowest = max(slowest, time.perf_counter() - started)
        posted.append((server.name, entry["id"], started))
    return servers.head(slug), slowest, posted


def test_redis_restart_with_connected_readers_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    report: list[str] = []
    with (
        _redis_running_afterwards(),
        fresh_postgres_database(POSTGRES_URL) as database_url,
        cluster(database_url, REDIS_URL, tmp_path, live_catch_up_seconds=CATCH_UP) as servers,
        ExitStack() as stack,
    ):
        slug = f"flut-{uuid.uuid4().hex[:10]}"
        head = servers.create_blog(servers.servers[0], slug)
        readers = Readers(stack, servers, slug)
        readers.connect(3, head, header=False)

        head, _, posted = _write(servers, slug, "before")
        readers.wait_for(head, "the entries written before the restart")
        latency = readers.cross_latency(posted)
        report.append(f"before the restart: cross-process latency at most {latency:.3f}s")
        readers.connect(2, head, header=True)  # joined late, resuming after the current head

        stop_redis()
        down_at = time.perf_counter()
        head, slowest, posted = _write(servers, slug, "outage")
        report.append(f"Redis down: {PER_PHASE} POSTs succeeded, slowest {slowest:.3f}s")
        readers.wait_for(head, "the entries written while Redis was down")
        latency = readers.cross_latency(posted)
        report.append(f"Redis down: cross-process latency (catch-up) at most {latency:.3f}s")
        assert slowest < 2.0, "a write waited for the broker"

        start_redis()
        up_at = time.perf_counter()
        report.append(f"Redis was down for {up_at - down_at:.2f}s")
        deadline = up_at + WAIT
        while redis_subscribers() < 2:
            assert time.perf_counter() < deadline, "the brokers did not subscribe again"
            time.sleep(0.05)
        report.append(
            f"both brokers subscribed again {time.perf_counter() - up_at:.2f}s after the restart"
        )

        head, _, posted = _write(servers, slug, "after")
        readers.wait_for(head, "the entries written after the restart")
        latency = readers.cross_latency(posted)
        report.append(f"after the restart: cross-process latency at most {latency:.3f}s")

        drain(readers.all, CATCH_UP + 0.5)  # a duplicate from a late catch-up would show now
        readers.check(head)
        polled = servers.servers[1].request("GET", f"/api/v1/blogs/{slug}/events?after=0")
        assert polled.status == 200, polled.body
        log = [(e["seq"], e["entry"]["id"]) for e in polled.json()["events"][1:]]
        for reader in readers.all:
            got = [(e.id, e.data["entry"]["id"]) for e in reader.events]
            assert got == [x for x in log if x[0] > readers.after[reader.name]], reader
        print(f"\n{len(readers.all)} readers, final head {head}: " + "; ".join(report))
    assert redis_answers()
