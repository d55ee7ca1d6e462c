"""A hub reader for tests: records what it was sent, with optional flow control."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from liveblog.web.sse import QueueSubscriber

_ID = re.compile(rb"^id: (\d+)\nevent: ([a-z.]+)\n", re.M)


class RecordingReader(QueueSubscriber):
    """The ASGI path's reader with every write recorded instead of queued.

    ``limit``: once registered, a write past that many bytes in total closes the reader and
    calls ``on_lost`` (as a connection dropped for being too slow does). ``paused``: the reader
    starts with a full buffer; the replay must wait until :meth:`resume` is called.
    """

    def __init__(
        self,
        limit: int | None = None,
        *,
        on_lost: Callable[[QueueSubscriber], None] | None = None,
        paused: bool = False,
    ) -> None:
        super().__init__(max_bytes=limit if limit is not None else 2**62)
        self.on_lost = on_lost
        self.data = bytearray()
        self.changed = asyncio.Event()
        if paused:
            self._room.clear()

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.live and len(self.data) + len(data) > self.max_bytes:
            self.close()
            return
        self.data += data
        self.changed.set()

    def resume(self) -> None:
        self._room.set()

    def events(self) -> list[tuple[int, str]]:
        return [(int(m.group(1)), m.group(2).decode()) for m in _ID.finditer(bytes(self.data))]
