"""``GET /admin/blogs/{slug}/stream?client=...``: a blog's desk stream, for its members only.

Server-Sent Events that keep an open desk current on what readers do not see: the queue of
unpublished entries and who else has the desk open. The desk page opens it with ``EventSource``
(``static/desk-stream.js``); the session cookie authenticates it, as every desk page. Answers:

* ``event: queue``, ``id: <queue mark>``, ``data:`` the same JSON as
  ``GET /api/v1/blogs/{slug}/queue`` gives this user: at connect, and whenever the queue may
  have changed (:mod:`liveblog.web.desk.feed`). Resuming with ``Last-Event-ID`` equal to the
  current mark skips the first snapshot (nothing changed); any other id gets it (a snapshot is
  always correct, so nothing is replayed).
* ``event: presence``, ``data: [{"user": {"id", "name"}, "editing": <entry id or null>}, ...]``:
  the other users with the desk open (never the viewer's own pages), at connect and whenever it
  changes (:func:`liveblog.domain.presence.others`).
* ``retry:`` at the start and a comment as heartbeat, as on the public stream.

``client`` is the page's random id (16 to 64 of ``A-Z a-z 0-9 - _``; else 422): while the
stream is connected, its process keeps the client's presence row alive, and deletes it when the
stream ends. Without a session 401, for a user who may not see the desk 404, beyond
:data:`~liveblog.web.desk.feed.MAX_STREAMS_PER_USER` open desk streams of one user 429: all as
problem details, which ``EventSource`` takes as a failure (the page retries later).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from liveblog.domain import presence, rules, workflow
from liveblog.domain.errors import DomainError
from liveblog.domain.models import Blog, User
from liveblog.domain.policy import Permission
from liveblog.web.access import blog_for
from liveblog.web.auth import desk_session
from liveblog.web.connection_limits import STREAM_RETRY_AFTER_SECONDS
from liveblog.web.desk.feed import MAX_STREAMS_PER_USER, DeskFeeds, DeskReader, Look
from liveblog.web.live.sse import PREAMBLE, asgi_headers
from liveblog.web.problems import from_domain, problem
from liveblog.web.services import Services, services_of

router = APIRouter()

DESK_STREAM_PATH = re.compile(r"^/admin/blogs/([a-z0-9-]{1,64})/stream$")
"""The path of a blog's desk stream (``HEAD`` is not answered as ``GET`` there)."""


def stream_url(slug: str) -> str:
    return f"/admin/blogs/{slug}/stream"


@router.get("/blogs/{slug}/stream")
async def desk_stream(request: Request, slug: str) -> Response:
    """The desk's own event stream: queue snapshots and who else is here."""
    services = services_of(request)
    session = await desk_session(request)
    if session is None:
        return problem(401, "log in at /admin/login to open the desk stream")
    user = session.user
    try:
        blog, publisher = await run_in_threadpool(_access, services, user, slug)
        errors = rules.Collector()
        client = presence.client(errors, request.query_params.get("client"))
        errors.raise_if_any()
    except DomainError as error:
        return from_domain(error)
    feeds = services.desk
    if not feeds.admit(user.id):
        detail = f"you already have {MAX_STREAMS_PER_USER} desk streams open; close one"
        return problem(429, detail, headers={"retry-after": str(STREAM_RETRY_AFTER_SECONDS)})
    try:
        seen_at, found = await run_in_threadpool(_open, services, user, blog, client)
    except BaseException:
        feeds.release(user.id)
        raise
    reader = DeskReader(user, session.id_hash, client, publisher, seen_at)
    if _last_event_id(request) == found.mark:
        reader.mark = found.mark  # resumed with nothing missed
    else:
        reader.send_queue(found.mark, found.queue_for(reader))
    reader.send_presence(presence.others(found.signs, user.id, found.now))
    heartbeat = services.settings.live_heartbeat_seconds
    return _DeskStream(feeds, blog.id, reader, heartbeat)


def _access(services: Services, user: User, slug: str) -> tuple[Blog, bool]:
    """The blog, once the user may see its desk, and whether they see all of its queue."""
    with services.db.read() as conn:
        blog, role = blog_for(conn, user, slug, Permission.VIEW_DESK)
    return blog, workflow.may_publish(user, role)


def _open(services: Services, user: User, blog: Blog, client: str) -> tuple[datetime, Look]:
    """The client's sign of life, then the first look (with the queue)."""
    seen_at = services.actions.desk_opened(user, blog.id, client)
    return seen_at, services.desk.look(blog.id, {None})


def _last_event_id(request: Request) -> str | None:
    """``Last-Event-ID`` (``EventSource`` sends it when it reconnects), else ``?last_event_id=``
    (a page that opens a new ``EventSource`` after a failure)."""
    value = request.headers.get("last-event-id")
    if value is None:
        value = request.query_params.get("last_event_id")
    return value.strip() if value else None


class _DeskStream(StreamingResponse):
    """The stream of one reader: it joins its blog's feed when the response starts, and leaves
    it, giving back its slot and deleting its client's row, however the response ends."""

    def __init__(self, feeds: DeskFeeds, blog_id: int, reader: DeskReader, heartbeat: float):
        self.feeds = feeds
        self.blog_id = blog_id
        self.reader = reader
        # Private: no cache may keep it (the public stream's headers say no-cache).
        headers = {**asgi_headers(), "cache-control": "private, no-store"}
        super().__init__(self._frames(heartbeat), headers=headers, media_type=None)

    async def _frames(self, heartbeat: float) -> Any:
        yield PREAMBLE
        while True:
            data = await self.reader.next(heartbeat)
            if data is None:
                return
            yield data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.feeds.join(self.blog_id, self.reader)
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.feeds.leave(self.blog_id, self.reader)


__all__ = ["DESK_STREAM_PATH", "router", "stream_url"]
