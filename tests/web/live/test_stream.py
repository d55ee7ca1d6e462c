"""``GET /live/{slug}/events`` end to end, on a real server, through both delivery paths."""

from __future__ import annotations

import socket
import threading

import pytest

from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from tests.waiting import wait_until
from tests.web.live.conftest import Message, Served


def _readers(served: Served, count: int) -> None:
    """Wait until ``count`` readers are registered with the hub (after their head is written)."""
    hub = served.app.state.services.live.hub
    wait_until(lambda: hub.subscriber_count == count, what=f"{count} registered reader(s)")


def _blog(served: Served, slug: str = "storm") -> int:
    blog = served.actions.create_blog(served.admin, slug=slug, title="Storm", language="de")
    return blog.last_seq


def test_stream_headers_and_live_entry_with_html(served: Served) -> None:
    head = _blog(served)
    client = served.connect("/live/storm/events")
    try:
        assert client.status == 200
        assert client.response_headers["content-type"].startswith("text/event-stream")
        assert client.response_headers["cache-control"] == "no-cache"
        assert client.response_headers["x-accel-buffering"] == "no"
        assert client.response_headers["x-content-type-options"] == "nosniff"
        _readers(served, 1)
        entry = served.actions.create_entry(
            served.admin, "storm", body="Deich hält.", headline="Lage", key_event=True
        )
        [message] = client.messages(1)
        assert client.retry == 3000
        assert message.id == head + 1
        assert message.event == "entry.created"
        assert message.data["entry"]["id"] == entry.id
        assert f'id="entry-{entry.id}"' in message.data["html"]
        assert "<p>Deich hält.</p>" in message.data["html"]
        assert message.data["page"]["headline"] == "Storm\u00a0++ Lage\u00a0++"
        assert message.data["page"]["stand"] == "Stand: " + message.data["page"]["stand"][7:]
        assert message.data["page"]["version"] == head + 1
    finally:
        client.close()


def test_every_event_type_is_streamed_in_order(served: Served) -> None:
    _blog(served)
    client = served.connect("/live/storm/events")
    try:
        _readers(served, 1)
        a = served.actions
        entry = a.create_entry(served.admin, "storm", body="eins")
        a.update_entry(served.admin, "storm", entry.id, {"body": "zwei"}, if_match=1)
        a.update_entry(served.admin, "storm", entry.id, {"pinned": True}, if_match=2)
        a.update_entry(served.admin, "storm", entry.id, {"pinned": False}, if_match=3)
        a.delete_entry(served.admin, "storm", entry.id, if_match=4)
        a.update_blog(served.admin, "storm", {"summary": "Neu"})
        a.update_blog(served.admin, "storm", {"status": "closed"})
        got = client.messages(7)
        assert [m.event for m in got] == [
            "entry.created",
            "entry.updated",
            "entry.pinned",
            "entry.unpinned",
            "entry.deleted",
            "blog.updated",
            "blog.closed",
        ]
        assert [m.id for m in got] == list(range(2, 9))
        assert "html" not in got[4].data
        assert got[4].data["entry"]["id"] == entry.id
        assert got[6].data["page"]["closed"] is True
    finally:
        client.close()


def test_resume_replays_exactly_the_missed_events(served: Served) -> None:
    _blog(served)
    first = served.connect("/live/storm/events")
    try:
        _readers(served, 1)
        for i in range(3):
            served.actions.create_entry(served.admin, "storm", body=f"n{i}")
        seen = first.messages(3)
    finally:
        first.close()
    last = seen[-1].id
    assert last is not None
    for i in range(4):
        served.actions.create_entry(served.admin, "storm", body=f"missed {i}")
    for how in ({"Last-Event-ID": str(last)}, None):
        path = "/live/storm/events" + ("" if how else f"?last_event_id={last}")
        with served.app.state.services.db.read() as conn:
            head = blog_rows.version(conn, "storm") or 0
        again = served.connect(path, how)
        try:
            replayed = again.messages(head - last)
            assert [m.id for m in replayed] == list(range(last + 1, head + 1))
            served.actions.create_entry(served.admin, "storm", body="live again")
            served.actions.create_entry(served.admin, "storm", body="and again")
            # Nothing came twice: the next two messages are the two new events.
            assert [m.id for m in again.messages(2)] == [head + 1, head + 2]
        finally:
            again.close()


def test_unusable_or_future_last_event_id_starts_from_now_with_reset(served: Served) -> None:
    head = _blog(served)
    served.actions.create_entry(served.admin, "storm", body="eins")
    for value in ("abc", "-1", "99999", "1e3"):
        client = served.connect("/live/storm/events", {"Last-Event-ID": value})
        try:
            [reset] = client.messages(1)
            assert reset.event == "reset"
            assert reset.id == head + 1
            assert reset.data["seq"] == head + 1
        finally:
            client.close()


def test_too_far_behind_gets_reset(served: Served) -> None:
    _blog(served)
    for i in range(60):  # live_max_replay is 50 in this fixture
        served.actions.create_entry(served.admin, "storm", body=f"n{i}")
    client = served.connect("/live/storm/events?last_event_id=1")
    try:
        [reset] = client.messages(1)
        assert reset.event == "reset"
        assert reset.id == 61
    finally:
        client.close()


def test_unknown_blog_is_a_404_problem(served: Served) -> None:
    client = served.connect("/live/nope/events")
    try:
        assert client.status == 404
        assert client.response_headers["content-type"] == "application/problem+json"
        assert client.response_headers["x-content-type-options"] == "nosniff"
    finally:
        client.close()


def test_heartbeats_keep_idle_streams_alive(served: Served) -> None:
    _blog(served)
    client = served.connect("/live/storm/events")
    try:
        client.wait_for_comment()  # heartbeat every 0.5-1.0 s in this fixture
    finally:
        client.close()


COUNT = 180


def test_a_reader_that_never_reads_is_dropped_and_others_are_unaffected(served: Served) -> None:
    _blog(served)
    stuck = socket.create_connection(("127.0.0.1", served.port))
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(b"GET /live/storm/events HTTP/1.1\r\nHost: x\r\n\r\n")
    healthy = served.connect("/live/storm/events")
    try:
        _readers(served, 2)
        got: list[Message] = []
        reading = threading.Thread(target=lambda: got.extend(healthy.messages(COUNT, timeout=60)))
        reading.start()
        # ~18 KB of Markdown, ~55 KB per event with its HTML: ~10 MB in all, more than the
        # kernel's socket buffers can hide from the server's write buffer.
        body = "Lagebericht " * 1500
        for _ in range(COUNT):
            served.actions.create_entry(served.admin, "storm", body=body)
        reading.join(timeout=70)
        assert [m.id for m in got] == list(range(2, COUNT + 2))
        _readers(served, 1)
    finally:
        stuck.close()
        healthy.close()


def test_closed_connections_are_freed(served: Served) -> None:
    _blog(served)
    clients = [served.connect("/live/storm/events") for _ in range(5)]
    _readers(served, 5)
    for client in clients:
        client.close()
    served.actions.create_entry(served.admin, "storm", body="after close")
    _readers(served, 0)


def test_shutdown_closes_streams_gracefully(served: Served) -> None:
    _blog(served)
    client = served.connect("/live/storm/events")
    try:
        _readers(served, 1)
        served.server.should_exit = True
        with pytest.raises(ConnectionError):  # the stream ends, with no message on the way
            client.messages(1, timeout=8)
    finally:
        client.close()


def test_events_in_the_log_match_the_stream(served: Served) -> None:
    _blog(served)
    client = served.connect("/live/storm/events?last_event_id=0")
    try:
        served.actions.create_entry(served.admin, "storm", body="x")
        got = client.messages(2)
        with served.app.state.services.db.read() as conn:
            log = event_log.after(conn, 1, 0)
        assert [(m.id, m.event) for m in got] == [(e.seq, e.type.value) for e in log]
    finally:
        client.close()


def test_last_event_id_in_the_query_is_url_decoded(served: Served) -> None:
    _blog(served)
    for i in range(4):
        served.actions.create_entry(served.admin, "storm", body=f"n{i}")
    # %33 is "3", and the name may be encoded too; "+" is a space around the number.
    for query in ("last_event_id=%33", "last%5Fevent%5Fid=3", "x=1&last_event_id=+3+"):
        client = served.connect(f"/live/storm/events?{query}")
        try:
            replayed = client.messages(2)
            assert [(m.id, m.event) for m in replayed] == [
                (4, "entry.created"),
                (5, "entry.created"),
            ]
        finally:
            client.close()
