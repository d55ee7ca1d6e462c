"""The desk feed: what the desk streams of a blog are told, looked up once per blog per process.

Several server processes may serve one blog, so what a desk stream reports lives in the
database: the queue of unpublished entries (and its mark,
:func:`liveblog.storage.presence.queue_mark`) and who has the desk open (``desk_presence``,
:mod:`liveblog.domain.presence`). A :class:`BlogFeed` looks once per ``desk_stream_seconds``, or
at once when this process pokes it (a commit with events, a desk opened, closed or marked here),
for all of its blog's desk streams in the process: the mark and the presence rows each time, the
queue only when the mark moved; every stream then gets what it may see of that (contributors
their own entries) and the others who are present, each only when it changed.

Every :data:`~liveblog.domain.presence.REFRESH` the feed also renews the signs of its streams'
clients (one write) and checks that each stream's session and role still let it see the desk: a
stream whose user logged out, was disabled or left the blog is closed, and one whose role changed
gets the queue its new role sees.

A feed runs while its blog has desk streams in the process: a task on the event loop, started by
the first stream and ended after the last. A stream (:class:`DeskReader`) holds at most its newest
unsent queue frame and presence frame: a slow reader skips snapshots, it never piles them up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from liveblog.actions import Actions, Committed
from liveblog.config import Settings
from liveblog.domain import policy, presence, workflow
from liveblog.domain.models import Entry, User
from liveblog.domain.policy import Permission
from liveblog.storage import members as member_rows
from liveblog.storage import presence as presence_rows
from liveblog.storage import reads
from liveblog.storage import sessions as session_rows
from liveblog.storage import users as user_rows
from liveblog.web.api.queued import queue_json
from liveblog.web.live.sse import HEARTBEAT
from liveblog.web.sessions import lifetimes

log = logging.getLogger("liveblog.desk")
MAX_STREAMS_PER_USER = presence.MAX_CLIENTS
"""Most open desk streams of one user in one process (all blogs); more get 429."""


def frame(event: str, data: Any, id_: str | None = None) -> bytes:
    """One SSE message; ``id:`` only for queue snapshots (presence frames leave the reader's
    last event id as it is)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {id_}\n" if id_ is not None else ""
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


class DeskReader:
    """One desk stream: whose it is, and its frames not sent yet (at most one of each kind)."""

    def __init__(
        self, user: User, session_hash: str, client: str, publisher: bool, seen_at: datetime
    ) -> None:
        self.user = user
        self.session_hash = session_hash
        self.client = client
        self.publisher = publisher
        """Sees every unpublished entry (editors, owners, admins), not only its own."""
        self.seen_at = seen_at
        """The ``seen_at`` this process last wrote for the client's row."""
        self.mark: str | None = None
        """The queue mark of the last queue frame (``None``: none yet, or its role changed)."""
        self.present: list[dict[str, Any]] | None = None
        self.closed = False
        self._queue: bytes | None = None
        self._presence: bytes | None = None
        self._ready = asyncio.Event()

    def send_queue(self, mark: str, body: dict[str, Any]) -> None:
        self.mark = mark
        self._queue = frame("queue", body, mark)
        self._ready.set()

    def send_presence(self, present: list[dict[str, Any]]) -> None:
        self.present = present
        self._presence = frame("presence", present)
        self._ready.set()

    def close(self) -> None:
        """End the stream; what it has not sent yet is dropped."""
        self.closed = True
        self._queue = self._presence = None
        self._ready.set()

    async def next(self, heartbeat: float) -> bytes | None:
        """The frames to send now (a heartbeat after ``heartbeat`` seconds of nothing);
        ``None`` once closed."""
        if not self._ready.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), heartbeat)
        if self.closed:
            return None
        data = (self._queue or b"") + (self._presence or b"")
        self._queue = self._presence = None
        self._ready.clear()
        return data or HEARTBEAT


@dataclass(frozen=True)
class Look:
    """What one look at a blog found."""

    now: datetime
    mark: str
    signs: list[presence.Sign]
    queue: tuple[list[Entry], dict[int, str]] | None
    """Every unpublished entry and its authors' names; ``None`` when not read."""
    renewed: datetime | None = None
    """The ``seen_at`` written for the renewed clients, if this look renewed them."""
    access: dict[DeskReader, bool | None] | None = None
    """Per checked reader: may it publish (see everything), or ``None``: no desk any more."""

    def queue_for(self, reader: DeskReader) -> dict[str, Any]:
        assert self.queue is not None
        found, names = self.queue
        if not reader.publisher:
            found = [e for e in found if e.author_id == reader.user.id]
        return queue_json(found, names)


class DeskFeeds:
    """The desk feeds of this process, one per blog with open desk streams; owned by the app."""

    def __init__(self, settings: Settings, actions: Actions) -> None:
        self.settings = settings
        self.actions = actions
        self.interval = max(0.05, settings.desk_stream_seconds)
        self.feeds: dict[int, BlogFeed] = {}
        self.streams_per_user: dict[int, int] = {}

    # -- opening and closing streams (on the event loop) -----------------------------------------

    def admit(self, user_id: int) -> bool:
        """Count one more desk stream of the user, unless it has :data:`MAX_STREAMS_PER_USER`."""
        count = self.streams_per_user.get(user_id, 0)
        if count >= MAX_STREAMS_PER_USER:
            return False
        self.streams_per_user[user_id] = count + 1
        return True

    def release(self, user_id: int) -> None:
        count = self.streams_per_user.get(user_id, 0) - 1
        if count > 0:
            self.streams_per_user[user_id] = count
        else:
            self.streams_per_user.pop(user_id, None)

    def join(self, blog_id: int, reader: DeskReader) -> None:
        """Add the stream to its blog's feed (started if the blog has none in this loop), and
        tell the others at once that someone came."""
        feed = self.feeds.get(blog_id)
        if feed is None or not feed.serves_here():
            feed = self.feeds[blog_id] = BlogFeed(self, blog_id)
        feed.readers.add(reader)
        feed.poke()

    async def leave(self, blog_id: int, reader: DeskReader) -> None:
        """The stream ended: it leaves the feed, gives back its slot, and its client's row goes
        (the others hear at once here, within a look elsewhere)."""
        reader.close()
        self.release(reader.user.id)
        feed = self.feeds.get(blog_id)
        if feed is not None:
            feed.readers.discard(reader)
            if feed.reconnected(reader):
                return  # the page's stream reconnected here already: its row stays
        await self.forget(blog_id, reader)
        if feed is not None:
            feed.poke()

    async def forget(self, blog_id: int, reader: DeskReader) -> None:
        """Delete the row of a stream that ended (unless a newer stream of its page wrote it)."""
        try:
            await run_in_threadpool(
                self.actions.desk_closed, blog_id, reader.user.id, reader.client, reader.seen_at
            )
        except Exception:
            log.exception("removing a desk client of blog %s failed; it expires", blog_id)

    def poke(self, blog_id: int) -> None:
        """Look at the blog now (safe to call from any thread)."""
        feed = self.feeds.get(blog_id)
        if feed is not None:
            with suppress(RuntimeError):  # its loop has closed
                feed.loop.call_soon_threadsafe(feed.poke)

    def committed(self, committed: Committed) -> None:
        """Commit listener: a blog's events were written (its queue may have changed)."""
        self.poke(committed.blog_id)

    async def stop(self) -> None:
        feeds, self.feeds = list(self.feeds.values()), {}
        for feed in feeds:
            for reader in feed.readers:
                reader.close()
            feed.readers.clear()
            feed.task.cancel()
        for feed in feeds:
            with suppress(asyncio.CancelledError, RuntimeError):
                await feed.task

    # -- looking (in a worker thread) ------------------------------------------------------------

    def look(
        self, blog_id: int, marks: Collection[str | None], renew: Collection[DeskReader] = ()
    ) -> Look:
        """Read the blog's mark and presence, and its queue unless every one of ``marks`` is
        the current mark; first renew the signs of ``renew`` and check their access."""
        renewed = access = None
        if renew:
            clients = {(r.user.id, r.client) for r in renew if not r.closed}
            renewed = self.actions.desks_seen(blog_id, clients)
            access = self._access(blog_id, renew)
        now = self.actions.clock()
        with self.actions.db.read() as conn:
            mark = presence_rows.queue_mark(conn, blog_id)
            signs = presence_rows.signs(conn, blog_id, now - presence.TTL)
            queue = None
            if any(m != mark for m in marks):
                found = reads.unpublished(conn, blog_id)
                authors = [e.author_id for e in found if e.author_id is not None]
                queue = (found, user_rows.names(conn, authors))
        return Look(now, mark, signs, queue, renewed, access)

    def _access(
        self, blog_id: int, readers: Collection[DeskReader]
    ) -> dict[DeskReader, bool | None]:
        now = self.actions.clock()
        span = lifetimes(self.settings)
        found: dict[DeskReader, bool | None] = {}
        with self.actions.db.read() as conn:
            for reader in readers:
                session = session_rows.by_hash(conn, reader.session_hash)
                if session is None or session.user.disabled or span.expired(session, now):
                    found[reader] = None
                    continue
                role = member_rows.role_of(conn, blog_id, session.user.id)
                allowed = policy.can(session.user, Permission.VIEW_DESK, role)
                found[reader] = workflow.may_publish(session.user, role) if allowed else None
        return found


class BlogFeed:
    """One blog's look-ups for its desk streams in this process (see the module's docstring)."""

    def __init__(self, feeds: DeskFeeds, blog_id: int) -> None:
        self.feeds = feeds
        self.blog_id = blog_id
        self.readers: set[DeskReader] = set()
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._renewed = time.monotonic()  # a stream's first look writes its sign
        self.task = self.loop.create_task(self._run())

    def serves_here(self) -> bool:
        """Whether the feed runs on the running event loop (a test client may start a loop per
        request)."""
        return not self.task.done() and self.loop is asyncio.get_running_loop()

    def poke(self) -> None:
        self._wake.set()

    def reconnected(self, gone: DeskReader) -> bool:
        """Whether another stream of the same page (client) is here."""
        return any(r.client == gone.client and r.user.id == gone.user.id for r in self.readers)

    async def _run(self) -> None:
        feeds = self.feeds
        refresh = presence.REFRESH.total_seconds()
        while self.readers:
            self._wake.clear()
            readers = list(self.readers)
            due = time.monotonic() - self._renewed >= refresh
            renew = readers if due else []
            try:
                marks = {r.mark for r in readers}
                found = await run_in_threadpool(feeds.look, self.blog_id, marks, renew)
            except Exception:
                log.exception("looking at the desk of blog %s failed; trying again", self.blog_id)
            else:
                if due:
                    self._renewed = time.monotonic()
                await self._apply(found, readers)
            if not self.readers:
                break
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), feeds.interval)
        if feeds.feeds.get(self.blog_id) is self:
            del feeds.feeds[self.blog_id]

    async def _apply(self, found: Look, readers: list[DeskReader]) -> None:
        """Tell each reader what changed for it."""
        again = False
        left = []
        for reader in readers:
            if found.renewed is not None and reader in (found.access or {}):
                if reader.closed:  # it left while its sign was renewed: remove it again
                    left.append(reader)
                reader.seen_at = found.renewed
            if reader.closed:
                continue
            if found.access is not None and reader in found.access:
                publisher = found.access[reader]
                if publisher is None:
                    log.info("closing the desk stream of user %s: no access", reader.user.id)
                    reader.close()
                    continue
                if publisher != reader.publisher:
                    reader.publisher, reader.mark = publisher, None
            if reader.mark != found.mark:
                if found.queue is None:
                    again = True  # it came (or its role changed) after this look began
                else:
                    reader.send_queue(found.mark, found.queue_for(reader))
            present = presence.others(found.signs, reader.user.id, found.now)
            if present != reader.present:
                reader.send_presence(present)
        for reader in left:
            if not self.reconnected(reader):
                await self.feeds.forget(self.blog_id, reader)
        if again:
            self._wake.set()
