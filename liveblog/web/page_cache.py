"""In-process cache of rendered reader pages, keyed to the blog's version.

A key is ``(slug, normalised view)`` (the events polling endpoint keeps its answers here too,
under ``(slug, "events|after|limit")``); the value is the page's bytes with its headers built once
(ETag from a hash of the bytes, Cache-Control, length), stamped with the blog version
(``blogs.last_seq``) it shows. Pages depend on nothing but the blog's rows, so a page is right for
exactly as long as the version stays the same.

Serving a page:

* **Fresh hit** - checked less than ``page_revalidate_seconds`` ago (``time.monotonic``, not the
  injected clock) and no local commit to the blog since it was rendered: served from memory,
  the database is not touched.
* **Expired** - one cheap query (``storage.blogs.version``) asks for the blog's version; if it is
  unchanged the page is fresh again, otherwise it is rendered anew. This is how writes of other
  processes (a second server, the CLI) reach this process, within the window.
* **Invalidated** - :meth:`PageCache.invalidate` hears every commit of this process's actions and
  raises the blog's version floor; pages below it are never served again, so a reader who reloads
  after a write sees it at once.

Concurrent misses of one key are rendered once ("single flight"): the others wait for that
render, unless a local commit happened after it began, in which case they render themselves.
The cache is a bounded LRU of ``page_cache_size`` pages and is safe to use from many threads;
the lock only guards dictionary operations, never I/O.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from liveblog.actions import Clock, Committed
from liveblog.config import Settings
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.web.pages import Rendered

Key = tuple[str, str]
"""``(slug, view)``: the blog's slug first, then any string naming the page of that blog."""

Renderer = Callable[[Connection], Rendered]
RawHeaders = list[tuple[bytes, bytes]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'"
)
"""Pages load nothing from other hosts, and this tells browsers to refuse if one ever tried."""


class PrebuiltResponse(Response):
    """A response whose bytes and headers were built before the request came."""

    def __init__(self, status_code: int, body: bytes, raw_headers: RawHeaders) -> None:
        # Response.__init__ would encode the headers again on every request: skip it.
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = raw_headers


def _raw(headers: Iterable[tuple[str, str]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


@dataclass(frozen=True, eq=False)
class CachedPage:
    """A page ready to send: bytes, ETag and both header sets (200 and 304) built once."""

    status: int
    body: bytes
    etag: str | None
    version: int | None
    headers: tuple[tuple[bytes, bytes], ...]
    not_modified_headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def build(cls, rendered: Rendered, settings: Settings) -> CachedPage:
        body = rendered.html.encode()
        common = [
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if rendered.status != 200:
            # Errors are not stored by browsers or CDNs: the entry may appear a second later.
            headers = [
                ("Content-Type", rendered.content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-cache"),
                *common,
            ]
            return cls(rendered.status, body, None, rendered.version, _raw(headers), ())
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        cache_control = rendered.cache_control or (
            f"public, max-age={settings.page_max_age}, "
            f"stale-while-revalidate={settings.page_stale_while_revalidate}"
        )
        validators = [("ETag", etag), ("Cache-Control", cache_control)]
        headers = [
            ("Content-Type", rendered.content_type),
            ("Content-Length", str(len(body))),
            *validators,
            *common,
        ]
        return cls(200, body, etag, rendered.version, _raw(headers), _raw(validators))

    def matches(self, if_none_match: str | None) -> bool:
        """``If-None-Match`` names this page (weak comparison, as RFC 9110 asks for GET)."""
        if self.etag is None or not if_none_match:
            return False
        if if_none_match == self.etag:
            return True
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*" or tag.removeprefix("W/") == self.etag:
                return True
        return False

    def response(self, if_none_match: str | None = None) -> Response:
        if self.matches(if_none_match):
            return PrebuiltResponse(304, b"", list(self.not_modified_headers))
        return PrebuiltResponse(self.status, self.body, list(self.headers))


@dataclass(eq=False)
class _Slot:
    page: CachedPage
    checked_at: float


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
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.db = db
        # Pages never show the current time, so the clock is not needed to render or expire
        # them; it is kept for symmetry with Actions.
        self.clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._slots: OrderedDict[Key, _Slot] = OrderedDict()
        self._floors: dict[str, int] = {}
        self._flights: dict[Key, _Flight] = {}

    def __len__(self) -> int:
        return len(self._slots)

    # -- commit listener -------------------------------------------------------------------------

    def invalidate(self, committed: Committed) -> None:
        """A local commit: no page of the blog older than ``committed.seq`` is served again."""
        with self._lock:
            if committed.seq > self._floors.get(committed.slug, 0):
                self._floors[committed.slug] = committed.seq

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
        if not leader:
            flight.done.wait()
            if flight.page is not None:
                return flight.page
            return self._refresh(key, slot, render)  # the leader failed: try on our own
        try:
            flight.page = self._refresh(key, slot, render)
            return flight.page
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    # -- internals: _fresh runs under the lock, the others take it themselves --------------------

    def _fresh(self, key: Key, slot: _Slot) -> bool:
        version = slot.page.version
        assert version is not None
        return (
            self._monotonic() - slot.checked_at < self.settings.page_revalidate_seconds
            and version >= self._floors.get(key[0], 0)
        )

    def _refresh(self, key: Key, slot: _Slot | None, render: Renderer) -> CachedPage:
        slug = key[0]
        if slot is not None:
            with self._lock:
                below_floor = (slot.page.version or 0) < self._floors.get(slug, 0)
            if not below_floor:
                # Only the time window ran out: ask whether anyone else wrote.
                started = self._monotonic()
                with self.db.read() as conn:
                    current = blog_rows.version(conn, slug)
                if current is not None and current == slot.page.version:
                    self._store(key, slot.page, started)
                    return slot.page
        started = self._monotonic()
        with self.db.read() as conn:
            rendered = render(conn)
        page = CachedPage.build(rendered, self.settings)
        self._store(key, page, started)
        return page

    def _store(self, key: Key, page: CachedPage, checked_at: float) -> None:
        """Keep ``page`` as checked at ``checked_at``, unless a page at least as new is kept."""
        with self._lock:
            if page.version is None:
                # No such blog (any more): nothing to keep, and nothing old to serve.
                self._slots.pop(key, None)
                return
            current = self._slots.get(key)
            if current is not None and (current.page.version or 0) >= page.version:
                # The same page revalidated, or a render of the same or a newer version
                # finished first: keep that one.
                current.checked_at = max(current.checked_at, checked_at)
            else:
                self._slots[key] = _Slot(page, checked_at)
            self._slots.move_to_end(key)
            while len(self._slots) > max(self.settings.page_cache_size, 0):
                self._slots.popitem(last=False)
