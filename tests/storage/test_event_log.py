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
from tests.conftest import FakeClock, Statements


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
    heard: list[Committed] = []
    actions.on_commit(heard.append)
    blog = actions.create_blog(admin, slug="night", title="Election night")
    entry = actions.create_entry(admin, "night", body="Polls close at 18:00.")
    actions.update_entry(admin, "night", entry.id, {"body": "Polls closed."}, if_match=1)
    actions.update_entry(admin, "night", entry.id, {"pinned": True}, if_match=2)
    actions.delete_entry(admin, "night", entry.id, if_match=3)
    actions.update_blog(admin, "night", {"status": "closed"})
    written = [e for note in heard for e in note.events]
    assert [e.type for e in written] == [
        EventType.BLOG_CREATED,
        EventType.ENTRY_CREATED,
        EventType.ENTRY_UPDATED,
        EventType.ENTRY_PINNED,
        EventType.ENTRY_DELETED,
        EventType.BLOG_CLOSED,
    ]
    assert written[2].payload["entry"]["body"] == "Polls closed."
    assert written[2].payload["entry"]["body_html"] == "<p>Polls closed.</p>"
    with db.read() as conn:
        log = event_log.after(conn, blog.id, 0)
    assert [e.seq for e in log] == [1, 2, 3, 4, 5, 6]
    # The deletion turned the entry's earlier events into tombstones too.
    assert [e.type for e in log[1:5]] == [EventType.ENTRY_DELETED] * 4
    assert [e.payload for e in log[1:5]] == [written[4].payload] * 4
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


def test_an_edit_rewrites_the_entrys_earlier_events_to_its_current_state(
    actions: Actions, admin: User, db: Database
) -> None:
    blog = actions.create_blog(admin, slug="edit", title="Edit")
    entry = actions.create_entry(admin, "edit", body="Tpyo in the body.", headline="Frist")
    other = actions.create_entry(admin, "edit", body="Another entry.")
    actions.update_entry(
        admin, "edit", entry.id, {"body": "Fixed.", "headline": "First"}, if_match=1
    )
    actions.update_entry(admin, "edit", entry.id, {"key_event": True}, if_match=2)
    with db.read() as conn:
        log = event_log.after(conn, blog.id, 0)
    # Numbers and types stay; every event of the entry carries it as it is now.
    assert [(e.seq, e.type) for e in log] == [
        (1, EventType.BLOG_CREATED),
        (2, EventType.ENTRY_CREATED),
        (3, EventType.ENTRY_CREATED),
        (4, EventType.ENTRY_UPDATED),
        (5, EventType.ENTRY_UPDATED),
    ]
    current = log[4].payload
    assert current["entry"]["version"] == 3
    assert current["entry"]["key_event"] is True
    assert log[1].payload == log[3].payload == current
    assert log[2].payload["entry"]["id"] == other.id  # other entries' events are untouched
    assert log[2].payload["entry"]["body"] == "Another entry."
    assert "Tpyo" not in repr([e.payload for e in log])
    assert "Frist" not in repr([e.payload for e in log])


def test_a_deletion_leaves_only_tombstones_of_the_entry(
    actions: Actions, admin: User, db: Database
) -> None:
    blog = actions.create_blog(admin, slug="gone", title="Gone")
    first = actions.create_entry(admin, "gone", body="Libellous claim.", pinned=True)
    actions.update_entry(admin, "gone", first.id, {"body": "Still libellous."}, if_match=1)
    second = actions.create_entry(admin, "gone", body="Harmless.", pinned=True)  # unpins first
    actions.delete_entry(admin, "gone", first.id, if_match=3)
    with db.read() as conn:
        log = event_log.after(conn, blog.id, 0)
        entry_ids = list(
            conn.execute(
                select(events.c.entry_id).where(events.c.blog_id == blog.id).order_by(events.c.seq)
            ).scalars()
        )
    assert entry_ids == [None, first.id, first.id, first.id, second.id, first.id]
    tombstone = log[-1].payload
    assert set(tombstone["entry"]) == {"id", "version", "deleted_at"}
    assert [
        (e.type, e.payload) for e in log if e.payload.get("entry", {}).get("id") == first.id
    ] == [(EventType.ENTRY_DELETED, tombstone)] * 4
    assert log[4].type is EventType.ENTRY_CREATED
    assert log[4].payload["entry"]["body"] == "Harmless."
    assert "libellous" not in repr([e.payload for e in log]).lower()


def test_a_new_entry_rewrites_nothing(
    actions: Actions, admin: User, db: Database, statements: Statements
) -> None:
    actions.create_blog(admin, slug="new", title="New")
    statements.clear()
    actions.create_entry(admin, "new", body="Fresh.")
    assert not [s for s in statements.sql if s.lstrip().upper().startswith("UPDATE EVENTS")]
