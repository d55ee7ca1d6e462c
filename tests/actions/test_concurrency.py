"""Every read-check-write of ``Actions`` is atomic, on SQLite and on PostgreSQL.

Threads call the real actions at the same moment (a barrier releases them together), each on a
connection of its own. On PostgreSQL (READ COMMITTED) an action that checks what it read
without holding a lock lets two writers pass the same check: two edits with one ``If-Match``
both succeed, or two pins both stay pinned. The actions lock the blog's row first, so writers of
one blog take turns and each sees what the one before it committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from liveblog.actions import Actions, Committed
from liveblog.domain.errors import Conflict, PreconditionFailed
from liveblog.domain.models import Blog, Entry, Event, EventType, User
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log
from liveblog.storage.database import Database

WRITERS = 6
ROUNDS = 5  # a lost update needs an unlucky interleaving; several rounds make one near-certain
SLUG = "sturm"


def _at_once(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(0..count-1)`` in threads released together; each one's result or exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as exc:  # handed to the test as the outcome
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is still running after 120 s"
    return results


def _pinned_ids(db: Database, blog_id: int) -> list[int]:
    with db.read() as conn:
        return entry_rows.pinned_ids(conn, blog_id)


class Recorder:
    """The events that commit listeners hear, as written (the log may rewrite earlier payloads
    of an entry later), in the order of their numbers."""

    def __init__(self, actions: Actions) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []
        actions.on_commit(self._heard)

    def _heard(self, note: Committed) -> None:
        with self._lock:
            self._events.extend(note.events)

    def events(self) -> list[Event]:
        with self._lock:
            return sorted(self._events, key=lambda e: e.seq)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


def _pins_after_each_event(events: list[Event]) -> list[set[int]]:
    """The set of pinned entries after each event, replayed in order."""
    pinned: set[int] = set()
    states = []
    for event in events:
        entry = event.payload.get("entry")
        if entry is not None:
            if event.type is EventType.ENTRY_PINNED or (
                event.type is EventType.ENTRY_CREATED and entry["pinned"]
            ):
                pinned.add(entry["id"])
            elif event.type in (EventType.ENTRY_UNPINNED, EventType.ENTRY_DELETED):
                pinned.discard(entry["id"])
        states.append(set(pinned))
    return states


def _logged(db: Database, blog_id: int) -> list[tuple[int, EventType]]:
    with db.read() as conn:
        return [(e.seq, e.type) for e in event_log.after(conn, blog_id, 0, limit=10_000)]


def test_concurrent_edits_with_one_if_match_let_exactly_one_through(
    db: Database, admin: User
) -> None:
    actions = Actions(db)
    heard = Recorder(actions)
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    for round_ in range(ROUNDS):
        entry = actions.create_entry(admin, SLUG, body=f"Runde {round_}: Pegel steigt.")

        def edit(i: int, entry_id: int = entry.id) -> Entry:
            return actions.update_entry(admin, SLUG, entry_id, {"body": f"Fassung {i}"}, if_match=1)

        outcomes = _at_once(WRITERS, edit)
        won = [o for o in outcomes if isinstance(o, Entry)]
        lost = [o for o in outcomes if isinstance(o, PreconditionFailed)]
        assert len(won) == 1, outcomes
        assert len(lost) == WRITERS - 1, outcomes
        assert all(o.current_version == 2 for o in lost)
        with db.read() as conn:
            stored = entry_rows.get(conn, entry.blog_id, entry.id)
        assert stored is not None
        assert (stored.version, stored.body) == (2, won[0].body)
        edits = [
            e
            for e in heard.events()
            if e.type is EventType.ENTRY_UPDATED and e.payload["entry"]["id"] == entry.id
        ]
        assert [(e.payload["entry"]["body"], e.payload["entry"]["version"]) for e in edits] == [
            (won[0].body, 2)
        ]
    assert [(e.seq, e.type) for e in heard.events()] == _logged(db, entry.blog_id)


@pytest.mark.parametrize("how", ["update", "create"])
def test_concurrent_pins_leave_at_most_one_pinned_entry(
    db: Database, admin: User, how: str
) -> None:
    actions = Actions(db)
    heard = Recorder(actions)
    blog = actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    for round_ in range(ROUNDS):
        entries = [
            actions.create_entry(admin, SLUG, body=f"Runde {round_}, Meldung {i}") for i in range(4)
        ]

        def pin(i: int, entries: list[Entry] = entries, round_: int = round_) -> Entry:
            if how == "create":
                return actions.create_entry(
                    admin, SLUG, body=f"Runde {round_}: angeheftet {i}", pinned=True
                )
            return actions.update_entry(admin, SLUG, entries[i].id, {"pinned": True}, if_match=1)

        outcomes = _at_once(len(entries), pin)
        assert all(isinstance(o, Entry) for o in outcomes), outcomes
        pinned = _pinned_ids(db, blog.id)
        assert len(pinned) == 1, f"round {round_}: pinned {pinned}"
        states = _pins_after_each_event(heard.events())
        assert all(len(s) <= 1 for s in states), states
        assert states[-1] == set(pinned)  # every pin and unpin has its event
    assert [(e.seq, e.type) for e in heard.events()] == _logged(db, blog.id)


def test_no_entry_is_posted_to_a_blog_after_it_closed(db: Database, admin: User) -> None:
    """Posting checks that the blog is open; closing it at the same moment must not slip an
    entry in after ``blog.closed``."""
    actions = Actions(db)
    heard = Recorder(actions)
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    for round_ in range(ROUNDS):

        def close_or_post(i: int, round_: int = round_) -> object:
            if i == 0:
                return actions.update_blog(admin, SLUG, {"status": "closed"})
            return actions.create_entry(admin, SLUG, body=f"Runde {round_}, Meldung {i}")

        outcomes = _at_once(WRITERS, close_or_post)
        assert all(isinstance(o, Entry | Blog | Conflict) for o in outcomes), outcomes
        types = [e.type for e in heard.events()]
        closed = types.index(EventType.BLOG_CLOSED)
        assert EventType.ENTRY_CREATED not in types[closed:], types
        posted = [o for o in outcomes if isinstance(o, Entry)]
        assert types.count(EventType.ENTRY_CREATED) == len(posted)
        actions.update_blog(admin, SLUG, {"status": "open"})
        heard.clear()
