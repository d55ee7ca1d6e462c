"""Frames encoded at commit time are the frames the log gives back later; an event that cannot
be encoded becomes a placeholder with its number, and the events after it still come."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import update

from liveblog.actions import Actions, Committed
from liveblog.domain.models import User
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import events
from liveblog.web.live_frames import LogFrames, read_events, skipped_frame


def test_frames_from_a_commit_equal_frames_read_back_from_the_log(
    db: Database, actions: Actions, admin: User
) -> None:
    source = LogFrames(db)
    pairs = []

    def compare(note: Committed) -> None:
        # Each commit's frames, encoded from what the commit wrote, against the same events
        # read back from the log right after it (the page state is the blog's newest in both).
        first = note.events[0].seq
        pairs.append(
            (
                source.frames_for(note.blog_id, note.events),
                source.frames_after(note.blog_id, first - 1, len(note.events)),
            )
        )

    actions.on_commit(compare)
    actions.create_blog(admin, slug="flut", title="Flut", language="de")
    entry = actions.create_entry(admin, "flut", body="Pegel *steigt*.", headline="Pegel")
    actions.update_entry(admin, "flut", entry.id, {"pinned": True}, if_match=1)
    other = actions.create_entry(admin, "flut", body="Deich hält.", pinned=True)  # unpins
    actions.delete_entry(admin, "flut", other.id, if_match=1)
    actions.update_entry(admin, "flut", entry.id, {"body": "Pegel fällt."}, if_match=3)
    actions.update_blog(admin, "flut", {"summary": "Neu"})
    from_commits = [f for frames, _ in pairs for f in frames]
    from_log = [f for _, frames in pairs for f in frames]
    assert [f.seq for f in from_commits] == [f.seq for f in from_log] == list(range(1, 9))
    assert from_commits == from_log
    # Which frames make the entry's earlier frames obsolete (the hub drops those from memory).
    assert [(f.entry_id, f.supersedes) for f in from_log] == [
        (None, False),
        (entry.id, False),
        (entry.id, False),  # pinned
        (entry.id, False),  # unpinned
        (other.id, False),
        (other.id, True),
        (entry.id, True),
        (None, False),
    ]


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
