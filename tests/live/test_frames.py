"""Frames encoded at commit time are the frames the log gives back later."""

from __future__ import annotations

from liveblog.actions import Actions, Committed
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web.live_frames import LogFrames


def test_frames_from_a_commit_equal_frames_read_back_from_the_log(
    db: Database, actions: Actions, admin: User
) -> None:
    heard: list[Committed] = []
    actions.on_commit(heard.append)
    blog = actions.create_blog(admin, slug="flut", title="Flut", language="de")
    entry = actions.create_entry(admin, "flut", body="Pegel *steigt*.", headline="Pegel")
    actions.update_entry(admin, "flut", entry.id, {"pinned": True}, if_match=1)
    other = actions.create_entry(admin, "flut", body="Deich hält.", pinned=True)  # unpins
    actions.delete_entry(admin, "flut", other.id, if_match=1)
    actions.update_blog(admin, "flut", {"summary": "Neu"})
    source = LogFrames(db)
    # Each commit's frames, encoded from what the commit wrote, against the same events read
    # back from the log at the same point (the page state is the blog's newest in both).
    from_commits = [f for note in heard for f in source.frames_for(blog.id, note.events)]
    from_log = source.frames_after(blog.id, 0, 100)
    assert [f.seq for f in from_commits] == [f.seq for f in from_log] == list(range(1, 8))
    assert from_commits == from_log
