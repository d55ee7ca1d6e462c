"""The event log: one event per change, in the change's transaction, numbered gap-free per blog."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from liveblog.actions import Actions, Committed
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import EventType, User
from liveblog.storage import events as event_log
from liveblog.storage.database import Database
from liveblog.storage.tables import entries, events
from tests.conftest import FakeClock


def _seqs(db: Database, blog_id: int) -> list[int]:
    with db.read() as conn:
        return list(
            conn.execute(
                select(events.c.seq).where(events.c.blog_id == blog_id).order_by(events.c.seq)
            ).scalars()
        )


def test_every_change_appends_one_numbered_event(
    actions: Actions, admin: User, db: Database
) -> None:
    blog = actions.create_blog(admin, slug="night", title="Election night")
    entry = actions.create_entry(admin, "night", body="Polls close at 18:00.")
    actions.update_entry(admin, "night", entry.id, {"body": "Polls closed."}, if_match=1)
    actions.update_entry(admin, "night", entry.id, {"pinned": True}, if_match=2)
    actions.delete_entry(admin, "night", entry.id, if_match=3)
    actions.update_blog(admin, "night", {"status": "closed"})
    with db.read() as conn:
        log = event_log.after(conn, blog.id, 0)
    assert [e.type for e in log] == [
        EventType.BLOG_CREATED,
        EventType.ENTRY_CREATED,
        EventType.ENTRY_UPDATED,
        EventType.ENTRY_PINNED,
        EventType.ENTRY_DELETED,
        EventType.BLOG_CLOSED,
    ]
    assert [e.seq for e in log] == [1, 2, 3, 4, 5, 6]
    assert log[2].payload["entry"]["body"] == "Polls closed."
    assert log[2].payload["entry"]["body_html"] == "<p>Polls closed.</p>"
    assert log[4].payload["entry"] == {
        "id": entry.id,
        "version": 4,
        "deleted_at": log[4].payload["entry"]["deleted_at"],
    }
    assert log[5].payload["blog"]["status"] == "closed"
    assert log[5].payload["blog"]["version"] == 6


def test_sequence_numbers_are_per_blog(actions: Actions, admin: User, db: Database) -> None:
    a = actions.create_blog(admin, slug="a", title="A")
    b = actions.create_blog(admin, slug="b", title="B")
    for _ in range(3):
        actions.create_entry(admin, "a", body="x")
    actions.create_entry(admin, "b", body="y")
    assert _seqs(db, a.id) == [1, 2, 3, 4]
    assert _seqs(db, b.id) == [1, 2]


def test_listeners_hear_after_commit_only(actions: Actions, admin: User, db: Database) -> None:
    heard: list[Committed] = []
    seen_in_db: list[int] = []

    def listener(note: Committed) -> None:
        heard.append(note)
        # The change must already be visible to another connection when listeners run.
        seen_in_db.append(_seqs(db, note.blog_id)[-1])

    actions.on_commit(listener)
    actions.create_blog(admin, slug="live", title="Live")
    actions.create_entry(admin, "live", body="First.")
    with pytest.raises(InvalidInput):
        actions.create_entry(admin, "live", body="   ")
    assert [n.seq for n in heard] == [1, 2]
    assert seen_in_db == [1, 2]
    assert heard[1].events[0].type is EventType.ENTRY_CREATED


def test_pinning_unpins_the_previous_entry_in_the_same_transaction(
    actions: Actions, admin: User, db: Database
) -> None:
    blog = actions.create_blog(admin, slug="pins", title="Pins")
    first = actions.create_entry(admin, "pins", body="one", pinned=True)
    second = actions.create_entry(admin, "pins", body="two", pinned=True)
    with db.read() as conn:
        pinned = list(
            conn.execute(select(entries.c.id).where(entries.c.pinned.is_(True))).scalars()
        )
        log = event_log.after(conn, blog.id, 2)
    assert pinned == [second.id]
    assert [(e.type, e.payload["entry"]["id"]) for e in log] == [
        (EventType.ENTRY_UNPINNED, first.id),
        (EventType.ENTRY_CREATED, second.id),
    ]


@pytest.mark.parametrize("writers", [8])
def test_concurrent_writers_get_gap_free_increasing_numbers(
    db: Database, admin: User, clock: FakeClock, writers: int
) -> None:
    """Threads post to one blog at once; the log must be 1..N with no gap and no duplicate."""
    actions = Actions(db, clock=clock)
    blog = actions.create_blog(admin, slug="busy", title="Busy")
    clock.advance(hours=1)
    per_writer = 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                entry = actions.create_entry(admin, "busy", body=f"writer {n} entry {i}")
                if i % 5 == 0:
                    actions.update_entry(admin, "busy", entry.id, {"headline": f"w{n}"}, if_match=1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    expected = 1 + writers * per_writer + writers * 3
    assert _seqs(db, blog.id) == list(range(1, expected + 1))
    with db.read() as conn:
        log = event_log.after(conn, blog.id, 0, limit=10_000)
        last_seq = conn.execute(select(events.c.seq).order_by(events.c.seq.desc())).first()
    assert last_seq is not None
    assert last_seq[0] == expected
    created = [e for e in log if e.type is EventType.ENTRY_CREATED]
    assert len({e.payload["entry"]["id"] for e in created}) == writers * per_writer
    assert all(e.created_at - clock.now <= timedelta(0) for e in log)
