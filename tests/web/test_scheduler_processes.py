"""The scheduler in real server processes on PostgreSQL: a scheduled entry is published within a
second of its time and exactly once, however many processes race for it, and one whose time
passed while no server ran is published as soon as a server starts.

Two ``liveblog serve`` processes on one database (LISTEN/NOTIFY as the broker) run their
schedulers with the default interval. Entries scheduled for the same moment through either
process reach the event streams of both within a second of it, each with one ``entry.created``
event, one audit record of it, and event numbers without gaps or repeats. The latencies are
printed (``pytest -s``). Also here, without processes: a closed blog's overdue entry (it waits
for the blog to reopen) leaves the scheduler at its pace.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import Actions
from liveblog.domain.models import Entry, EntryStatus, User
from liveblog.domain.serialize import rfc3339
from liveblog.storage import entries as entry_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import audit_log, blogs, events
from liveblog.web.scheduler import Scheduler
from tests.conftest import POSTGRES_HINT, POSTGRES_URL, FakeClock
from tests.waiting import wait_until as wait_for
from tests.web.live.processes import (
    Reader,
    Server,
    drain,
    fresh_postgres_database,
    open_readers,
    prepare_database,
    running_servers,
    server_env,
    wait_until,
)

BOUND = 1.0  # seconds from an entry's publish_at until readers have it: the docs' figure
AHEAD = 1.5  # seconds ahead the race's entries are scheduled
RACERS = 6  # entries scheduled for the same moment, half through each process
WAIT = 10.0  # seconds any expected event may take before the test gives up
EARLY = 0.05  # seconds the test's two clocks (wall and perf_counter) may disagree by


@contextmanager
def database() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh, migrated PostgreSQL database of this test's own and an admin's API headers."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    with fresh_postgres_database(POSTGRES_URL) as url:
        token = prepare_database(url, f"admin-{uuid.uuid4().hex[:8]}@example.org")
        yield url, {"Authorization": f"Bearer {token}"}


def env_for(url: str) -> dict[str, str]:
    return server_env(database_url=url, broker_url=url)


def create_blog(server: Server, auth: dict[str, str]) -> tuple[str, int]:
    slug = f"plan-{uuid.uuid4().hex[:8]}"
    reply = server.request(
        "POST", "/api/v1/blogs", body={"slug": slug, "title": "Zeitplan"}, headers=auth
    )
    assert reply.status == 201, reply.body
    return slug, int(reply.json()["version"])


def schedule(server: Server, auth: dict[str, str], slug: str, at: datetime, body: str) -> int:
    reply = server.request(
        "POST",
        f"/api/v1/blogs/{slug}/entries",
        body={"body": body, "publish_at": rfc3339(at)},
        headers=auth,
    )
    assert reply.status == 201, reply.body
    assert reply.json()["status"] == "scheduled"
    return int(reply.json()["id"])


def created_ids(reader: Reader) -> list[int]:
    return [e.data["entry"]["id"] for e in reader.events if e.event == "entry.created"]


def log_of(url: str, slug: str) -> tuple[list[tuple[int, str, int | None]], list[Any]]:
    """The blog's event log (seq, type, entry id) and its audit records (action, entry id)."""
    db = Database(url)
    try:
        with db.read() as conn:
            blog_id = conn.execute(select(blogs.c.id).where(blogs.c.slug == slug)).scalar_one()
            log = conn.execute(
                select(events.c.seq, events.c.type, events.c.entry_id)
                .where(events.c.blog_id == blog_id)
                .order_by(events.c.seq)
            ).all()
            audit = conn.execute(
                select(audit_log.c.action, audit_log.c.entry_id).where(
                    audit_log.c.blog_id == blog_id
                )
            ).all()
    finally:
        db.dispose()
    return [(int(s), str(t), e) for s, t, e in log], list(audit)


def status_of(url: str, slug: str, entry_id: int) -> EntryStatus:
    db = Database(url)
    try:
        with db.read() as conn:
            blog_id = conn.execute(select(blogs.c.id).where(blogs.c.slug == slug)).scalar_one()
            entry = entry_rows.get(conn, blog_id, entry_id)
    finally:
        db.dispose()
    assert entry is not None
    return entry.status


@pytest.mark.postgres
def test_entries_scheduled_for_one_moment_are_published_once_within_a_second(
    tmp_path: Path,
) -> None:
    with database() as (url, auth), running_servers(("a", "b"), env_for(url), tmp_path) as both:
        slug, head = create_blog(both[0], auth)
        specs = [(s.name, s.port, f"/live/{slug}/events?last_event_id={head}") for s in both]
        with open_readers(specs) as readers:
            at = datetime.now(UTC) + timedelta(seconds=AHEAD)
            wall_to_perf = time.perf_counter() - time.time()
            ids = [schedule(both[n % 2], auth, slug, at, f"Punkt {n}") for n in range(RACERS)]
            assert datetime.now(UTC) < at, "scheduling took longer than the time ahead"
            due = at.timestamp() + wall_to_perf  # publish_at on perf_counter's scale

            def all_arrived() -> bool:
                return all(len(created_ids(r)) >= RACERS for r in readers)

            wait_until(readers, all_arrived, AHEAD + WAIT, "the scheduled entries")
            drain(readers, 0.5)  # a second publication would arrive meanwhile
            for reader in readers:
                assert sorted(created_ids(reader)) == sorted(ids), str(reader)
                assert reader.ids == list(range(head + 1, head + RACERS + 1)), str(reader)
                for event in reader.events:
                    late = event.received - due
                    print(f"\n{reader.name}: entry {event.data['entry']['id']} after {late:.3f} s")
                    assert -EARLY <= late <= BOUND, (reader.name, event, late)

        for server in both:
            listed = server.request("GET", f"/api/v1/blogs/{slug}/entries?limit=50").json()
            assert sorted(e["id"] for e in listed["items"]) == sorted(ids)
            assert {datetime.fromisoformat(e["published_at"]) for e in listed["items"]} == {at}
        log, audit = log_of(url, slug)
        assert [seq for seq, _, _ in log] == list(range(1, head + RACERS + 1))
        once = Counter(ids)
        assert Counter(entry for _, type_, entry in log if type_ == "entry.created") == once
        assert Counter(entry for action, entry in audit if action == "entry.created") == once
        assert Counter(entry for action, entry in audit if action == "entry.scheduled") == once


@pytest.mark.postgres
def test_an_entry_due_while_no_server_ran_is_published_when_one_starts(tmp_path: Path) -> None:
    ahead = 3.0  # seconds: room to stop both servers before the entry is due
    with database() as (url, auth):
        env = env_for(url)
        (tmp_path / "before").mkdir()
        with running_servers(("a", "b"), env, tmp_path / "before") as both:
            slug, head = create_blog(both[0], auth)
            at = datetime.now(UTC) + timedelta(seconds=ahead)
            entry_id = schedule(both[1], auth, slug, at, "Nach dem Neustart")
        assert datetime.now(UTC) < at, "stopping the servers took longer than the time ahead"
        assert status_of(url, slug, entry_id) is EntryStatus.SCHEDULED
        wait_for(lambda: datetime.now(UTC) > at, ahead + 1, "the entry's time to pass")

        (tmp_path / "after").mkdir()
        with running_servers(("c",), env, tmp_path / "after") as (started,):
            ready = time.perf_counter()
            path = f"/api/v1/blogs/{slug}/entries/{entry_id}"
            wait_for(lambda: started.request("GET", path).status == 200, WAIT, "the publication")
            seconds = time.perf_counter() - ready
            print(f"\npublished {seconds * 1000:.0f} ms after the restarted server was ready")
            assert seconds <= BOUND
            entry = started.request("GET", path).json()
            assert datetime.fromisoformat(entry["published_at"]) == at
        log, _ = log_of(url, slug)
        assert log[head:] == [(head + 1, "entry.created", entry_id)]


def status(actions: Actions, entry: Entry) -> EntryStatus:
    with actions.db.read() as conn:
        found = entry_rows.get(conn, entry.blog_id, entry.id)
    assert found is not None
    return found.status


def test_a_closed_blogs_overdue_entry_leaves_the_scheduler_at_its_pace(
    actions: Actions, admin: User, clock: FakeClock
) -> None:
    actions.create_blog(admin, slug="zu", title="Geschlossen")
    actions.create_blog(admin, slug="offen", title="Offen")
    waiting = actions.create_entry(admin, "zu", body="Wartet", publish_at=clock.now + timedelta(1))
    actions.update_blog(admin, "zu", {"status": "closed"})
    scheduler = Scheduler(actions, 0.5)
    clock.advance(days=2)

    assert scheduler.step() == 0.5  # not woken again and again for the waiting entry
    later = clock.now + timedelta(seconds=0.2)
    soon = actions.create_entry(admin, "offen", body="Gleich", publish_at=later)
    assert scheduler.step() == pytest.approx(0.2)
    clock.advance(seconds=0.2)
    assert scheduler.step() == 0.5
    assert actions.next_due() is None
    assert (status(actions, soon), status(actions, waiting)) == (
        EntryStatus.PUBLISHED,
        EntryStatus.SCHEDULED,
    )

    actions.update_blog(admin, "zu", {"status": "open"})  # reopened: published at once
    assert [e.id for e in actions.publish_due()] == [waiting.id]
    assert scheduler.step() == 0.5
