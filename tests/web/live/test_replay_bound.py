"""A replay to a reader that never reads holds no more than live delivery would: its unsent
bytes stay under the per-reader bound while the replay waits, and the reader is dropped once
the drain timeout passes. Both delivery paths: the handed-over transport and the ASGI queue."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from liveblog.config import Settings
from liveblog.pubsub.hub import Frame, ProcessHub
from liveblog.web.live import sse
from liveblog.web.live.sse import MAX_BUFFER_BYTES, QueueSubscriber
from tests.web.live.conftest import Served, serve
from tests.web.live.sse_reading import HOST, stream_request

COUNT = 200
"""Events of ~55 KB: ~11 MB to replay, more than loopback's socket buffers can hide."""


@pytest.fixture(params=["transport", "asgi"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'live.db'}")
    yield from serve(settings, None if request.param == "transport" else "httptools")


def queued(reader: object) -> int:
    """What a reader being replayed has waiting in its queue (the ASGI path; a handed-over
    transport has no queue)."""
    return reader.pending if isinstance(reader, QueueSubscriber) else 0


async def watch(served: Served, seconds: float) -> list[tuple[int, int]]:
    """Sample, on the server's loop, what it holds for readers being replayed: their queues and
    the unsent bytes of the connections' transports (beyond the kernel's buffers). From the
    moment a reader appears until none is left, or ``seconds`` pass."""
    hub: ProcessHub = served.app.state.services.live.hub
    connections = served.server.server_state.connections
    samples: list[tuple[int, int]] = []
    deadline = time.monotonic() + seconds
    seen = False
    while time.monotonic() < deadline:
        joining = [reader for blog in hub.blogs.values() for reader in blog.joining]
        if joining:
            seen = True
            buffered = [c.transport.get_write_buffer_size() for c in connections if c.transport]
            samples.append((max(map(queued, joining)), max(buffered, default=0)))
        elif seen:
            break
        await asyncio.sleep(0.005)
    return samples


def test_a_replay_to_a_reader_that_never_reads_stays_under_the_bound_and_is_dropped(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sse, "DRAIN_SECONDS", 1.0)
    served.actions.create_blog(served.admin, slug="storm", title="Storm")
    body = "Lagebericht " * 1500
    for _ in range(COUNT):
        served.actions.create_entry(served.admin, "storm", body=body)
    live = served.app.state.services.live
    loop = live._loop
    assert loop is not None
    watching = asyncio.run_coroutine_threadsafe(watch(served, 30), loop)
    stuck = socket.socket()
    try:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect((HOST, served.port))
        stuck.sendall(stream_request(served.port, "/live/storm/events", {"Last-Event-ID": "1"}))
        samples = watching.result(timeout=40)  # reads nothing meanwhile
        assert samples, "the replay was never seen"
        queue = max(q for q, _ in samples)
        transport = max(t for _, t in samples)
        assert queue + transport > 0, "the replay should have filled the reader's buffers"
        assert queue <= MAX_BUFFER_BYTES
        assert transport <= MAX_BUFFER_BYTES
        assert live.hub.subscriber_count == 0  # dropped, not registered
        assert all(not blog.joining for blog in live.hub.blogs.values())
    finally:
        watching.cancel()
        stuck.close()


class BigEvents:
    """An event log of ``count`` events of ``size`` bytes each, recording each read's limit."""

    def __init__(self, count: int, size: int) -> None:
        self.frames = [
            Frame(seq, f"id: {seq}\nevent: entry.created\ndata: ".encode() + b"x" * size + b"\n\n")
            for seq in range(1, count + 1)
        ]
        self.limits: list[int] = []

    def frames_after(self, blog_id: int, after: int, limit: int) -> list[Frame]:
        self.limits.append(limit)
        return self.frames[after : after + limit]

    def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
        return {b: len(self.frames) for b in blog_ids}

    def reset_frame(self, blog_id: int, head: int, reason: str) -> Frame:
        raise AssertionError("no reset expected")

    heartbeat = sse.HEARTBEAT


async def _inline(fn: Any, *args: Any) -> Any:
    await asyncio.sleep(0)
    return fn(*args)


def test_a_replay_reads_and_writes_a_slow_reader_a_bounded_amount_at_a_time() -> None:
    """40 events of 50 KB (2 MB) replayed from the log to a reader that takes a little at a
    time: its queue never holds more than the bound, no write is larger than 64 KB or one
    event, reads after the first are sized to ~128 KB, and every event arrives once, in order."""

    async def scenario() -> None:
        log = BigEvents(40, 50_000)
        hub = ProcessHub(log, run_sync=_inline, heartbeat_range=(3600, 3600))
        reader = QueueSubscriber()
        joining = asyncio.ensure_future(hub.subscribe(1, reader, 0))
        received: list[bytes] = []
        most = 0
        for _ in range(10_000):
            for _ in range(20):
                await asyncio.sleep(0)
            most = max(most, reader.pending)
            if joining.done() and reader.queue.empty():
                break
            data = await asyncio.wait_for(reader.next(), 5)
            assert data is not None
            received.append(data)
        assert await joining
        assert most <= MAX_BUFFER_BYTES
        assert max(map(len, received)) <= max(64 * 1024, len(log.frames[0].data))
        assert b"".join(received) == b"".join(f.data for f in log.frames)
        assert log.limits[0] == 16
        assert max(log.limits[1:]) <= 3
        await hub.stop()

    asyncio.run(scenario())
