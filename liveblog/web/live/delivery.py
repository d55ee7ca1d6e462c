"""Live delivery: wires the broker, the hub and the event-stream endpoints together.

Writes commit in worker threads. :meth:`Live.notify` (an actions commit listener) runs in the
writer's thread: when this process has readers of the blog it encodes the new events there, once,
then hops onto the event loop, hands the frames to the hub (no read-back from the log) and
publishes the wake-up to the other processes.

The broker also carries one message that is not about a blog: :data:`ACCESS_CHANGED` (blog 0,
which never exists) says that access was revoked somewhere (a token, a user, a password), and
every process that hears it runs its ``on_access_changed`` (it forgets the API tokens it
remembers) before anything reaches the hub.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import parse_qsl

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from liveblog.actions import Committed
from liveblog.domain.models import Blog, Event
from liveblog.domain.rules import SLUG_PATTERN
from liveblog.pubsub.broker import ACCESS_CHANGED, Broker, WakeUp
from liveblog.pubsub.hub import Frame, ProcessHub, Sink
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.web.connection_limits import (
    StreamsPerAddress,
    address_key,
    raw_problem,
    refuse,
    too_many_streams,
)
from liveblog.web.live.frames import LogFrames
from liveblog.web.live.sse import (
    PREAMBLE,
    RESPONSE_HEAD,
    QueueSubscriber,
    StreamProtocol,
    asgi_headers,
    parse_last_event_id,
)
from liveblog.web.problems import problem

log = logging.getLogger("liveblog.live")

STATE_KEY = "liveblog.live"
"""Under this key the app's lifespan state holds its :class:`Live`, for the protocol that hands
event streams over (:mod:`liveblog.web.live.protocol`)."""
STREAM_PATH = re.compile(r"^/live/([a-z0-9-]{1,64})/events$")
"""The path of a blog's event stream."""


class Live:
    def __init__(
        self,
        db: Database,
        broker: Broker,
        source: LogFrames,
        hub: ProcessHub,
        *,
        on_access_changed: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.on_access_changed = on_access_changed
        self.broker = broker
        self.hub = hub
        self.source = source
        self._blog_ids: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.streams_per_address = StreamsPerAddress()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.hub.start()
        await self.broker.start(self._woken, self.hub.catch_up)

    async def stop(self) -> None:
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self.broker.stop()
        await self.hub.stop()
        self._loop = None

    def _woken(self, wake_up: WakeUp) -> None:
        if wake_up.blog_id == ACCESS_CHANGED.blog_id:
            if self.on_access_changed is not None:
                self.on_access_changed()
            return
        self.hub.wake(wake_up)

    # -- after commit --------------------------------------------------------------------------

    def access_revoked(self) -> None:
        """Actions' access listener; safe to call from any thread: tell every process (this
        one included) that access was revoked."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._announce)

    def _announce(self) -> None:
        task = asyncio.get_running_loop().create_task(self.broker.publish(ACCESS_CHANGED))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def prepare(
        self, conn: Connection, blog: Blog, events: tuple[Event, ...]
    ) -> list[Frame] | None:
        """The commit listener's ``prepare`` (:meth:`Actions.on_commit`): in the write
        transaction, if this process has readers of the blog, encode the events from the rows
        just written (no second transaction after the commit); :meth:`notify` hands them on."""
        loop = self._loop
        if loop is None or loop.is_closed() or blog.id not in self.hub.blogs:
            return None
        return self.source.frames_in(conn, blog, events)

    def notify(self, committed: Committed) -> None:
        """Commit listener; safe to call from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not serving: nobody in this process listens
        frames: list[Frame] = []
        if isinstance(committed.prepared, list):  # encoded in the write transaction
            frames = committed.prepared
        elif committed.blog_id in self.hub.blogs:  # readers here: encode in this thread, once
            try:
                frames = self.source.frames_for(committed.blog_id, committed.events)
            except Exception:
                log.exception(
                    "encoding events of blog %s failed; reading them back instead",
                    committed.blog_id,
                )
        wake_up = WakeUp(committed.blog_id, committed.seq)
        loop.call_soon_threadsafe(self._publish, wake_up, frames)

    def _publish(self, wake_up: WakeUp, frames: list[Frame]) -> None:
        if frames:
            self.hub.deliver(wake_up.blog_id, frames)
        else:
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
        self, stream: StreamProtocol, slug: str, scope: Scope, max_per_address: int = 0
    ) -> bool:
        """Serve an event stream on a handed-over connection; ``True`` once registered.
        ``max_per_address``: most open streams of the client's address (0: no limit).

        No ASGI server stands behind this connection any more, so a failure here (the database
        unreachable during the replay, say) must close it: the reader reconnects and resumes,
        instead of waiting on a silent, unregistered stream."""
        try:
            return await self._open_transport(stream, slug, scope, max_per_address)
        except Exception:
            log.exception("opening an event stream for %r failed; closing it", slug)
            stream.transport.abort()
            return False

    async def _open_transport(
        self, stream: StreamProtocol, slug: str, scope: Scope, max_per_address: int
    ) -> bool:
        blog_id = await self.blog_id(slug)
        transport = stream.transport
        if blog_id is None:
            refuse(transport, raw_problem(404, f"no blog with the slug {slug!r}"))
            return False
        after, valid = _position(scope)
        if transport.is_closing():
            return False
        address = self._admit(scope, max_per_address)
        if address is False:
            refuse(transport, raw_problem(429, *too_many_streams(max_per_address)))
            return False
        stream.on_lost = _Leave(self, blog_id, address)
        transport.write(RESPONSE_HEAD + PREAMBLE)
        return await self.hub.subscribe(blog_id, stream, after, unusable=not valid)

    async def stream(self, request: Request, slug: str, max_per_address: int = 0) -> Response:
        """The same stream through plain ASGI (one coroutine per reader)."""
        blog_id = await self.blog_id(slug)
        if blog_id is None:
            return problem(404, f"no blog with the slug {slug!r}")
        after, valid = _position(request.scope)
        address = self._admit(request.scope, max_per_address)
        if address is False:
            detail, headers = too_many_streams(max_per_address)
            return problem(429, detail, headers=headers)
        subscriber = QueueSubscriber()
        subscriber.write(PREAMBLE)
        hub = self.hub
        leave = _Leave(self, blog_id, address)
        subscriber.on_lost = leave

        async def frames() -> Any:
            # The replay runs beside the loop below, which drains what it writes.
            join = asyncio.ensure_future(
                hub.subscribe(blog_id, subscriber, after, unusable=not valid)
            )
            join.add_done_callback(lambda done: _close_unless_joined(done, subscriber))
            try:
                while True:
                    data = await subscriber.next()
                    if data is None:
                        break
                    yield data
            finally:
                join.cancel()
                hub.unsubscribe(blog_id, subscriber)

        return _CountedStream(frames(), leave, headers=asgi_headers(), media_type=None)

    def _admit(self, scope: Scope, limit: int) -> str | Literal[False] | None:
        """Count a new stream of the client's address: the key it is counted under (``None``:
        not counted, no limit or no address), or ``False`` if the address has ``limit``."""
        client = scope.get("client")
        if limit <= 0 or not client:
            return None
        key = address_key(client[0])
        return key if self.streams_per_address.acquire(key, limit) else False


class _Leave:
    """A stream's end (its ``on_lost``, called once): unsubscribe its sink, and give back its
    address's slot. Three slots: smaller than a closure, which matters with 10,000 readers."""

    __slots__ = ("address", "blog_id", "live")

    def __init__(self, live: Live, blog_id: int, address: str | None) -> None:
        self.live = live
        self.blog_id = blog_id
        self.address = address

    def __call__(self, sink: Sink) -> None:
        self.live.hub.unsubscribe(self.blog_id, sink)
        self.give_back()

    def give_back(self) -> None:
        """Give back the address's slot (once, however often called)."""
        address, self.address = self.address, None
        if address is not None:
            self.live.streams_per_address.release(address)


class _CountedStream(StreamingResponse):
    """The ASGI stream, which gives back its address's slot however it ends (also when the
    client leaves before its body has begun, so the generator never runs)."""

    def __init__(self, content: Any, leave: _Leave, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.leave = leave

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.leave.give_back()


def _close_unless_joined(join: asyncio.Future[bool], subscriber: QueueSubscriber) -> None:
    if join.cancelled() or join.exception() is not None or not join.result():
        if not join.cancelled() and join.exception() is not None:
            log.error("opening an event stream failed", exc_info=join.exception())
        subscriber.close()


def _position(scope: Scope) -> tuple[int | None, bool]:
    """The reader's last seen event: ``Last-Event-ID`` header, else ``?last_event_id=``."""
    for name, value in scope.get("headers", ()):
        if name == b"last-event-id":
            return parse_last_event_id(value.decode("latin-1"))
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
        if key == "last_event_id":
            return parse_last_event_id(value)
    return None, True
