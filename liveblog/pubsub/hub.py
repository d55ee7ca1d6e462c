"""Local fan-out: this process's :class:`ProcessHub` keeps one :class:`BlogChannel` per blog
with live readers here; a channel holds that blog's readers and writes each event to all of
them as one pre-framed bytes object.

A registered reader is a :class:`Sink`, normally the asyncio transport of an event-stream
connection itself (no task, no queue, no coroutine, no wrapper per reader): one event is one
``transport.write`` per reader. The hub fans out bytes: how they are framed, and what a
heartbeat is, is its :class:`FrameSource`'s business. New events come two ways: a commit in
this process hands its already encoded frames to :meth:`ProcessHub.deliver`; a wake-up from the
broker makes the blog's channel read them from the log once (in a worker thread). A recent
window of frames stays in memory, so a reconnecting reader is replayed from memory, and from
the database only when it is further behind; the replay waits for the reader's socket to drain
(:meth:`Reader.drain`). A registered reader whose send buffer passes its limit is dropped by its
own connection (it resumes with Last-Event-ID) and unsubscribes itself, so memory stays
bounded. The channel and the types the hub passes around are :mod:`liveblog.pubsub.channel`.

A blog's streams end when it closes: a frame with an ``ending`` (the event that closed the
blog) is written to every reader, then the ending (a last message saying so), and the readers'
streams are closed. While the blog stays closed, a reader who joins is replayed what it missed,
sent the ending and closed too, instead of waiting on a stream where nothing will happen. The
hub learns whether a blog is closed from the frames it passes on, and when it opens a blog's
channel from ``ending_of`` (``None``: blogs never end).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from liveblog.pubsub.broker import WakeUp
from liveblog.pubsub.channel import BlogChannel as BlogChannel
from liveblog.pubsub.channel import Frame as Frame
from liveblog.pubsub.channel import FrameSource as FrameSource
from liveblog.pubsub.channel import Reader as Reader
from liveblog.pubsub.channel import Sink as Sink
from liveblog.pubsub.channel import join_frames

log = logging.getLogger("liveblog.hub")

PULL_BATCH = 128
"""Most events read and written in one go, which bounds the size of one write."""
REPLAY_READ_BATCH, REPLAY_READ_BYTES = 16, 128 * 1024
"""A replay's first log read takes 16 events, later ones ~128 KB. What a full buffer leaves
unwritten is read again after it drained: a stalled reader holds only its send buffer."""
REPLAY_WRITE_BYTES = 64 * 1024
"""Most bytes a replay joins into one write (a larger event goes alone)."""


RunSync = Callable[..., Awaitable[object]]
EndingOf = Callable[[int], bytes]
"""``blog_id`` -> the ending of a closed blog's streams, ``b""`` while it is open (called in a
worker thread when the blog's channel opens)."""


def _replay_read_count(frames: list[Frame]) -> int:
    """How many events the next log read of a replay takes, judged by the last read."""
    average = sum(len(f.data) for f in frames) // len(frames) + 1
    return max(1, min(PULL_BATCH, REPLAY_READ_BYTES // average))


def _write_paced(reader: Reader, frames: list[Frame]) -> int:
    """Write ``frames`` to a reader being replayed, in writes of at most ``REPLAY_WRITE_BYTES``
    (a larger frame alone), until its buffer is full or it closes; the last number written."""
    sink = reader.sink
    written = frames[0].seq - 1
    start = 0
    while start < len(frames) and not (reader.writing_paused() or reader.is_closing()):
        end = start + 1
        size = len(frames[start].data)
        while end < len(frames) and size + len(frames[end].data) <= REPLAY_WRITE_BYTES:
            size += len(frames[end].data)
            end += 1
        sink.write(join_frames(frames[start:end]))
        written = frames[end - 1].seq
        start = end
    return written


class ProcessHub:
    """The blog channels of this process (:attr:`blogs`), fed by broker wake-ups and a slow
    catch-up sweep."""

    def __init__(
        self,
        source: FrameSource,
        *,
        ring_size: int = 1024,
        max_replay: int = 5000,
        heartbeat_range: tuple[float, float] = (15.0, 30.0),
        catch_up_seconds: float = 10.0,
        run_sync: RunSync | None = None,
        ending_of: EndingOf | None = None,
    ) -> None:
        self.source = source
        self.ending_of = ending_of
        self.ring_size = ring_size
        self.max_replay = max_replay
        self.heartbeat_range = heartbeat_range
        self.catch_up_seconds = catch_up_seconds
        self._run_sync: RunSync = run_sync or asyncio.to_thread
        self.blogs: dict[int, BlogChannel] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer: asyncio.Task[None] | None = None
        self._creating: dict[int, asyncio.Future[BlogChannel]] = {}
        self._early: dict[int, int] = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._timer is None:
            self._timer = asyncio.create_task(self._tick_forever(), name="liveblog-hub-timer")

    async def stop(self) -> None:
        """Close every reader's stream and stop background work."""
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for blog in self.blogs.values():
            for sink in list(blog.subscribers):
                sink.close()
            for reader in list(blog.joining):
                reader.close()  # its replay ends: it finds the reader closing
            blog.subscribers.clear()
        self.blogs.clear()

    @property
    def subscriber_count(self) -> int:
        return sum(len(b.subscribers) for b in self.blogs.values())

    # -- wake-ups --------------------------------------------------------------------------

    def wake(self, wake_up: WakeUp) -> None:
        """Broker handler: the blog has events up to ``seq``; pull them if anyone listens."""
        blog = self.blogs.get(wake_up.blog_id)
        if blog is None:
            if wake_up.blog_id in self._creating:
                # The hub is being opened from a head read that may predate this event:
                # remember it, so opening pulls it instead of waiting for the catch-up sweep.
                early = self._early.get(wake_up.blog_id, 0)
                self._early[wake_up.blog_id] = max(early, wake_up.seq)
            return
        if wake_up.seq <= blog.head:
            return
        blog.wanted = max(blog.wanted, wake_up.seq)
        self._ensure_pull(blog)

    def deliver(self, blog_id: int, frames: list[Frame]) -> None:
        """Frames encoded by a commit in this process: written at once when they follow what
        the readers have, else (a pull is running, or they arrive out of order) the log is
        read as after a wake-up, so the order can never break."""
        if not frames:
            return
        blog = self.blogs.get(blog_id)
        if blog is not None and not blog.pulling and frames[0].seq <= blog.head + 1:
            fresh = [f for f in frames if f.seq > blog.head]
            if fresh:
                blog.broadcast(fresh)
            return
        self.wake(WakeUp(blog_id, frames[-1].seq))

    async def catch_up(self) -> None:
        """Ask the log for every active blog's head and pull what was missed (after a broker
        reconnect, and every ``catch_up_seconds``)."""
        if not self.blogs:
            return
        heads: dict[int, int] = await self._run_sync(  # type: ignore[assignment]
            self.source.heads, list(self.blogs)
        )
        for blog_id, head in heads.items():
            self.wake(WakeUp(blog_id, head))

    def _ensure_pull(self, blog: BlogChannel) -> None:
        if blog.pulling:
            return  # the running pull loops until it reaches ``wanted``
        blog.pulling = True
        task = asyncio.create_task(self._pull(blog), name=f"liveblog-pull-{blog.blog_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pull(self, blog: BlogChannel) -> None:
        try:
            while blog.wanted > blog.head:
                frames: list[Frame] = await self._run_sync(  # type: ignore[assignment]
                    self.source.frames_after, blog.blog_id, blog.head, PULL_BATCH
                )
                if not frames:
                    break
                blog.broadcast(frames)
        except Exception:
            log.exception(
                "reading events of blog %s failed; the next wake-up retries", blog.blog_id
            )
        finally:
            blog.pulling = False

    # -- readers ---------------------------------------------------------------------------

    async def _blog(self, blog_id: int) -> BlogChannel:
        found = self.blogs.get(blog_id)
        if found is not None:
            return found
        pending = self._creating.get(blog_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[BlogChannel] = asyncio.get_running_loop().create_future()
        self._creating[blog_id] = future
        try:
            heads: dict[int, int] = await self._run_sync(  # type: ignore[assignment]
                self.source.heads, [blog_id]
            )
            blog = BlogChannel(blog_id, heads.get(blog_id, 0), deque(maxlen=self.ring_size))
            if self.ending_of is not None:
                ending: bytes = await self._run_sync(  # type: ignore[assignment]
                    self.ending_of, blog_id
                )
                blog.ending = ending
            blog.heartbeat_data = self.source.heartbeat
            blog.next_heartbeat = self._next_heartbeat()
            self.blogs[blog_id] = blog
            future.set_result(blog)
            early = self._early.pop(blog_id, 0)
            if early > blog.head:
                self.wake(WakeUp(blog_id, early))
            return blog
        except BaseException as exc:
            self._early.pop(blog_id, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved
            raise
        finally:
            del self._creating[blog_id]

    async def subscribe(
        self, blog_id: int, reader: Reader, after: int | None, *, unusable: bool = False
    ) -> bool:
        """Replay what ``reader`` missed after event ``after`` (``None``: nothing), then
        register its sink for live events, with no gap and no duplicate. ``unusable`` means the
        reader named a position that is no number: it gets a ``reset`` and starts from now.
        Returns ``False`` if the reader went away meanwhile."""
        blog = await self._blog(blog_id)
        blog.joining.add(reader)
        try:
            if unusable:
                reset = self.source.reset_frame(blog_id, blog.head, "unusable Last-Event-ID")
                reader.sink.write(reset.data)
            return await self._join(blog, reader, after)
        finally:
            blog.joining.discard(reader)

    async def _join(self, blog: BlogChannel, reader: Reader, after: int | None) -> bool:
        blog_id = blog.blog_id
        sink = reader.sink
        if after is not None and after > blog.head:
            # Unknown future position: maybe the log moved on since our head; ask the log.
            await self.catch_up_one(blog)
        if after is None:
            after = blog.head
        elif after > blog.head or blog.head - after > self.max_replay:
            reason = "ahead of the log" if after > blog.head else "too far behind"
            sink.write(self.source.reset_frame(blog_id, blog.head, reason).data)
            after = blog.head
        read = REPLAY_READ_BATCH
        while not reader.is_closing():
            if reader.writing_paused():
                await reader.drain()
                continue
            frames = blog.frames_after(after, PULL_BATCH)
            if frames == [] and blog.ending:
                # Caught up with a closed blog: nothing more will come.
                sink.write(blog.ending)
                sink.close()
                return False
            if frames == []:
                # Caught up, and no await since the check: registering now leaves no gap.
                blog.subscribers.add(sink)
                reader.joined()
                return True
            if frames is None:  # older than the ring: read the log, a few events at a time
                oldest = blog.ring[0].seq if blog.ring else blog.head + 1
                frames = await self._run_sync(  # type: ignore[assignment]
                    self.source.frames_after,
                    blog_id,
                    after,
                    min(oldest - 1 - after, read),
                )
                assert frames is not None
                if not frames or frames[0].seq != after + 1:
                    # The log no longer holds those events (pruned): the reader must reload.
                    sink.write(self.source.reset_frame(blog_id, blog.head, "events pruned").data)
                    after = blog.head
                    continue
                read = _replay_read_count(frames)
            # As the reader drains: what its full buffer stops is read again after it drained.
            after = _write_paced(reader, frames)
            del frames
        return False

    async def catch_up_one(self, blog: BlogChannel) -> None:
        heads: dict[int, int] = await self._run_sync(  # type: ignore[assignment]
            self.source.heads, [blog.blog_id]
        )
        head = heads.get(blog.blog_id, 0)
        if head > blog.head:
            blog.wanted = max(blog.wanted, head)
            if not blog.pulling:
                blog.pulling = True
                await self._pull(blog)

    def unsubscribe(self, blog_id: int, sink: Sink) -> None:
        blog = self.blogs.get(blog_id)
        if blog is not None:
            blog.subscribers.discard(sink)

    # -- timers ----------------------------------------------------------------------------

    def _next_heartbeat(self) -> float:
        low, high = self.heartbeat_range
        return time.monotonic() + random.uniform(low, high)

    def heartbeats_due(self, now: float) -> Iterable[BlogChannel]:
        return [b for b in self.blogs.values() if b.next_heartbeat <= now]

    async def _tick_forever(self) -> None:
        next_catch_up = time.monotonic() + self.catch_up_seconds
        while True:
            await asyncio.sleep(min(1.0, self.heartbeat_range[0]))
            now = time.monotonic()
            for blog in self.heartbeats_due(now):
                blog.heartbeat()
                blog.next_heartbeat = self._next_heartbeat()
            if now >= next_catch_up:
                next_catch_up = now + self.catch_up_seconds
                self._forget_idle()
                try:
                    await self.catch_up()
                except Exception:
                    log.exception("catch-up from the event log failed; retrying later")

    def _forget_idle(self) -> None:
        for blog_id in [
            i for i, b in self.blogs.items() if not (b.subscribers or b.pulling or b.joining)
        ]:
            del self.blogs[blog_id]
