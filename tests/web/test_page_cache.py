"""PageCache on its own: freshness window, version checks, invalidation, LRU bound, single
flight and thread safety. Time is a fake monotonic clock, so nothing here sleeps to expire."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Connection, event

from liveblog.actions import Actions, Committed
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.domain.pagination import Order, cursor_key
from liveblog.storage.database import Database
from liveblog.web.page_cache import CachedPage, PageCache, Renderer
from liveblog.web.reader import pages
from liveblog.web.reader.fast_path import INDEX_KEY, blog_key
from liveblog.web.reader.models import Rendered
from liveblog.web.reader.routes import render_index
from liveblog.web.reader.views import DEFAULT_VIEW, View
from tests.conftest import FakeClock

SLUG = "hochwasser"
KEY = blog_key(SLUG, DEFAULT_VIEW)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def cache_settings(settings: Settings) -> Settings:
    return Settings(
        database_url=settings.database_url, page_revalidate_seconds=1.0, page_cache_size=3
    )


@pytest.fixture
def cache(cache_settings: Settings, db: Database, monotonic: Monotonic) -> PageCache:
    return PageCache(cache_settings, db, monotonic=monotonic)


@pytest.fixture
def local(db: Database, clock: FakeClock, cache: PageCache, admin: User) -> Actions:
    """Actions of this process: the cache hears their commits."""
    actions = Actions(db, clock=clock)
    actions.on_commit(cache.invalidate)
    actions.create_blog(admin, slug=SLUG, title="Hochwasser")
    return actions


@pytest.fixture
def queries(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


CURSOR_KEY = cursor_key("page cache tests")  # signs next-page links of the pages rendered here


def renderer(settings: Settings, view: View = DEFAULT_VIEW, slug: str = SLUG) -> Renderer:
    return partial(pages.blog_page, settings=settings, slug=slug, view=view, cursor_key=CURSOR_KEY)


class Counting:
    """A renderer that counts its calls and can be held in the middle of a render."""

    def __init__(self, inner: Callable[[Connection], Rendered]) -> None:
        self.inner = inner
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def __call__(self, conn: Connection) -> Rendered:
        with self._lock:
            self.calls += 1
        self.entered.set()
        assert self.release.wait(10)
        return self.inner(conn)


# -- freshness -----------------------------------------------------------------------------------


def test_fresh_page_is_served_without_queries(
    cache: PageCache, local: Actions, cache_settings: Settings, queries: list[str]
) -> None:
    assert cache.lookup(KEY) is None
    page = cache.get(KEY, renderer(cache_settings))
    queries.clear()

    assert cache.lookup(KEY) is page
    assert cache.get(KEY, renderer(cache_settings)) is page
    assert queries == []


def test_expired_page_costs_one_version_query(
    cache: PageCache,
    local: Actions,
    cache_settings: Settings,
    monotonic: Monotonic,
    queries: list[str],
) -> None:
    page = cache.get(KEY, renderer(cache_settings))
    monotonic.now += 1.0
    assert cache.lookup(KEY) is None
    queries.clear()

    assert cache.get(KEY, renderer(cache_settings)) is page
    assert len(queries) == 1
    assert "last_seq" in queries[0]
    queries.clear()
    assert cache.lookup(KEY) is page  # fresh again for another window
    assert queries == []


def test_write_of_another_process_shows_after_the_window(
    cache: PageCache,
    local: Actions,
    db: Database,
    clock: FakeClock,
    admin: User,
    cache_settings: Settings,
    monotonic: Monotonic,
) -> None:
    old = cache.get(KEY, renderer(cache_settings))
    other_process = Actions(db, clock=clock)  # the cache does not hear this one
    entry = other_process.create_entry(admin, SLUG, body="Von der Kommandozeile.")

    monotonic.now += 0.5
    assert cache.lookup(KEY) is old  # within the window: the documented staleness
    monotonic.now += 0.5
    new = cache.get(KEY, renderer(cache_settings))

    assert new is not old
    assert f'id="entry-{entry.id}"' in new.body.decode()
    assert old.version is not None
    assert new.version == old.version + 1


def test_local_commit_invalidates_at_once(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    old = cache.get(KEY, renderer(cache_settings))
    entry = local.create_entry(admin, SLUG, body="Sofort sichtbar.")

    assert cache.lookup(KEY) is None
    new = cache.get(KEY, renderer(cache_settings))
    assert f'id="entry-{entry.id}"' in new.body.decode()
    assert new.etag != old.etag
    assert cache.lookup(KEY) is new


def test_invalidation_of_one_blog_leaves_others_cached(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    local.create_blog(admin, slug="sturm", title="Sturm")
    storm_key = blog_key("sturm", DEFAULT_VIEW)
    storm = cache.get(storm_key, renderer(cache_settings, slug="sturm"))
    cache.get(KEY, renderer(cache_settings))

    local.create_entry(admin, SLUG, body="Nur hier.")

    assert cache.lookup(KEY) is None
    assert cache.lookup(storm_key) is storm


def test_an_older_commit_notice_does_not_lower_the_floor(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    local.create_entry(admin, SLUG, body="Eins.")
    page = cache.get(KEY, renderer(cache_settings))
    assert page.version is not None
    cache.invalidate(Committed(blog_id=1, slug=SLUG, seq=page.version - 1, events=()))
    assert cache.lookup(KEY) is page
    cache.invalidate(Committed(blog_id=1, slug=SLUG, seq=page.version + 1, events=()))
    assert cache.lookup(KEY) is None


def test_unknown_blog_is_not_kept(cache: PageCache, cache_settings: Settings) -> None:
    key = blog_key("gibt-es-nicht", DEFAULT_VIEW)
    page = cache.get(key, renderer(cache_settings, slug="gibt-es-nicht"))
    assert page.status == 404
    assert page.etag is None
    assert len(cache) == 0
    assert cache.lookup(key) is None


# -- bounds and concurrency ----------------------------------------------------------------------


def test_lru_keeps_at_most_page_cache_size_pages(
    cache: PageCache, local: Actions, cache_settings: Settings
) -> None:
    views = [
        DEFAULT_VIEW,
        View(order=Order.OLDEST),
        View(key_events=True),
        View(order=Order.OLDEST, key_events=True),
    ]
    keys = [blog_key(SLUG, v) for v in views]
    for key, view in zip(keys[:3], views[:3], strict=True):
        cache.get(key, renderer(cache_settings, view))
    assert cache.lookup(keys[0]) is not None  # now the most recently used

    cache.get(keys[3], renderer(cache_settings, views[3]))

    assert len(cache) == 3
    assert cache.lookup(keys[1]) is None  # the least recently used went
    assert all(cache.lookup(k) is not None for k in (keys[0], keys[2], keys[3]))


def test_concurrent_misses_render_once(
    cache: PageCache, local: Actions, cache_settings: Settings
) -> None:
    render = Counting(renderer(cache_settings))
    render.release.clear()
    results: list[CachedPage] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            results.append(cache.get(KEY, render))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert render.entered.wait(10)
    render.release.set()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert render.calls == 1
    assert len(results) == 8
    assert all(r is results[0] for r in results)


def test_a_reader_after_a_commit_does_not_wait_for_an_older_render(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    slow = Counting(renderer(cache_settings))
    slow.release.clear()
    before: list[CachedPage] = []
    leader = threading.Thread(target=lambda: before.append(cache.get(KEY, slow)))
    leader.start()
    assert slow.entered.wait(10)

    entry = local.create_entry(admin, SLUG, body="Nach dem Beginn des Renderns.")
    after = cache.get(KEY, renderer(cache_settings))  # must not join the older flight

    assert f'id="entry-{entry.id}"' in after.body.decode()
    slow.release.set()
    leader.join(10)
    kept = cache.lookup(KEY)
    assert kept is not None
    assert f'id="entry-{entry.id}"' in kept.body.decode()


def test_readers_and_writers_in_parallel_end_consistent(
    cache: PageCache,
    local: Actions,
    admin: User,
    db: Database,
    cache_settings: Settings,
    monotonic: Monotonic,
) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()
    views = [DEFAULT_VIEW, View(order=Order.OLDEST)]

    def read() -> None:
        try:
            while not stop.is_set():
                for view in views:
                    page = cache.get(blog_key(SLUG, view), renderer(cache_settings, view))
                    assert page.status == 200
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    created = [local.create_entry(admin, SLUG, body=f"Meldung {i}.") for i in range(15)]
    local.update_entry(admin, SLUG, created[3].id, {"pinned": True}, if_match=1)
    local.delete_entry(admin, SLUG, created[5].id, if_match=1)
    stop.set()
    for thread in readers:
        thread.join(10)

    assert errors == []
    for view in views:
        cached = cache.get(blog_key(SLUG, view), renderer(cache_settings, view))
        with db.read() as conn:
            fresh = renderer(cache_settings, view)(conn)
        assert cached.body == fresh.html.encode()


# -- the prepared response -----------------------------------------------------------------------


def _page(status: int = 200) -> CachedPage:
    return CachedPage.build(Rendered(status, "<p>x</p>", 7), Settings())


def test_cached_page_headers() -> None:
    page = _page()
    headers = dict(page.headers)
    assert page.etag is not None
    assert headers[b"etag"] == page.etag.encode()
    assert headers[b"cache-control"] == b"public, max-age=5, stale-while-revalidate=30"
    assert headers[b"content-length"] == b"8"
    assert dict(page.not_modified_headers).keys() == {b"etag", b"cache-control"}

    error = _page(404)
    assert error.etag is None
    assert dict(error.headers)[b"cache-control"] == b"no-cache"
    assert not error.matches("*")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ("{etag}", True),
        ("W/{etag}", True),
        ('"other", {etag}', True),
        ('"other",W/{etag}', True),
        ("*", True),
        ('"other"', False),
        ("{bare}", False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    page = _page()
    assert page.etag is not None
    value = header.format(etag=page.etag, bare=page.etag.strip('"')) if header else header
    assert page.matches(value) is matches
    response = page.response(value)
    assert response.status_code == (304 if matches else 200)
    assert response.body == (b"" if matches else page.body)


# -- the byte bound ------------------------------------------------------------------------------


def _sized(length: int, version: int = 1) -> Renderer:
    return lambda conn: Rendered(200, "x" * length, version)


@pytest.fixture
def small_budget(settings: Settings, db: Database, monotonic: Monotonic) -> PageCache:
    limited = Settings(
        database_url=settings.database_url, page_cache_size=100, page_cache_bytes=12_000
    )
    return PageCache(limited, db, monotonic=monotonic)


def test_lru_keeps_at_most_page_cache_bytes(small_budget: PageCache) -> None:
    keys = [(SLUG, f"events|{i}|500") for i in range(5)]
    for key in keys[:3]:
        small_budget.get(key, _sized(3000))
    one_page = small_budget.size_in_bytes // 3
    assert 3000 < one_page < 3500  # the body, its headers and its compressed versions
    assert small_budget.lookup(keys[0]) is not None  # now the most recently used

    small_budget.get(keys[3], _sized(3000))

    assert small_budget.size_in_bytes <= 12_000
    assert len(small_budget) == 3
    assert small_budget.lookup(keys[1]) is None  # the least recently used went
    assert all(small_budget.lookup(k) is not None for k in (keys[0], keys[2], keys[3]))

    small_budget.get(keys[4], _sized(6000))  # takes the room of two

    assert small_budget.size_in_bytes <= 12_000
    assert [small_budget.lookup(k) is not None for k in keys] == [False] * 3 + [True] * 2


def test_a_page_larger_than_the_budget_is_served_but_not_kept(small_budget: PageCache) -> None:
    kept = (SLUG, "events|0|100")
    small_budget.get(kept, _sized(2000))
    before = small_budget.size_in_bytes
    key = (SLUG, "events|0|500")
    small_budget.get(key, _sized(100, version=1))
    small_budget.invalidate(Committed(blog_id=1, slug=SLUG, seq=2, events=()))

    big = small_budget.get(key, _sized(20_000, version=2))

    assert big.status == 200
    assert len(big.body) == 20_000
    assert small_budget.lookup(key) is None  # neither the big page nor the older small one
    assert small_budget.size_in_bytes == before
    assert len(small_budget) == 1


def test_byte_count_follows_replaced_pages(small_budget: PageCache) -> None:
    key = (SLUG, "events|0|500")
    small_budget.get(key, _sized(1000, version=1))
    small_budget.invalidate(Committed(blog_id=1, slug=SLUG, seq=2, events=()))
    small_budget.get(key, _sized(4000, version=2))
    page = small_budget.lookup(key)
    assert page is not None
    coded = len(page.brotli.body) + len(page.gzip.body)  # made when it was rendered
    assert small_budget.size_in_bytes == len(page.body) + coded + sum(
        len(k) + len(v) for k, v in page.headers
    )


# -- pages of the whole site (the index) ---------------------------------------------------------


def index(settings: Settings) -> Renderer:
    return partial(render_index, settings=settings, cursor_key=b"k" * 32)


def test_site_page_is_stale_after_any_local_commit(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    first = cache.get(INDEX_KEY, index(cache_settings))
    assert cache.lookup(INDEX_KEY) is first

    local.create_blog(admin, slug="sturm", title="Sturmflut")  # a new blog

    assert cache.lookup(INDEX_KEY) is None
    second = cache.get(INDEX_KEY, index(cache_settings))
    assert "Sturmflut" in second.body.decode()
    assert cache.lookup(INDEX_KEY) is second

    local.create_entry(admin, SLUG, body="Eine Meldung in einem Blog.")  # any blog's entry

    assert cache.lookup(INDEX_KEY) is None
    third = cache.get(INDEX_KEY, index(cache_settings))
    assert third.version is not None
    assert second.version is not None
    assert third.version > second.version


def test_site_page_sees_other_processes_after_the_window_with_one_query(
    cache: PageCache,
    local: Actions,
    db: Database,
    clock: FakeClock,
    admin: User,
    cache_settings: Settings,
    monotonic: Monotonic,
    queries: list[str],
) -> None:
    old = cache.get(INDEX_KEY, index(cache_settings))
    monotonic.now += 1.0
    queries.clear()
    assert cache.get(INDEX_KEY, index(cache_settings)) is old  # nobody wrote: one query
    assert len(queries) == 1
    assert "sum(" in queries[0].lower()

    other_process = Actions(db, clock=clock)  # the cache does not hear this one
    other_process.create_blog(admin, slug="anderswo", title="Von anderswo")
    monotonic.now += 0.5
    assert cache.lookup(INDEX_KEY) is old  # within the window: the documented staleness
    monotonic.now += 0.5
    new = cache.get(INDEX_KEY, index(cache_settings))
    assert "Von anderswo" in new.body.decode()


class RenderedThenHeld:
    """A renderer that reads the database, then waits before handing back its page."""

    def __init__(self, inner: Renderer) -> None:
        self.inner = inner
        self.rendered = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: Connection) -> Rendered:
        page = self.inner(conn)
        self.rendered.set()
        assert self.release.wait(10)
        return page


def test_a_site_render_overtaken_by_a_local_commit_is_not_fresh(
    cache: PageCache, local: Actions, admin: User, cache_settings: Settings
) -> None:
    slow = RenderedThenHeld(index(cache_settings))
    done: list[CachedPage] = []
    leader = threading.Thread(target=lambda: done.append(cache.get(INDEX_KEY, slow)))
    leader.start()
    assert slow.rendered.wait(10)

    local.create_blog(admin, slug="spaet", title="Nach dem Rendern")
    slow.release.set()
    leader.join(10)

    assert "Nach dem Rendern" not in done[0].body.decode()  # it read before the commit
    assert cache.lookup(INDEX_KEY) is None
    assert "Nach dem Rendern" in cache.get(INDEX_KEY, index(cache_settings)).body.decode()
