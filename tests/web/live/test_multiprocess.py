"""Several real ``liveblog serve`` processes on one PostgreSQL database.

With the Redis and with the PostgreSQL broker: an entry written through one process reaches the
live readers of the other within a second; edits and deletes arrive in order; a reader moving
to the other process resumes without gap or duplicate; concurrent writers on both processes
reach every reader exactly once and in order. The servers check the event log for missed
wake-ups only every ten minutes here (``LIVEBLOG_LIVE_CATCH_UP_SECONDS``), so anything that
arrives in time came through the broker. Readers are raw sockets (:mod:`tests.web.live.processes`).

Two tests pin down races between processes: servers started together on an unmigrated
database, and a wake-up from another process arriving while a hub opens the blog.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import threading
import uuid
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from liveblog.actions import Actions
from liveblog.pubsub.broker import WakeUp
from liveblog.pubsub.hub import ProcessHub
from liveblog.pubsub.postgres import PostgresBroker
from liveblog.storage.database import Database
from liveblog.web.live.frames import LogFrames
from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.web.live.processes import (
    PASSWORD,
    REDIS_HINT,
    REDIS_URL,
    Cluster,
    Event,
    Reader,
    Server,
    cluster,
    drain,
    fresh_postgres_database,
    open_readers,
    running_servers,
    server_env,
    wait_until,
)
from tests.web.live.readers import RecordingReader

pytestmark = pytest.mark.postgres

NO_CATCH_UP = 600.0  # seconds: the periodic catch-up never runs during these tests
LATENCY = 1.0  # seconds an entry may take from the POST on one process to a reader of the other
WAIT = 10.0  # seconds any expected event may take before the test gives up


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module's servers."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    with fresh_postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="module", params=["redis", "postgres"])
def servers(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Servers ``a`` and ``b`` on the module's database, with the Redis or PostgreSQL broker."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip(REDIS_HINT)
        broker_url = REDIS_URL
    else:
        broker_url = database_url  # LISTEN/NOTIFY works within one database
    log_dir = tmp_path_factory.mktemp(f"servers-{request.param}")
    with cluster(database_url, broker_url, log_dir, live_catch_up_seconds=NO_CATCH_UP) as started:
        yield started


def _slug() -> str:
    return f"sturm-{uuid.uuid4().hex[:10]}"


def _reader(servers: Cluster, index: int, slug: str, after: int) -> tuple[str, int, str]:
    server = servers.servers[index]
    return server.name, server.port, f"/live/{slug}/events?last_event_id={after}"


def _event_for(reader: Reader, entry_id: int) -> Event | None:
    for event in reader.events:
        if event.event == "entry.created" and event.data["entry"]["id"] == entry_id:
            return event
    return None


def _has_entry(reader: Reader, entry_id: int) -> Callable[[], bool]:
    return lambda: _event_for(reader, entry_id) is not None


def _has_events(reader: Reader, count: int) -> Callable[[], bool]:
    return lambda: len(reader.events) >= count


def test_an_entry_posted_on_one_process_reaches_readers_of_the_other_within_a_second(
    servers: Cluster,
) -> None:
    a, b = servers.servers
    slug = _slug()
    head = servers.create_blog(a, slug)
    specs = [_reader(servers, 0, slug, head), _reader(servers, 1, slug, head)]
    with open_readers(specs) as (on_a, on_b):
        # A first entry makes sure both readers are registered with their hubs.
        first, _ = servers.post_entry(a, slug, "Der Deich hält.")
        wait_until(
            [on_a, on_b],
            lambda: all(_event_for(r, first["id"]) for r in (on_a, on_b)),
            WAIT,
            f"the first entry {first['id']} on both processes",
        )
        latencies: list[float] = []
        for i in range(6):
            writer, other = (a, on_b) if i % 2 == 0 else (b, on_a)
            body = f"Meldung {i}: Pegel **{500 + i}** cm."
            entry, started = servers.post_entry(writer, slug, body)
            wait_until(
                [on_a, on_b],
                _has_entry(other, entry["id"]),
                WAIT,
                f"entry {entry['id']} written on {writer.name}, read on {other.name}",
            )
            event = _event_for(other, entry["id"])
            assert event is not None
            latency = event.received - started
            latencies.append(latency)
            assert event.id == event.data["seq"]
            assert event.data["entry"]["body"] == body
            assert f'id="entry-{entry["id"]}"' in event.data["html"]
            assert f"<strong>{500 + i}</strong>" in event.data["html"]
            assert event.data["page"]["version"] == event.id
        print(
            f"\ncross-process latency ({servers.broker_url.split(':')[0]} broker): "
            f"median {statistics.median(latencies) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms, "
            f"all {[round(x * 1000, 1) for x in latencies]} ms"
        )
        assert max(latencies) < LATENCY, (latencies, servers.logs())
        final = servers.head(slug)
        wait_until(
            [on_a, on_b],
            lambda: all(len(r.events) >= final - head for r in (on_a, on_b)),
            WAIT,
            "the writers' own readers",
        )
        for reader in (on_a, on_b):
            assert reader.ids == list(range(head + 1, final + 1)), reader
            assert {e.event for e in reader.events} == {"entry.created"}


def test_edits_and_deletes_arrive_in_order_and_a_reader_can_move_to_the_other_process(
    servers: Cluster,
) -> None:
    a, b = servers.servers
    slug = _slug()
    head = servers.create_blog(b, slug)
    with open_readers([_reader(servers, 0, slug, head)]) as [on_a]:
        entry, _ = servers.post_entry(b, slug, "Erste Meldung.")
        path = f"/api/v1/blogs/{slug}/entries/{entry['id']}"
        etag = f'"{entry["id"]}-{entry["version"]}"'
        for change in ({"body": "Korrigierte Meldung."}, {"pinned": True}):
            patched = b.request(
                "PATCH", path, body=change, headers={**servers.auth, "If-Match": etag}
            )
            assert patched.status == 200, patched.body
            etag = patched.headers["etag"]
        deleted = b.request("DELETE", path, headers={**servers.auth, "If-Match": etag})
        assert deleted.status == 204, deleted.body
        final = servers.head(slug)
        assert final == head + 4
        wait_until([on_a], _has_events(on_a, 4), WAIT, "entry events from b on a")
        assert on_a.ids == [head + 1, head + 2, head + 3, head + 4], on_a
        assert [e.event for e in on_a.events] == [
            "entry.created",
            "entry.updated",
            "entry.pinned",
            "entry.deleted",
        ]
        assert all(e.data["entry"]["id"] == entry["id"] for e in on_a.events)
        assert "Korrigierte Meldung." in on_a.events[1].data["html"]
        assert "html" not in on_a.events[3].data
    seen = final
    # The reader has left process a; entries keep coming on both processes meanwhile.
    for i, server in enumerate((a, b, a)):
        servers.post_entry(server, slug, f"verpasst {i}")
    for how in ("header", "query"):
        head = servers.head(slug)
        headers = {"Last-Event-ID": str(seen)} if how == "header" else None
        stream = f"/live/{slug}/events" + ("" if how == "header" else f"?last_event_id={seen}")
        moved = Reader.open(f"moved-{how}", b.port, stream, headers)
        try:
            wait_until([moved], _has_events(moved, head - seen), WAIT, "the replay on b")
            assert moved.ids == list(range(seen + 1, head + 1)), moved
            live, _ = servers.post_entry(a, slug, f"live nach dem Umzug ({how})")
            wait_until([moved], _has_events(moved, head - seen + 1), WAIT, "live from a on b")
            assert moved.ids == list(range(seen + 1, head + 2)), moved
            assert moved.events[-1].data["entry"]["id"] == live["id"]
        finally:
            moved.close()


def test_servers_started_together_on_a_fresh_database_all_come_up(
    tmp_path: Path,
) -> None:
    """Several servers started at once on a database nobody migrated yet (a first deployment, or
    replicas rolled out together with a new migration) must all come up: ``liveblog serve``
    migrates on start, and concurrent migrations must not make one of them fail."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    for round_ in range(2):  # a race: without a lock, four servers lose it almost always
        with fresh_postgres_database(POSTGRES_URL) as url:
            env = server_env(database_url=url, broker_url="memory://")
            log_dir = tmp_path / f"round-{round_}"
            log_dir.mkdir()
            with running_servers(["a", "b", "c", "d"], env, log_dir) as started:
                for server in started:
                    assert server.request("GET", "/readyz").status == 200


def test_concurrent_writers_on_both_processes_reach_every_reader_once_and_in_order(
    servers: Cluster,
) -> None:
    a, b = servers.servers
    slug = _slug()
    head = servers.create_blog(a, slug)
    specs = [_reader(servers, i % 2, slug, head) for i in range(4)]
    per_writer = 8
    with open_readers(specs) as readers:
        failures: list[BaseException] = []

        def write(server: Server, name: str) -> None:
            try:
                for i in range(per_writer):
                    servers.post_entry(server, slug, f"{name} {i}")
            except BaseException as exc:  # reported by the test thread
                failures.append(exc)

        writers = [
            threading.Thread(target=write, args=(server, f"{server.name}{n}"))
            for server in (a, b)
            for n in range(2)
        ]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(WAIT)
        assert not failures, failures
        final = servers.head(slug)
        assert final == head + 4 * per_writer
        wait_until(
            readers,
            lambda: all(len(r.events) >= final - head for r in readers),
            WAIT,
            "every entry on every reader",
        )
        drain(readers, 0.3)
        for reader in readers:
            assert reader.ids == list(range(head + 1, final + 1)), reader
        bodies = [e.data["entry"]["body"] for e in readers[0].events]
        assert len(set(bodies)) == 4 * per_writer
        # Every process encodes an event the same, except ``page``: the page as of the newest
        # event when the hub read it (so never older than the event itself).
        assert all(_same(r, readers[0]) for r in readers)
        assert all(e.data["page"]["version"] >= (e.id or 0) for r in readers for e in r.events)


def _same(one: Reader, other: Reader) -> bool:
    """The same events: ids and data apart from ``page`` (and arrival times)."""

    def key(reader: Reader) -> list[tuple[int | None, dict[str, Any]]]:
        return [(e.id, {k: v for k, v in e.data.items() if k != "page"}) for e in reader.events]

    return key(one) == key(other)


def test_a_wake_up_that_arrives_while_the_hub_opens_the_blog_is_not_dropped(
    database_url: str,
) -> None:
    """Process B's first reader of a blog connects just as process A commits an entry: B's hub
    reads the blog's head (before A's commit is visible) while A's wake-up arrives through the
    broker. The entry must reach the reader at once, not only at the next catch-up
    (``LIVEBLOG_LIVE_CATCH_UP_SECONDS``, 10 s by default; never during this test)."""
    db = Database(database_url)
    actions = Actions(db)
    admin = actions.create_user(f"race-{uuid.uuid4().hex[:8]}@example.org", "admin", PASSWORD)
    blog = actions.create_blog(admin, slug=_slug(), title="Wettlauf")
    seqs: list[int] = []
    actions.on_commit(lambda committed: seqs.append(committed.seq))
    head_read = threading.Event()
    go_on = threading.Event()

    class Gated(LogFrames):
        """Process B's event log: the first ``heads`` read pauses right after reading."""

        def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
            found = super().heads(blog_ids)
            if not head_read.is_set():
                head_read.set()
                go_on.wait(WAIT)
            return found

    async def scenario() -> None:
        channel = f"liveblog_test_{uuid.uuid4().hex[:12]}"
        hub = ProcessHub(Gated(db), catch_up_seconds=NO_CATCH_UP, heartbeat_range=(3600, 3600))
        arrived = asyncio.Event()

        def on_wake_up(wake_up: WakeUp) -> None:
            hub.wake(wake_up)
            arrived.set()

        on_a = PostgresBroker(database_url, channel=channel)  # process A's broker
        on_b = PostgresBroker(database_url, channel=channel)  # process B's broker
        reader = RecordingReader()
        try:
            await on_a.start(lambda _: None, lambda: None)
            await on_b.start(on_wake_up, hub.catch_up)
            await hub.start()
            joining = asyncio.create_task(hub.subscribe(blog.id, reader, blog.last_seq))
            assert await asyncio.to_thread(head_read.wait, WAIT)
            await asyncio.to_thread(actions.create_entry, admin, blog.slug, body="Jetzt.")
            await on_a.publish(WakeUp(blog.id, seqs[-1]))
            async with asyncio.timeout(WAIT):
                await arrived.wait()
            go_on.set()
            assert await joining
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LATENCY):
                    while f"id: {seqs[-1]}\n".encode() not in reader.data:
                        reader.changed.clear()
                        await reader.changed.wait()
            assert f"id: {seqs[-1]}\n".encode() in reader.data, (
                f"event {seqs[-1]} did not reach the reader within {LATENCY}s; it got "
                f"{reader.data!r} (its hub dropped the wake-up while opening the blog)"
            )
        finally:
            go_on.set()
            await hub.stop()
            await on_a.stop()
            await on_b.stop()

    try:
        asyncio.run(scenario())
    finally:
        db.dispose()
