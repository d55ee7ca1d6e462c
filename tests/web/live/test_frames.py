"""Frames encoded at commit time are the frames the log gives back; an event that cannot
be encoded becomes a placeholder with its number, and the events after it still come."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from sqlalchemy import update

from liveblog.actions import Actions, Committed
from liveblog.domain.models import User
from liveblog.pubsub.hub import Frame, ProcessHub
from liveblog.pubsub.memory import MemoryBroker
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import events
from liveblog.web.live.delivery import Live
from liveblog.web.live.frames import LogFrames, read_events, skipped_frame
from tests.waiting import wait_until_async
from tests.web.live.readers import RecordingReader


@pytest.mark.parametrize("in_transaction", [True, False], ids=["prepared", "after commit"])
def test_frames_a_commit_hands_the_hub_equal_frames_read_back_from_the_log(
    db: Database, actions: Actions, admin: User, in_transaction: bool
) -> None:
    """The production path: ``Live.prepare`` encodes an entry write's events in its
    transaction (``LogFrames.frames_in``, from the rows just written), ``Live.notify`` (a commit
    listener, called in the writing thread) encodes the others after the commit
    (``LogFrames.frames_for``; all of them without ``prepare``), and hands them to the hub, which
    writes them to its readers without reading the log. Those frames must be the ones a replay
    of the same events gives (read back at the same commit, so the page state is the same)."""
    source = LogFrames(db)
    read_back: list[Frame] = []

    def read_back_after(note: Committed) -> None:  # runs right after Live.notify
        first = note.events[0].seq
        read_back.extend(source.frames_after(note.blog_id, first - 1, len(note.events)))

    def write() -> int:
        entry = actions.create_entry(admin, "flut", body="Pegel *steigt*.", headline="Pegel")
        actions.update_entry(admin, "flut", entry.id, {"pinned": True}, if_match=1)
        other = actions.create_entry(admin, "flut", body="Deich hält.", pinned=True)  # unpins
        actions.delete_entry(admin, "flut", other.id, if_match=1)
        actions.update_entry(admin, "flut", entry.id, {"body": "Pegel fällt."}, if_match=3)
        actions.update_blog(admin, "flut", {"summary": "Neu"})
        return entry.id

    async def scenario() -> None:
        hub = ProcessHub(source, heartbeat_range=(3600, 3600))
        live = Live(db, MemoryBroker(), source, hub)
        delivered: list[Frame] = []
        deliver = hub.deliver

        def recording_deliver(blog_id: int, frames: list[Frame]) -> None:
            delivered.extend(frames)
            deliver(blog_id, frames)

        hub.deliver = recording_deliver  # type: ignore[method-assign]
        await live.start()
        try:
            blog = actions.create_blog(admin, slug="flut", title="Flut", language="de")
            actions.on_commit(live.notify, prepare=live.prepare if in_transaction else None)
            actions.on_commit(read_back_after)
            reader = RecordingReader()
            assert await hub.subscribe(blog.id, reader, None)
            entry_id = await asyncio.to_thread(write)
            await wait_until_async(lambda: len(reader.events()) == 7, what="seven events")
        finally:
            await live.stop()
        assert [f.seq for f in delivered] == [f.seq for f in read_back] == list(range(2, 9))
        assert delivered == read_back
        assert bytes(reader.data) == b"".join(f.data for f in delivered)
        assert [type_ for _, type_ in reader.events()] == [
            "entry.created",
            "entry.pinned",
            "entry.unpinned",
            "entry.created",
            "entry.deleted",
            "entry.updated",
            "blog.updated",
        ]
        assert b"<em>steigt</em>" in delivered[0].data
        # Which frames make the entry's earlier frames obsolete (the hub drops those from memory).
        other_id = delivered[3].entry_id
        assert [(f.entry_id, f.supersedes) for f in delivered] == [
            (entry_id, False),
            (entry_id, False),  # pinned
            (entry_id, False),  # unpinned
            (other_id, False),
            (other_id, True),
            (entry_id, True),
            (None, False),
        ]

    asyncio.run(scenario())


def test_an_event_that_cannot_be_encoded_becomes_a_placeholder(
    db: Database, actions: Actions, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    blog = actions.create_blog(admin, slug="kaputt", title="Kaputt")
    actions.create_entry(admin, "kaputt", body="Vorher.")
    actions.create_entry(admin, "kaputt", body="Kaputt.")
    actions.create_entry(admin, "kaputt", body="Nachher.")
    with db.write() as conn:  # a row no code can show (e.g. written by a newer version)
        conn.execute(
            update(events)
            .where(events.c.blog_id == blog.id, events.c.seq == 3)
            .values(payload={"entry": {"id": 2}})
        )
    with caplog.at_level(logging.ERROR, logger="liveblog.live"):
        frames = LogFrames(db).frames_after(blog.id, 0, 10)
    assert [f.seq for f in frames] == [1, 2, 3, 4]
    assert frames[2] == skipped_frame(3)
    assert frames[2].data == b"id: 3\n: event 3 could not be encoded\n\n"
    assert b"Nachher." in frames[3].data
    assert "event 3 of blog" in caplog.text
    with db.read() as conn:
        blog_row = blog_rows.by_id(conn, blog.id)
        assert blog_row is not None
        polled = read_events(conn, blog_row, 0, 10)
    assert [e["seq"] for e in polled] == [1, 2, 3, 4]
    assert polled[2] == {"seq": 3, "type": "skipped"}
    assert json.dumps(polled)  # the poll answer can be written
