"""uvicorn's httptools protocol, taught to hand event streams to the hub.

A ``GET /live/{slug}/events`` request never becomes an ASGI task: once its headers are parsed,
the connection's transport gets a small :class:`~liveblog.web.sse.StreamProtocol` instead of this
one, and :class:`liveblog.web.live.Live` writes the response head and any replay and registers
the transport with the blog's hub. After that the connection holds no task, no coroutine and no
parser: an idle reader costs its transport and a five-slot protocol object.
Every other request goes through the ASGI app as usual. The app publishes the ``Live`` service
in its lifespan state under :data:`STATE_KEY`; without it (another server, no lifespan) the
ASGI route in :mod:`liveblog.web.reader_live` serves the stream instead.
"""

from __future__ import annotations

import re
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from liveblog.web.live import Live
from liveblog.web.sse import StreamProtocol

STATE_KEY = "liveblog.live"
STREAM_PATH = re.compile(r"^/live/([a-z0-9-]{1,64})/events$")


class LiveHttpToolsProtocol(HttpToolsProtocol):
    """Use with ``uvicorn.run(..., http=LiveHttpToolsProtocol)``."""

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        live = self.app_state.get(STATE_KEY)
        scope = cycle.scope
        match = STREAM_PATH.match(scope["path"]) if scope["method"] == "GET" else None
        if not isinstance(live, Live) or match is None or scope.get("root_path"):
            super()._start_asgi_task(cycle, app)
            return
        # Hand over once the parser has returned from this callback.
        task = self.loop.create_task(self._hand_over(live, match.group(1), scope))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _hand_over(self, live: Live, slug: str, scope: Any) -> None:
        """Give the connection to a :class:`StreamProtocol`, which takes this object's place in
        uvicorn's connection set (so the server's shutdown reaches it); this object (parser,
        request state, timers) is then freed."""
        transport = self.transport
        self._unset_keepalive_if_required()
        self.connections.discard(self)
        self.pipeline.clear()
        self.parser = None  # type: ignore[assignment]
        self.cycle = None  # type: ignore[assignment]
        self.flow = None  # type: ignore[assignment]
        if transport.is_closing():
            return
        stream = StreamProtocol(transport, self.connections)  # takes this one's place there
        transport.set_protocol(stream)
        transport.resume_reading()  # uvicorn may have paused it for pipelining
        await live.open_transport(stream, slug, scope)
