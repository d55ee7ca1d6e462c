"""In-process cache of rendered reader pages, keyed to the blog's version.

A key is ``(slug, normalised view)`` (the events polling endpoint keeps its answers here too,
under ``(slug, "events|after|limit")``); the value is the page's bytes with its headers built once
(ETag from a hash of the bytes, Cache-Control, length, security headers), stamped with the blog
version (``blogs.last_seq``) it shows. Pages depend on nothing but the blog's rows, so a page is
right for exactly as long as the version stays the same.

Pages that show every blog (the index ``/``) have :data:`SITE` in place of a slug. Their version
is the site's (:func:`storage.blogs.site_version`, which grows with every event of every blog),
and any local commit, to any blog, makes them stale at once.

Serving a page:

* **Fresh hit** - checked less than ``page_revalidate_seconds`` ago (``time.monotonic``: pages
  never show the current time) and no local commit to the blog since it was rendered: served
  from memory, the database is not touched.
* **Expired** - one cheap query (``storage.blogs.version``) asks for the blog's version; if it is
  unchanged the page is fresh again, otherwise it is rendered anew. This is how writes of other
  processes (a second server, the CLI) reach this process, within the window.
* **Invalidated** - :meth:`PageCache.invalidate` hears every commit of this process's actions and
  raises the blog's version floor; pages below it are never served again, so a reader who reloads
  after a write sees it at once. The floor of :data:`SITE` counts local commits instead: a site
  page is kept with the count from before its render (or check) began, so a render that a commit
  overtook is never fresh afterwards.

API reads (:mod:`liveblog.web.api.cached_reads`) use the cache without the time window: each
request asks for the blog's version (:class:`~liveblog.web.version_checks.VersionChecks`, one
cheap query shared by the requests that arrived before it began), then :meth:`PageCache.at`
serves the page if it shows that version or a newer one, else renders it (:meth:`get_at`). A
client that wrote and then reads sees its write, whichever process wrote.

Concurrent misses of one key are rendered once ("single flight"): the others wait for that
render, unless a local commit happened after it began, in which case they render themselves.
The cache is an LRU bounded by ``page_cache_size`` pages and ``page_cache_bytes`` bytes (a page
larger than the whole budget is served but not kept) and is safe to use from many threads; the
lock only guards dictionary operations, never I/O.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from liveblog.actions import Committed
from liveblog.config import Settings
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.web.cached_page import CachedPage as CachedPage
from liveblog.web.cached_page import PrebuiltResponse as PrebuiltResponse
from liveblog.web.cached_page import RawHeaders as RawHeaders
from liveblog.web.reader.models import Rendered
from liveblog.web.security_headers import CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY
from liveblog.web.version_checks import VersionChecks

Key = tuple[str, str]
"""``(slug, view)``: the blog's slug (or :data:`SITE`) first, then any string naming the page."""

SITE = ""
"""The key's first part for pages of the whole site (no slug is empty)."""

Renderer = Callable[[Connection], Rendered]


def closed_cache_control(settings: Settings) -> str:
    """``Cache-Control`` of a closed blog's pages, embed, feeds and polls: they change rarely
    once the coverage has ended (``LIVEBLOG_CLOSED_MAX_AGE``); reopening the blog makes them
    stale in this process at once, in browsers and CDNs when their copy expires."""
    return f"public, max-age={settings.closed_max_age}"


@dataclass(eq=False)
class _Slot:
    page: CachedPage
    checked_at: float
    mark: int
    """The floor this page satisfies: its blog version, or for :data:`SITE` the count of local
    commits before it was rendered or last checked. Fresh while ``mark >= floor``."""
    size: int


@dataclass(eq=False)
class _Flight:
    """One render in progress; ``floor`` is the blog's version floor when it began."""

    floor: int
    done: threading.Event = field(default_factory=threading.Event)
    page: CachedPage | None = None


class PageCache:
    """Rendered pages per blog version; see the module docstring for the rules."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.db = db
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._slots: OrderedDict[Key, _Slot] = OrderedDict()
        self._bytes = 0
        # Per slug the highest committed version; under SITE the number of local commits.
        self._floors: dict[str, int] = {}
        self._flights: dict[Key, _Flight] = {}
        self.versions = VersionChecks(db)
        """Blogs' versions read from the database, shared by concurrent API reads."""

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def size_in_bytes(self) -> int:
        """What the kept pages take: bodies and headers."""
        return self._bytes

    # -- commit listener -------------------------------------------------------------------------

    def invalidate(self, committed: Committed) -> None:
        """A local commit: no page of the blog older than ``committed.seq`` is served again,
        nor any site page rendered before it."""
        with self._lock:
            if committed.seq > self._floors.get(committed.slug, 0):
                self._floors[committed.slug] = committed.seq
            self._floors[SITE] = self._floors.get(SITE, 0) + 1

    # -- reading ---------------------------------------------------------------------------------

    def lookup(self, key: Key) -> CachedPage | None:
        """The page if it may be served without asking the database; never does I/O."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None or not self._fresh(key, slot):
                return None
            self._slots.move_to_end(key)
            return slot.page

    async def fetch(self, key: Key, render: Renderer) -> CachedPage:
        """For a route on the event loop: the page from memory when fresh, else :meth:`get`
        in a worker thread."""
        page = self.lookup(key)
        if page is None:
            page = await run_in_threadpool(self.get, key, render)
        return page

    def get(self, key: Key, render: Renderer) -> CachedPage:
        """The page, revalidated or rendered (``render`` runs in a consistent read snapshot).

        Blocking: call it from a worker thread. Pages without a blog version (unknown blog)
        are returned but not kept.
        """
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None and self._fresh(key, slot):
                self._slots.move_to_end(key)
                return slot.page
            floor = self._floors.get(key[0], 0)
            flight = self._flights.get(key)
            leader = flight is None or flight.floor != floor
            if leader:
                flight = _Flight(floor)
                self._flights[key] = flight
        assert flight is not None
        return self._in_flight(key, flight, leader, lambda: self._refresh(key, slot, render, floor))

    # -- reading at a known version (API reads) ---------------------------------------------------

    def at(self, key: Key, version: int) -> CachedPage | None:
        """The kept page of ``key`` if it shows blog version ``version`` or a newer one (the
        caller read ``version`` from the database after its request arrived); never does I/O."""
        with self._lock:
            return self._kept_at(key, version)

    def get_at(
        self, key: Key, version: int, render: Callable[[Connection], CachedPage]
    ) -> CachedPage:
        """:meth:`at`, or the page rendered anew (in a read snapshot that began after
        ``version`` was read, so it shows that version or a newer one) and kept.

        Blocking: call it from a worker thread. Concurrent misses wait for a render that began
        at ``version`` or later instead of rendering themselves."""
        with self._lock:
            kept = self._kept_at(key, version)
            if kept is not None:
                return kept
            floor = self._floors.get(key[0], 0)
            flight = self._flights.get(key)
            leader = flight is None or flight.floor < version
            if leader:
                flight = _Flight(version)
                self._flights[key] = flight
        assert flight is not None
        return self._in_flight(key, flight, leader, lambda: self._render_at(key, render, floor))

    def _in_flight(
        self, key: Key, flight: _Flight, leader: bool, produce: Callable[[], CachedPage]
    ) -> CachedPage:
        """Single flight: the leader produces the page for everyone waiting on ``flight``;
        the others wait for it, and produce their own if the leader failed."""
        if not leader:
            flight.done.wait()
            if flight.page is not None:
                return flight.page
            return produce()  # the leader failed: try on our own
        try:
            flight.page = produce()
            return flight.page
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    def _render_at(
        self, key: Key, render: Callable[[Connection], CachedPage], floor: int
    ) -> CachedPage:
        started = self._monotonic()
        with self.db.read() as conn:
            page = render(conn)
        page.warm()  # compressed here, in the rendering thread, not on the event loop
        self._store(key, page, started, floor)
        return page

    # -- internals: _fresh runs under the lock, the others take it themselves --------------------

    def _kept_at(self, key: Key, version: int) -> CachedPage | None:
        slot = self._slots.get(key)
        if slot is None or (slot.page.version or 0) < version:
            return None
        self._slots.move_to_end(key)
        return slot.page

    def _fresh(self, key: Key, slot: _Slot) -> bool:
        return (
            self._monotonic() - slot.checked_at < self.settings.page_revalidate_seconds
            and slot.mark >= self._floors.get(key[0], 0)
        )

    def _refresh(self, key: Key, slot: _Slot | None, render: Renderer, floor: int) -> CachedPage:
        """``floor``: the key's floor read before this call, so before any database read."""
        slug = key[0]
        if slot is not None:
            with self._lock:
                below_floor = slot.mark < self._floors.get(slug, 0)
            if not below_floor:
                # Only the time window ran out: ask whether anyone else wrote.
                started = self._monotonic()
                with self.db.read() as conn:
                    current = (
                        blog_rows.site_version(conn)
                        if slug == SITE
                        else blog_rows.version(conn, slug)
                    )
                if current is not None and current == slot.page.version:
                    self._store(key, slot.page, started, floor)
                    return slot.page
        return self._render_at(
            key, lambda conn: CachedPage.build(render(conn), self.settings), floor
        )

    def _store(self, key: Key, page: CachedPage, checked_at: float, floor: int) -> None:
        """Keep ``page`` as checked at ``checked_at``, unless a page at least as new is kept.

        ``floor`` is the key's floor from before the render or check began: every local commit
        it counts is in what was read. A blog page's mark is simply its version."""
        with self._lock:
            if page.version is None:
                # No such blog (any more): nothing to keep, and nothing old to serve.
                self._drop(key)
                return
            mark = floor if key[0] == SITE else page.version
            current = self._slots.get(key)
            if current is not None and (current.page.version or 0) >= page.version:
                # The same page revalidated, or a render of the same or a newer version
                # finished first: keep that one. It shows at least what this read saw (versions
                # only grow, and a snapshot sees a prefix of the commits), so it meets ``mark``.
                current.checked_at = max(current.checked_at, checked_at)
                current.mark = max(current.mark, mark)
                self._slots.move_to_end(key)
                return
            self._drop(key)
            size = page.size_in_bytes
            if size > self.settings.page_cache_bytes:
                return  # served to this request (and its flight), never kept
            self._slots[key] = _Slot(page, checked_at, mark, size)
            self._bytes += size
            while (
                len(self._slots) > max(self.settings.page_cache_size, 0)
                or self._bytes > self.settings.page_cache_bytes
            ):
                _, evicted = self._slots.popitem(last=False)
                self._bytes -= evicted.size

    def _drop(self, key: Key) -> None:
        slot = self._slots.pop(key, None)
        if slot is not None:
            self._bytes -= slot.size
