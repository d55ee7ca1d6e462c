"""Live delivery: wires the broker, the hub and the event-stream endpoints together.

Writes commit in worker threads; :meth:`Live.notify` (an actions commit listener) hops onto the
event loop, wakes this process's hub at once and publishes the wake-up to the other processes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from liveblog.actions import Committed
from liveblog.domain.rules import SLUG_PATTERN
from liveblog.pubsub.broker import Broker, WakeUp
from liveblog.pubsub.hub import FrameSource, Hub
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.web.problems import problem
from liveblog.web.sse import (
    HEADERS,
    PREAMBLE,
    QueueSubscriber,
    TransportSubscriber,
    parse_last_event_id,
    response_head,
)

log = logging.getLogger("liveblog.live")


class Live:
    def __init__(self, db: Database, broker: Broker, source: FrameSource, hub: Hub) -> None:
        self.db = db
        self.broker = broker
        self.hub = hub
        self.source = source
        self._blog_ids: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.hub.start()
        await self.broker.start(self.hub.wake, self.hub.catch_up)

    async def stop(self) -> None:
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self.broker.stop()
        await self.hub.stop()
        self._loop = None

    # -- after commit --------------------------------------------------------------------------

    def notify(self, committed: Committed) -> None:
        """Commit listener; safe to call from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not serving: nobody in this process listens
        wake_up = WakeUp(committed.blog_id, committed.seq)
        loop.call_soon_threadsafe(self._publish, wake_up)

    def _publish(self, wake_up: WakeUp) -> None:
        self.hub.wake(wake_up)
        task = asyncio.get_running_loop().create_task(self.broker.publish(wake_up))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # -- opening a stream ----------------------------------------------------------------------

    async def blog_id(self, slug: str) -> int | None:
        found = self._blog_ids.get(slug)
        if found is not None or not SLUG_PATTERN.fullmatch(slug):
            return found

        def lookup() -> int | None:
            with self.db.read() as conn:
                blog = blog_rows.by_slug(conn, slug)
            return blog.id if blog else None

        found = await asyncio.to_thread(lookup)
        if found is not None:
            self._blog_ids[slug] = found
        return found

    async def open_transport(
        self, subscriber: TransportSubscriber, slug: str, scope: Scope
    ) -> int | None:
        """Serve an event stream on a raw transport; returns the blog id once registered."""
        blog_id = await self.blog_id(slug)
        if blog_id is None:
            not_found = problem(404, f"no blog with the slug {slug!r}")
            head = [
                b"HTTP/1.1 404 Not Found",
                b"content-type: application/problem+json",
                b"content-length: " + str(len(not_found.body)).encode(),
                b"connection: close",
            ]
            subscriber.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + bytes(not_found.body))
            subscriber.close()
            return None
        after, valid = _position(scope)
        if not subscriber.write(response_head() + PREAMBLE):
            return None
        joined = await self.hub.subscribe(blog_id, subscriber, after, unusable=not valid)
        return blog_id if joined else None

    async def stream(self, request: Request, slug: str) -> Response:
        """The same stream through plain ASGI (one coroutine per reader)."""
        blog_id = await self.blog_id(slug)
        if blog_id is None:
            return problem(404, f"no blog with the slug {slug!r}")
        after, valid = _position(request.scope)
        subscriber = QueueSubscriber()
        subscriber.write(PREAMBLE)

        async def frames() -> Any:
            joined = await self.hub.subscribe(blog_id, subscriber, after, unusable=not valid)
            try:
                while joined:
                    data = await subscriber.next()
                    if data is None:
                        break
                    yield data
            finally:
                self.hub.unsubscribe(blog_id, subscriber)

        headers = {k: v for k, v in HEADERS if k != "connection"}
        return StreamingResponse(frames(), headers=headers, media_type=None)


def _position(scope: Scope) -> tuple[int | None, bool]:
    """The reader's last seen event: ``Last-Event-ID`` header, else ``?last_event_id=``."""
    for name, value in scope.get("headers", ()):
        if name == b"last-event-id":
            return parse_last_event_id(value.decode("latin-1"))
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "last_event_id":
            return parse_last_event_id(value)
    return None, True
