"""The hub's fan-out and resume logic, against an in-memory event log.

End-to-end tests with the real database, brokers and SSE connections live beside this file;
these pin down the ordering rules: replay then live with no gap and no duplicate, resets, slow
readers, and (hypothesis) random interleavings of publishes and reconnects.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Collection
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog.pubsub.broker import WakeUp
from liveblog.pubsub.hub import Frame, ProcessHub
from liveblog.web.live.sse import HEARTBEAT, MAX_BUFFER_BYTES, QueueSubscriber, StreamProtocol
from tests.waiting import wait_until_async
from tests.web.live.readers import RecordingReader

BLOG = 7
_ID = re.compile(rb"^id: (\d+)\nevent: ([a-z.]+)\n", re.M)


class MemoryLog:
    """Stands in for the database: frames numbered from 1, optionally pruned below a point."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.pruned_below = 1
        self.reads = 0

    def append(self, padding: int = 0) -> int:
        """A new event, with ``padding`` bytes of payload."""
        seq = len(self.frames) + 1
        data = f'{{"p":"{"x" * padding}"}}' if padding else "{}"
        self.frames.append(
            Frame(seq, f"id: {seq}\nevent: entry.created\ndata: {data}\n\n".encode())
        )
        return seq

    def frames_after(self, blog_id: int, after: int, limit: int) -> list[Frame]:
        self.reads += 1
        start = max(after, self.pruned_below - 1)
        return self.frames[start : start + limit]

    def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
        return {b: len(self.frames) for b in blog_ids}

    def reset_frame(self, blog_id: int, head: int, reason: str) -> Frame:
        return Frame(head, f"id: {head}\nevent: reset\ndata: {{}}\n\n".encode())

    heartbeat = HEARTBEAT


class Reader(RecordingReader):
    pass


async def _inline(fn: Any, *args: Any) -> Any:
    await asyncio.sleep(0)  # let other tasks run, as a thread hop would
    return fn(*args)


def make_hub(log: MemoryLog, **kwargs: Any) -> ProcessHub:
    return ProcessHub(log, run_sync=_inline, heartbeat_range=(3600, 3600), **kwargs)


async def settle(hub: ProcessHub) -> None:
    for _ in range(50):
        await asyncio.sleep(0)
    while hub._tasks:
        await asyncio.gather(*list(hub._tasks))


def test_live_events_reach_every_reader_once_with_one_read_per_wake_up() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)
        readers = [Reader() for _ in range(100)]
        for reader in readers:
            assert await hub.subscribe(BLOG, reader, None)
        reads_before = log.reads
        for _ in range(3):
            hub.wake(WakeUp(BLOG, log.append()))
            await settle(hub)
        assert log.reads - reads_before == 3
        for reader in readers:
            assert [s for s, _ in reader.events()] == [1, 2, 3]
        await hub.stop()
        assert all(r.closed for r in readers)

    asyncio.run(scenario())


def test_resume_replays_exactly_the_missed_events() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        for _ in range(10):
            log.append()
        hub = make_hub(log, ring_size=4)
        early = Reader()
        await hub.subscribe(BLOG, early, 2)  # 3..10: part from the log, none in the ring yet
        assert [s for s, _ in early.events()] == list(range(3, 11))
        for _ in range(6):
            hub.wake(WakeUp(BLOG, log.append()))
            await settle(hub)
        late = Reader()
        await hub.subscribe(BLOG, late, 9)  # 10..16: 10-12 from the log, 13-16 from the ring
        assert [s for s, _ in late.events()] == list(range(10, 17))
        current = Reader()
        await hub.subscribe(BLOG, current, 16)
        assert current.events() == []
        fresh = Reader()
        await hub.subscribe(BLOG, fresh, None)
        hub.wake(WakeUp(BLOG, log.append()))
        await settle(hub)
        for reader in (early, late, current, fresh):
            assert reader.events()[-1] == (17, "entry.created")
        assert fresh.events() == [(17, "entry.created")]

    asyncio.run(scenario())


def test_unusable_future_and_too_old_positions_get_a_reset() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        for _ in range(20):
            log.append()
        hub = make_hub(log, max_replay=5)
        cases = {"garbage": (None, True), "future": (99, False), "too old": (3, False)}
        for name, (after, unusable) in cases.items():
            reader = Reader()
            await hub.subscribe(BLOG, reader, after, unusable=unusable)
            assert reader.events() == [(20, "reset")], name
        log.pruned_below = 15
        pruned = Reader()
        await hub.subscribe(BLOG, pruned, 16)
        assert [s for s, _ in pruned.events()] == [17, 18, 19, 20]
        hub.blogs[BLOG].ring.clear()
        gone = Reader()
        await hub.subscribe(BLOG, gone, 16 - 5)
        assert gone.events() == [(20, "reset")]

    asyncio.run(scenario())


def _events(data: bytes | bytearray) -> list[int]:
    return [int(m.group(1)) for m in _ID.finditer(bytes(data))]


def test_a_queue_subscriber_that_never_reads_is_dropped_without_affecting_others() -> None:
    """The ASGI path's reader: the hub's writes overflow the queue nobody drains, and the
    subscriber closes itself and leaves the hub, as ``web.live`` wires it."""

    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)
        stuck, healthy = QueueSubscriber(max_bytes=1000), QueueSubscriber(max_bytes=1000)
        for subscriber in (stuck, healthy):
            subscriber.on_lost = lambda s: hub.unsubscribe(BLOG, s)
        received = bytearray()

        async def read() -> None:  # what the ASGI response does with the healthy one
            while (data := await healthy.next()) is not None:
                received.extend(data)

        reading = asyncio.create_task(read())
        assert await hub.subscribe(BLOG, stuck, None)
        assert await hub.subscribe(BLOG, healthy, None)
        for _ in range(20):  # ~250 bytes each: the stuck queue passes 1000 bytes at the 4th
            hub.wake(WakeUp(BLOG, log.append(padding=200)))
            await settle(hub)
        assert stuck.closed
        assert hub.blogs[BLOG].subscribers == {healthy}
        await wait_until_async(lambda: len(_events(received)) == 20, what="20 events")
        assert _events(received) == list(range(1, 21))
        await hub.stop()
        await reading

    asyncio.run(scenario())


def test_a_stream_whose_peer_never_reads_is_dropped_without_affecting_others() -> None:
    """The transport path's reader: a real socket whose peer reads nothing fills the
    transport's buffer past ``MAX_BUFFER_BYTES``, and the stream is aborted and leaves the hub."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        log = MemoryLog()
        hub = make_hub(log)
        peers: list[socket.socket] = []

        async def connect() -> StreamProtocol:
            ours, peer = socket.socketpair()
            peer.setblocking(False)
            peers.append(peer)
            transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
            stream = StreamProtocol(transport)
            transport.set_protocol(stream)
            stream.on_lost = lambda sink: hub.unsubscribe(BLOG, sink)
            return stream

        stuck, healthy = await connect(), await connect()
        received = bytearray()

        async def read() -> None:
            while data := await loop.sock_recv(peers[1], 1 << 16):
                received.extend(data)

        reading = asyncio.create_task(read())
        try:
            assert await hub.subscribe(BLOG, stuck, None)
            assert await hub.subscribe(BLOG, healthy, None)
            count = 8 * MAX_BUFFER_BYTES // (1 << 16)  # 2 MB: more than kernel buffers hide
            for _ in range(count):
                hub.wake(WakeUp(BLOG, log.append(padding=1 << 16)))
                await settle(hub)
            await wait_until_async(lambda: stuck.is_closing(), what="the stuck stream's end")
            assert hub.blogs[BLOG].subscribers == {healthy.sink}
            await wait_until_async(lambda: len(_events(received)) == count, what="every event")
            assert _events(received) == list(range(1, count + 1))
            await hub.stop()
            await reading
        finally:
            reading.cancel()
            for peer in peers:
                peer.close()

    asyncio.run(scenario())


def test_catch_up_finds_events_whose_wake_up_was_lost() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)
        reader = Reader()
        await hub.subscribe(BLOG, reader, None)
        log.append()
        log.append()  # no wake-up: the broker lost both messages
        await hub.catch_up()
        await settle(hub)
        assert [s for s, _ in reader.events()] == [1, 2]

    asyncio.run(scenario())


def test_heartbeats_go_to_every_reader() -> None:
    async def scenario() -> None:
        hub = make_hub(MemoryLog())
        reader = Reader()
        await hub.subscribe(BLOG, reader, None)
        for blog in hub.heartbeats_due(float("inf")):
            blog.heartbeat()
        assert bytes(reader.data) == HEARTBEAT

    asyncio.run(scenario())


ops = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(1, 3), st.booleans()),
        st.tuples(st.just("reconnect"), st.integers(0, 2), st.booleans()),
        st.tuples(st.just("yield"), st.integers(0, 5), st.booleans()),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(2, 8))
def test_random_interleavings_deliver_each_event_exactly_once_in_order(
    steps: list[tuple[str, int, bool]], ring_size: int
) -> None:
    """Publishes (with or without their wake-up) and reconnects, overlapping at random."""

    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log, ring_size=ring_size)
        received: list[list[int]] = [[], [], []]
        current: list[Reader] = []
        joins: list[asyncio.Task[bool]] = []

        class Client(Reader):
            def __init__(self, index: int) -> None:
                super().__init__()
                self.index = index

            def write(self, data: bytes) -> None:
                if not self.closed:
                    received[self.index] += [int(m.group(1)) for m in _ID.finditer(data)]

        for index in range(3):
            client = Client(index)
            current.append(client)
            joins.append(asyncio.create_task(hub.subscribe(BLOG, client, 0)))
        for op, n, flag in steps:
            if op == "publish":
                for _ in range(n):
                    seq = log.append()
                    if flag:
                        hub.wake(WakeUp(BLOG, seq))
            elif op == "reconnect":
                old = current[n]
                old.closed = True
                hub.unsubscribe(BLOG, old)
                new = Client(n)
                current[n] = new
                after = received[n][-1] if received[n] else 0
                task = asyncio.create_task(hub.subscribe(BLOG, new, after))
                joins.append(task)
                if flag:
                    await task
            else:
                for _ in range(n):
                    await asyncio.sleep(0)
        await asyncio.gather(*joins)
        await hub.catch_up()
        await settle(hub)
        head = len(log.frames)
        for index in range(3):
            assert received[index] == list(range(1, head + 1)), (index, received[index])

    asyncio.run(scenario())


def test_a_wake_up_while_the_hub_opens_is_not_lost() -> None:
    """The head is read when a blog's hub opens; an event committed meanwhile must still come."""

    async def scenario() -> None:
        log = MemoryLog()
        log.append()
        opening = asyncio.Event()

        async def slow_head(fn: Any, *args: Any) -> Any:
            result = fn(*args)  # the head is read before the next event commits ...
            if fn == log.heads:
                opening.set()
                await asyncio.sleep(0.01)
            return result

        hub = ProcessHub(log, run_sync=slow_head, heartbeat_range=(3600, 3600))
        reader = Reader()
        joining = asyncio.create_task(hub.subscribe(BLOG, reader, 1))
        await opening.wait()
        hub.wake(WakeUp(BLOG, log.append()))  # ... and its wake-up arrives while opening
        assert await joining
        await settle(hub)
        assert [s for s, _ in reader.events()] == [2]

    asyncio.run(scenario())


def test_frames_handed_over_by_a_commit_are_written_without_reading_the_log() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)
        reader = Reader()
        await hub.subscribe(BLOG, reader, None)
        reads_before = log.reads
        for _ in range(3):
            seq = log.append()
            hub.deliver(BLOG, [log.frames[seq - 1]])
        assert log.reads == reads_before
        assert [s for s, _ in reader.events()] == [1, 2, 3]
        # Already written (e.g. pulled after a wake-up): nothing twice.
        hub.deliver(BLOG, log.frames[1:3])
        # A gap (this process missed an event): the log fills it, in order.
        log.append()
        seq = log.append()
        hub.deliver(BLOG, [log.frames[seq - 1]])
        await settle(hub)
        assert log.reads == reads_before + 1
        assert [s for s, _ in reader.events()] == [1, 2, 3, 4, 5]
        # Overlapping what was written: only the new part.
        seq = log.append()
        hub.deliver(BLOG, log.frames[seq - 3 : seq])
        assert [s for s, _ in reader.events()] == [1, 2, 3, 4, 5, 6]

    asyncio.run(scenario())


def test_frames_handed_over_while_a_pull_runs_wait_for_it() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)
        reader = Reader()
        await hub.subscribe(BLOG, reader, None)
        hub.wake(WakeUp(BLOG, log.append()))  # starts a pull (one loop turn away)
        seq = log.append()
        hub.deliver(BLOG, [log.frames[seq - 1]])  # must not overtake event 1
        await settle(hub)
        assert [s for s, _ in reader.events()] == [1, 2]

    asyncio.run(scenario())


def test_a_replay_waits_while_the_readers_buffer_is_full() -> None:
    """A reader far behind is replayed batch by batch as its socket drains; it is registered
    only once it has caught up, and gets every event once."""

    async def scenario() -> None:
        log = MemoryLog()
        for _ in range(300):
            log.append()
        hub = make_hub(log, ring_size=16)
        reader = Reader(paused=True)
        joining = asyncio.create_task(hub.subscribe(BLOG, reader, 0))
        await settle(hub)
        assert not joining.done()
        assert reader.events() == []  # nothing written while the buffer is full
        reader.resume()
        assert await joining
        hub.wake(WakeUp(BLOG, log.append()))
        await settle(hub)
        assert [s for s, _ in reader.events()] == list(range(1, 302))

    asyncio.run(scenario())


def test_a_reader_that_leaves_during_its_replay_is_never_registered() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        log.append()
        hub = make_hub(log)
        reader = Reader(paused=True)
        joining = asyncio.create_task(hub.subscribe(BLOG, reader, 0))
        await settle(hub)
        reader.close()
        assert await joining is False
        assert hub.blogs[BLOG].subscribers == set()

    asyncio.run(scenario())


def test_a_sink_that_raises_is_dropped_and_the_others_still_get_the_event() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        hub = make_hub(log)

        class Broken(Reader):
            def write(self, data: bytes) -> None:
                if self.live:
                    raise RuntimeError("unable to perform operation: the handler is closed")
                super().write(data)

        broken, healthy = Broken(), Reader()
        await hub.subscribe(BLOG, broken, None)
        await hub.subscribe(BLOG, healthy, None)
        hub.wake(WakeUp(BLOG, log.append()))
        await settle(hub)
        assert broken.closed
        assert hub.blogs[BLOG].subscribers == {healthy}
        assert [s for s, _ in healthy.events()] == [1]

    asyncio.run(scenario())


def test_a_reader_whose_buffer_never_drains_during_its_replay_is_dropped() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        log.append()
        hub = make_hub(log)
        stalled = Reader(paused=True)
        stalled.drain_seconds = 0.05
        assert await hub.subscribe(BLOG, stalled, 0) is False
        assert stalled.closed
        assert hub.blogs[BLOG].subscribers == set()

    asyncio.run(scenario())


def test_stopping_the_hub_ends_replays_in_progress() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        log.append()
        hub = make_hub(log)
        stalled = Reader(paused=True)
        joining = asyncio.create_task(hub.subscribe(BLOG, stalled, 0))
        await settle(hub)
        assert not joining.done()
        await hub.stop()
        assert await joining is False
        assert stalled.closed

    asyncio.run(scenario())
