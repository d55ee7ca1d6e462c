"""The hub on the real event log (``LogFrames`` on SQLite and PostgreSQL): an event that cannot
be encoded does not stop delivery, replays or heartbeats, and frames kept in memory never replay
an entry's text after it was edited or deleted."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from liveblog.actions import Actions, Committed
from liveblog.domain.models import EventType, User
from liveblog.pubsub.broker import WakeUp
from liveblog.pubsub.hub import ProcessHub
from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from liveblog.storage.database import Database
from liveblog.web.live.frames import LogFrames
from liveblog.web.live.sse import HEARTBEAT
from tests.web.live.readers import RecordingReader


async def _inline(fn: Any, *args: Any) -> Any:
    await asyncio.sleep(0)  # let other tasks run, as a thread hop would
    return fn(*args)


def _hub(db: Database) -> ProcessHub:
    return ProcessHub(LogFrames(db), run_sync=_inline, heartbeat_range=(3600, 3600))


async def _settle(hub: ProcessHub) -> None:
    for _ in range(50):
        await asyncio.sleep(0)
    while hub._tasks:
        await asyncio.gather(*list(hub._tasks))


def _bad_event(db: Database, blog_id: int) -> int:
    """An event no code can encode (an entry payload without its fields), as a row from a newer
    version or a damaged database would be."""
    now = datetime(2023, 10, 12, 4, 0, tzinfo=UTC)
    with db.write() as conn:
        seq = blog_rows.next_seq(conn, blog_id, now)
        event_log.record(conn, blog_id, seq, EventType.ENTRY_CREATED, {"entry": {"id": 99}}, now)
    return seq


def test_an_event_that_cannot_be_encoded_is_skipped_and_delivery_goes_on(
    db: Database, actions: Actions, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    blog = actions.create_blog(admin, slug="kaputt", title="Kaputt")
    actions.create_entry(admin, "kaputt", body="Vorher.")

    async def scenario() -> None:
        hub = _hub(db)
        live = RecordingReader()
        assert await hub.subscribe(blog.id, live, None)
        bad = _bad_event(db, blog.id)
        after = actions.create_entry(admin, "kaputt", body="Nachher.")
        hub.wake(WakeUp(blog.id, bad + 1))
        await _settle(hub)
        # The reader gets the placeholder (its Last-Event-ID moves past it) and what follows.
        placeholder = f"id: {bad}\n: event {bad} could not be encoded\n\n".encode()
        assert placeholder in live.data
        assert live.events() == [(bad + 1, "entry.created")]
        assert f"entry-{after.id}".encode() in live.data
        assert hub.blogs[blog.id].head == bad + 1
        # Heartbeats still reach it.
        for hub_blog in hub.heartbeats_due(float("inf")):
            hub_blog.heartbeat()
        assert live.data.endswith(HEARTBEAT)
        # Replays across the bad event finish: from memory, and from the log.
        for from_log in (False, True):
            if from_log:
                hub.blogs[blog.id].ring.clear()
            late = RecordingReader()
            assert await hub.subscribe(blog.id, late, 0)
            assert [s for s, _ in late.events()] == [1, 2, bad + 1]
            assert placeholder in late.data
        await hub.stop()

    with caplog.at_level(logging.ERROR, logger="liveblog.live"):
        asyncio.run(scenario())
    assert f"event 3 of blog {blog.id} cannot be encoded" in caplog.text


def test_frames_in_memory_never_replay_edited_or_deleted_text(
    db: Database, actions: Actions, admin: User
) -> None:
    blog = actions.create_blog(admin, slug="recht", title="Recht")

    async def scenario() -> None:
        hub = _hub(db)
        source = LogFrames(db)

        def deliver(note: Committed) -> None:  # what Live.notify does, on the loop
            hub.deliver(note.blog_id, source.frames_for(note.blog_id, note.events))

        actions.on_commit(deliver)
        live = RecordingReader()
        assert await hub.subscribe(blog.id, live, None)  # from now on frames stay in memory
        actions.create_entry(admin, "recht", body="Bleibt.", headline="Bleibt")
        entry = actions.create_entry(admin, "recht", body="Erster Entwurf.", headline="Falsch")
        actions.create_entry(admin, "recht", body="Danach.", pinned=True)
        actions.update_entry(
            admin, "recht", entry.id, {"body": "Zweiter Entwurf.", "headline": "Neu"}, if_match=1
        )
        edited = hub.blogs[blog.id]
        assert [f.seq for f in edited.ring] == [4, 5]  # up to the entry's older frame: gone
        actions.delete_entry(admin, "recht", entry.id, if_match=2)
        actions.create_entry(admin, "recht", body="Neu.")
        await _settle(hub)
        ring = hub.blogs[blog.id].ring
        assert [f.seq for f in ring] == [6, 7]
        assert [s for s, _ in live.events()] == [2, 3, 4, 5, 6, 7]
        for after in (0, 1, 4):
            late = RecordingReader()
            assert await hub.subscribe(blog.id, late, after)
            assert [s for s, _ in late.events()] == list(range(after + 1, 8))
            replayed = bytes(late.data).decode()
            for gone in ("Erster Entwurf", "Falsch", "Zweiter Entwurf", '"headline":"Neu"'):
                assert gone not in replayed, (after, gone)
            assert ("Bleibt." in replayed) is (after < 2)
        await hub.stop()

    asyncio.run(scenario())
