"""A hub reader for tests: records what it was sent, with optional flow control."""

from __future__ import annotations

import asyncio
import re

from liveblog.web.live.sse import QueueSubscriber

_ID = re.compile(rb"^id: (\d+)\nevent: ([a-z.]+)\n", re.M)


class RecordingReader(QueueSubscriber):
    """The ASGI path's reader with every write recorded instead of queued, and never dropped
    for being slow (the hub tests drop real readers). ``paused``: the reader starts with a full
    buffer; the replay must wait until :meth:`resume` is called.
    """

    def __init__(self, *, paused: bool = False) -> None:
        super().__init__(max_bytes=2**62)
        self.data = bytearray()
        self.changed = asyncio.Event()
        if paused:
            self._room.clear()

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        self.data += data
        self.changed.set()

    def resume(self) -> None:
        self._room.set()

    def events(self) -> list[tuple[int, str]]:
        return [(int(m.group(1)), m.group(2).decode()) for m in _ID.finditer(bytes(self.data))]
