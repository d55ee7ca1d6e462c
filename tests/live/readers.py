"""A hub reader for tests: records what it was sent, with optional flow control."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

_ID = re.compile(rb"^id: (\d+)\nevent: ([a-z.]+)\n", re.M)


class RecordingReader:
    """Implements :class:`liveblog.pubsub.hub.Reader` and is its own sink.

    ``limit``: once registered, a write past that many bytes in total closes the reader and
    calls ``on_lost`` (as a connection dropped for being too slow does). ``paused``: the reader
    starts with a full buffer; the replay must wait until :meth:`resume` is called.
    """

    def __init__(
        self,
        limit: int | None = None,
        *,
        on_lost: Callable[[RecordingReader], None] | None = None,
        paused: bool = False,
    ) -> None:
        self.data = bytearray()
        self.closed = False
        self.limit = limit
        self.on_lost = on_lost
        self.live = False
        self.changed = asyncio.Event()
        self._room = asyncio.Event()
        if not paused:
            self._room.set()

    @property
    def sink(self) -> RecordingReader:
        return self

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.live and self.limit is not None and len(self.data) + len(data) > self.limit:
            self.close()
            if self.on_lost is not None:
                self.on_lost(self)
            return
        self.data += data
        self.changed.set()

    def close(self) -> None:
        self.closed = True
        self._room.set()

    def is_closing(self) -> bool:
        return self.closed

    def writing_paused(self) -> bool:
        return not self._room.is_set()

    async def drain(self) -> None:
        await self._room.wait()

    def joined(self) -> None:
        self.live = True

    def resume(self) -> None:
        self._room.set()

    def events(self) -> list[tuple[int, str]]:
        return [(int(m.group(1)), m.group(2).decode()) for m in _ID.finditer(bytes(self.data))]
