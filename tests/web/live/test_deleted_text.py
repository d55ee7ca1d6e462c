"""Issue 9: after an entry was edited and deleted, ``/live/{slug}/events?last_event_id=0``
replayed its original and edited text. Replays now carry the tombstone, from the log and from
the frames the server keeps in memory, on both delivery paths."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.web.live.conftest import Served
from tests.web.live.page_model import ARTICLE, applied
from tests.web.live.sse_reading import HOST


def hub_blog_id(served: Served) -> int:
    [blog_id] = served.app.state.services.live.hub.blogs
    assert isinstance(blog_id, int)
    return blog_id


GONE = ("Erster Entwurf", "Geheimer Name", "Zweiter Entwurf", "Anderer Name", "Alte Fassung")


def test_a_replay_from_0_carries_no_edited_or_deleted_text(served: Served) -> None:
    a, admin = served.actions, served.admin
    a.create_blog(admin, slug="recht", title="Recht", language="de")
    watcher = served.connect("/live/recht/events")  # keeps frames of what follows in memory
    try:
        hub = served.app.state.services.live.hub
        deadline = time.monotonic() + 5
        while hub.subscriber_count < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hub.subscriber_count == 1
        kept = a.create_entry(admin, "recht", body="Alte Fassung.", headline="Bleibt")
        doomed = a.create_entry(admin, "recht", body="Erster Entwurf.", headline="Geheimer Name")
        changes = {"body": "Zweiter Entwurf.", "headline": "Anderer Name"}
        a.update_entry(admin, "recht", doomed.id, changes, if_match=1)
        a.update_entry(admin, "recht", kept.id, {"body": "Neue Fassung."}, if_match=1)
        a.delete_entry(admin, "recht", doomed.id, if_match=2)
        seen = watcher.messages(5)
        assert [m.id for m in seen] == [2, 3, 4, 5, 6]
        ring = hub.blogs[hub_blog_id(served)].ring
        assert [f.seq for f in ring] == [5, 6]  # frames with the entry's old text: dropped
    finally:
        watcher.close()
    for position in ("0", "1", "3"):
        replay = served.connect(f"/live/recht/events?last_event_id={position}")
        try:
            messages = replay.messages(6 - int(position))
        finally:
            replay.close()
        assert [m.id for m in messages] == list(range(int(position) + 1, 7))
        sent = json.dumps([m.data for m in messages], ensure_ascii=False)
        for gone in GONE:
            assert gone not in sent, (position, gone)
        if position == "0":
            assert [m.event for m in messages] == [
                "blog.created",
                "entry.created",
                "entry.deleted",
                "entry.deleted",
                "entry.updated",
                "entry.deleted",
            ]
            url = f"http://{HOST}:{served.port}/live/recht"
            with urllib.request.urlopen(url, timeout=5) as response:
                fresh = response.read().decode()
            assert applied([m.data for m in messages]) == ARTICLE.findall(fresh)
            assert "Neue Fassung." in fresh
