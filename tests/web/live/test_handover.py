"""What an event-stream connection costs after liveblog's protocol has handed it over."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveblog.config import Settings
from liveblog.web.live import sse
from liveblog.web.live.protocol import LiveHttpToolsProtocol
from liveblog.web.live.sse import MAX_BUFFER_BYTES, StreamProtocol
from tests.waiting import wait_until
from tests.web.live.conftest import Served, serve

COUNT = 200


@pytest.fixture
def handed_over(tmp_path: Path) -> Iterator[Served]:
    yield from serve(Settings(database_url=f"sqlite:///{tmp_path / 'live.db'}"), None)


def _blog_far_ahead(served: Served) -> None:
    """A blog whose COUNT entries a reader at event 1 must be replayed: ~55 KB per event with
    its HTML, ~11 MB in all, more than loopback's socket buffers can hide from the server's
    write buffer."""
    served.actions.create_blog(served.admin, slug="storm", title="Storm")
    body = "Lagebericht " * 1500
    for _ in range(COUNT):
        served.actions.create_entry(served.admin, "storm", body=body)


def _wait_for_readers(served: Served, count: int) -> None:
    hub = served.app.state.services.live.hub
    wait_until(lambda: hub.subscriber_count == count, what=f"{count} registered reader(s)")


def _recording(name: str, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Until the test ends, every call of ``StreamProtocol.<name>`` appends to the list returned
    whether the stream was live (registered with the hub) or still being replayed."""
    calls: list[bool] = []
    original = getattr(StreamProtocol, name)

    def record(self: StreamProtocol, *args: object) -> None:
        calls.append(self.live)
        original(self, *args)

    monkeypatch.setattr(StreamProtocol, name, record)
    return calls


def test_a_handed_over_stream_keeps_only_its_transport_and_a_small_protocol(
    handed_over: Served,
) -> None:
    served = handed_over
    served.actions.create_blog(served.admin, slug="storm", title="Storm")
    protocols: list[weakref.ref[LiveHttpToolsProtocol]] = []
    original = LiveHttpToolsProtocol.connection_made

    def remember(self: LiveHttpToolsProtocol, transport: asyncio.Transport) -> None:
        protocols.append(weakref.ref(self))
        original(self, transport)

    LiveHttpToolsProtocol.connection_made = remember  # type: ignore[assignment]
    try:
        clients = [served.connect("/live/storm/events") for _ in range(3)]
    finally:
        LiveHttpToolsProtocol.connection_made = original  # type: ignore[method-assign]
    try:
        _wait_for_readers(served, 3)
        hub = served.app.state.services.live.hub
        [blog] = hub.blogs.values()
        for transport in blog.subscribers:
            stream = transport.get_protocol()
            assert isinstance(stream, StreamProtocol)
            assert not hasattr(stream, "__dict__")
            assert transport.get_write_buffer_limits()[1] == MAX_BUFFER_BYTES
        # uvicorn keeps none of them among its connections, and the HTTP protocol objects
        # (parser, request state) are garbage.
        assert not any(
            isinstance(c, LiveHttpToolsProtocol) for c in served.server.server_state.connections
        )
        gc.collect()
        assert len(protocols) == 3
        assert all(ref() is None for ref in protocols)
        served.actions.create_entry(served.admin, "storm", body="Noch da.")
        for client in clients:
            [message] = client.messages(1)
            assert message.event == "entry.created"
    finally:
        for client in clients:
            client.close()


def test_a_long_replay_to_a_slow_reader_waits_for_it_instead_of_dropping_it(
    handed_over: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = handed_over
    _blog_far_ahead(served)
    pauses = _recording("pause_writing", monkeypatch)
    client = served.connect("/live/storm/events", {"Last-Event-ID": "1"})
    try:
        # Read nothing until the server's buffer has filled past its limit.
        wait_until(lambda: pauses, what="the replay to pause on a full buffer")
        replayed = client.messages(COUNT, timeout=60)
        assert [m.id for m in replayed] == list(range(2, COUNT + 2))
        assert pauses, "the replay should have filled the buffer and paused"
        assert not any(pauses), "the reader should not have joined before it drained"
        _wait_for_readers(served, 1)
        served.actions.create_entry(served.admin, "storm", body="live")
        [live] = client.messages(1)
        assert live.id == COUNT + 2
    finally:
        client.close()


def test_a_reader_that_stops_reading_during_its_replay_is_disconnected(
    handed_over: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = handed_over
    monkeypatch.setattr(sse, "DRAIN_SECONDS", 0.3)
    _blog_far_ahead(served)
    lost = _recording("connection_lost", monkeypatch)
    client = served.connect("/live/storm/events", {"Last-Event-ID": "1"})
    try:
        # Read nothing: the replay stalls, and the server gives up on it.
        wait_until(lambda: lost, what="the server to drop the stalled replay")
        assert lost == [False]
        with pytest.raises(ConnectionError):
            client.messages(COUNT, timeout=30)
        assert served.app.state.services.live.hub.subscriber_count == 0
    finally:
        client.close()


def test_shutdown_ends_a_replay_stalled_on_a_full_buffer_at_once(
    handed_over: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = handed_over
    _blog_far_ahead(served)
    pauses = _recording("pause_writing", monkeypatch)
    shutdowns = _recording("shutdown", monkeypatch)
    lost = _recording("connection_lost", monkeypatch)
    client = served.connect("/live/storm/events", {"Last-Event-ID": "1"})
    try:
        wait_until(lambda: pauses, what="the replay to wait for a full buffer to drain")
        served.server.should_exit = True
        # Still read nothing until uvicorn (which looks every 0.1 s) has begun to shut down:
        # reading would let the replay finish within milliseconds.
        wait_until(lambda: shutdowns, what="the server to shut the stream down")
        # The stalled replay ends at once, aborted by the server's shutdown, while the reader
        # still reads nothing (closing it after its buffer would wait forever).
        wait_until(lambda: lost, timeout=3, what="the stalled stream to be closed")
        assert shutdowns == [False]
        with pytest.raises(ConnectionError):
            client.messages(COUNT, timeout=30)
    finally:
        client.close()


def test_a_replay_that_fails_closes_the_handed_over_connection(
    handed_over: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ASGI server waits on a handed-over stream: if its replay fails (the database is
    gone, say), the connection must be closed, so the reader reconnects instead of waiting on a
    stream that will never carry anything."""
    served = handed_over
    served.actions.create_blog(served.admin, slug="storm", title="Storm")
    for number in range(3):
        served.actions.create_entry(served.admin, "storm", body=f"Meldung {number}")
    source = served.app.state.services.live.hub.source

    def unreachable(*args: object, **kwargs: object) -> list[object]:
        raise OSError("database unreachable")

    monkeypatch.setattr(source, "frames_after", unreachable)
    client = served.connect("/live/storm/events", {"Last-Event-ID": "1"})
    try:
        assert client.status == 200
        with pytest.raises(ConnectionError):
            client.messages(1, timeout=5)
    finally:
        client.close()
    assert served.app.state.services.live.hub.subscriber_count == 0
