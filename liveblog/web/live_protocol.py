"""uvicorn's httptools protocol, taught to hand event streams to the hub.

A ``GET /live/{slug}/events`` request never becomes an ASGI task: once its headers are parsed,
the connection's transport is given to :class:`liveblog.web.live.Live`, which writes the response
head and any replay, and registers the transport with the blog's hub. After that the connection
holds no task, no coroutine and no parser: an idle reader costs its transport and this object.
Every other request goes through the ASGI app as usual. The app publishes the ``Live`` service
in its lifespan state under :data:`STATE_KEY`; without it (another server, no lifespan) the
ASGI route in :mod:`liveblog.web.reader_live` serves the stream instead.
"""

from __future__ import annotations

import re
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from liveblog.web.live import Live
from liveblog.web.sse import TransportSubscriber

STATE_KEY = "liveblog.live"
STREAM_PATH = re.compile(r"^/live/([a-z0-9-]{1,64})/events$")


class LiveHttpToolsProtocol(HttpToolsProtocol):
    """Use with ``uvicorn.run(..., http=LiveHttpToolsProtocol)``."""

    stream: TransportSubscriber | None = None
    _stream_blog: int | None = None
    _live: Live | None = None

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        live = self.app_state.get(STATE_KEY)
        scope = cycle.scope
        match = STREAM_PATH.match(scope["path"]) if scope["method"] == "GET" else None
        if not isinstance(live, Live) or match is None or scope.get("root_path"):
            super()._start_asgi_task(cycle, app)
            return
        task = self.loop.create_task(self._hand_over(live, match.group(1), scope))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _hand_over(self, live: Live, slug: str, scope: Any) -> None:
        transport = self.transport
        subscriber = TransportSubscriber(transport)
        self.stream = subscriber
        # Free what only the HTTP parser needed: this connection now only receives frames.
        self.parser = None  # type: ignore[assignment]
        self.cycle = None  # type: ignore[assignment]
        self.scope = None  # type: ignore[assignment]
        self.headers = None  # type: ignore[assignment]
        self.url = b""
        self.pipeline.clear()
        blog_id = await live.open_transport(subscriber, slug, scope)
        if blog_id is None:
            return
        self._stream_blog = blog_id
        self._live = live
        if transport.is_closing():
            live.hub.unsubscribe(blog_id, subscriber)

    def data_received(self, data: bytes) -> None:
        if self.stream is None:
            super().data_received(data)
        # A reader of an event stream has nothing more to say; anything it sends is ignored.

    def connection_lost(self, exc: Exception | None) -> None:
        if self.stream is None:
            super().connection_lost(exc)
            return
        self.connections.discard(self)
        if self._stream_blog is not None and self._live is not None:
            self._live.hub.unsubscribe(self._stream_blog, self.stream)
        if exc is None:
            self.transport.close()

    def shutdown(self) -> None:
        if self.stream is None:
            super().shutdown()
        else:
            self.stream.close()

    def on_response_complete(self) -> None:
        if self.stream is None:
            super().on_response_complete()

    def pause_writing(self) -> None:
        if self.stream is None:
            super().pause_writing()

    def resume_writing(self) -> None:
        if self.stream is None:
            super().resume_writing()
