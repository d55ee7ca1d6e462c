"""One blog's live readers in this process (:class:`BlogChannel`), and what the hub passes
around: :class:`Frame` (an event encoded once, as the bytes every reader gets), :class:`Sink`
(where a registered reader's bytes go, normally its connection's asyncio transport),
:class:`Reader` (a reader while it joins) and :class:`FrameSource` (the event log, which
frames the events). The hub itself, which keeps one channel per blog, is
:mod:`liveblog.pubsub.hub`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

log = logging.getLogger("liveblog.hub")


@dataclass(frozen=True, slots=True)
class Frame:
    """One event, encoded once by the :class:`FrameSource` as the bytes every reader is sent."""

    seq: int
    data: bytes
    entry_id: int | None = None
    """The entry the event is about, if any."""
    supersedes: bool = False
    """The event edits or deletes that entry: the log no longer replays the entry's earlier
    events as they were written, and neither may the ring (:meth:`BlogChannel.broadcast`)."""
    ending: bytes = b""
    """Not empty: the blog is closed after this event, and these bytes end its readers'
    streams (written after the frame, then the streams are closed)."""


class Sink(Protocol):
    """What the hub writes live events to; an asyncio transport is one."""

    def write(self, data: bytes, /) -> object:
        """Queue ``data`` for the reader, without blocking."""

    def close(self) -> None:
        """End the stream (server shutdown)."""


class Reader(Protocol):
    """A reader joining a blog. While it is replayed the hub respects its flow control; once
    registered, only its :attr:`sink` is kept, and the reader must call
    :meth:`ProcessHub.unsubscribe` when it ends (connection lost, dropped for being too slow)."""

    @property
    def sink(self) -> Sink: ...

    def is_closing(self) -> bool: ...

    def writing_paused(self) -> bool:
        """The reader's buffer is full: the replay waits for :meth:`drain`."""

    async def drain(self) -> None:
        """Return once the reader can take more, or has gone."""

    def joined(self) -> None:
        """Registered: from now on a full buffer means the reader is too slow."""

    def close(self) -> None:
        """End the stream at once, even in the middle of its replay (server shutdown)."""


class FrameSource(Protocol):
    """Reads the event log; called in a worker thread."""

    def frames_after(self, blog_id: int, after: int, limit: int) -> list[Frame]:
        """Encoded events with ``seq > after``, oldest first, at most ``limit``."""

    def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
        """The newest event number of each blog."""

    def reset_frame(self, blog_id: int, head: int, reason: str) -> Frame:
        """A ``reset`` message telling a reader to reload the page state at ``head``."""

    @property
    def heartbeat(self) -> bytes:
        """Written to idle readers now and then: keeps proxies open, finds dead peers."""


def join_frames(frames: list[Frame]) -> bytes:
    """The frames as one write (a single frame's bytes as they are, without a copy)."""
    return frames[0].data if len(frames) == 1 else b"".join(f.data for f in frames)


@dataclass(eq=False)
class BlogChannel:
    """One blog's live readers in this process, the recent frames they were sent (the ring,
    for replays from memory) and the newest event number written to them."""

    blog_id: int
    head: int
    """Highest event number written to this channel's readers."""
    ring: deque[Frame]
    subscribers: set[Sink] = field(default_factory=set)
    wanted: int = 0
    pulling: bool = False
    joining: set[Reader] = field(default_factory=set)
    """Readers in the middle of :meth:`ProcessHub.subscribe`; the channel is kept while any are."""
    next_heartbeat: float = 0.0
    heartbeat_data: bytes = b""  # the source's :attr:`FrameSource.heartbeat`
    ending: bytes = b""
    """Not empty while the blog is closed: what ends a reader's stream (see the module
    docstring)."""

    def broadcast(self, frames: list[Frame]) -> None:
        """Write ``frames`` to every reader with one write per reader; if they leave the blog
        closed, end every reader's stream after them."""
        if not frames:
            return
        for frame in frames:
            if frame.supersedes:  # an edit or a deletion: rare
                self._forget(frame.entry_id)
        self.ring.extend(frames)
        self.head = frames[-1].seq
        self.write_all(join_frames(frames))
        self.ending = frames[-1].ending
        if self.ending:
            self.write_all(self.ending)
            self.end_all()

    def end_all(self) -> None:
        """Close every reader's stream after what it was sent (its sink's ``close``)."""
        sinks = tuple(self.subscribers)
        self.subscribers.clear()
        for sink in sinks:
            try:
                sink.close()
            except Exception:  # one broken sink must not keep the others open
                log.warning("closing a reader of blog %s failed", self.blog_id, exc_info=True)

    def _forget(self, entry_id: int | None) -> None:
        """Drop the ring's frames up to the newest one of ``entry_id`` (they carry its old
        text). The ring stays a consecutive run ending at :attr:`head`; replays of what it no
        longer holds come from the log, which carries the entry as it is now."""
        ring = self.ring
        for index in range(len(ring) - 1, -1, -1):
            if ring[index].entry_id == entry_id:
                for _ in range(index + 1):
                    ring.popleft()
                return

    def heartbeat(self) -> None:
        self.write_all(self.heartbeat_data)

    def write_all(self, data: bytes) -> None:
        """The hot loop: one write of the same bytes object per reader. It walks a snapshot,
        so a reader may unsubscribe from inside its own write."""
        broken: list[Sink] = []
        for sink in tuple(self.subscribers):
            try:
                sink.write(data)
            except Exception:  # one broken sink must not stop the others
                broken.append(sink)
        for sink in broken:
            log.warning("dropping a reader of blog %s whose write failed", self.blog_id)
            self.subscribers.discard(sink)
            sink.close()

    def frames_after(self, after: int, limit: int) -> list[Frame] | None:
        """Up to ``limit`` frames after ``after`` from memory; ``None`` if the ring does not
        reach back that far. The ring holds consecutive events ending at :attr:`head`."""
        if after >= self.head:
            return []
        if not self.ring or self.ring[0].seq > after + 1:
            return None
        start = after + 1 - self.ring[0].seq
        return list(islice(self.ring, start, start + limit))
