"""``long``: reader-page render and entries-API time for blogs of 100, 5,000 and 50,000 entries.

Keyset pagination means neither may grow with the blog's length: the figure is the ratio of the
largest blog's median to the smallest's (target ≤ 1.2).

* ``long-render-N``: a page-cache miss, in this process (pinned to core 0): ``PageCache.get`` with
  the renderer the reader route passes (:func:`liveblog.web.reader.pages.blog_page`, default view:
  the pinned entry on top, the newest entries below), on a cache whose version floor for the blog is
  raised past any version, so every call renders (read transaction, queries, Jinja2, encode,
  ETag hash) and stores; a call that returns the previous page object fails the run.
* ``long-render-deep-N``: the same for the page of entries below the middle of the blog
  (``?cursor=``, the "Older entries" link followed half way down).
* ``long-entries-N`` / ``long-entries-deep-N``: ``GET /api/v1/blogs/{slug}/entries`` (first page,
  and with a cursor at the middle) over HTTP, one request at a time on a keep-alive connection to
  one liveblog worker on core 0, the client on core 1. The API has no cache.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sqlalchemy import select

from bench.common import (
    CLIENT_CORE,
    SERVER_CORE,
    BenchError,
    Options,
    Processes,
    Ratio,
    Report,
    Result,
    log,
    summary_ms,
    undisturbed,
)
from bench.seed import Seeded, seeded
from bench.servers import start_liveblog
from liveblog.actions import Committed
from liveblog.config import Settings
from liveblog.domain.pagination import Cursor, cursor_key
from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import Database
from liveblog.storage.site import site_secret
from liveblog.storage.tables import entries as entries_table
from liveblog.web.page_cache import CachedPage, PageCache
from liveblog.web.reader import pages
from liveblog.web.reader.views import DEFAULT_VIEW, View

SIZES = (100, 5_000, 50_000)
QUICK_SIZES = (100, 5_000)
TARGET = "≤ 1.2"
# (workload prefix, metric name in the ratio line)
MEASURES = (
    ("long-render", "render_ms"),
    ("long-render-deep", "render_deep_ms"),
    ("long-entries", "entries_ms"),
    ("long-entries-deep", "entries_deep_ms"),
)


@contextmanager
def pinned_to(core: int) -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _timed(call: Callable[[], object], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def middle_cursor(db: Database, blog: Seeded) -> Cursor:
    """The position half way down the newest-first timeline."""
    with db.read() as conn:
        found = blog_rows.by_slug(conn, blog.slug)
        assert found is not None
        row = conn.execute(
            select(entries_table.c.published_at, entries_table.c.id)
            .where(entries_table.c.blog_id == found.id, entries_table.c.deleted_at.is_(None))
            .order_by(entries_table.c.published_at.desc(), entries_table.c.id.desc())
            .offset(blog.entries // 2)
            .limit(1)
        ).one()
    return Cursor(row.published_at, row.id)


def _render(db: Database, settings: Settings, slug: str, view: View) -> Callable[[], int]:
    """A page-cache miss through the cache's own API, every call: the blog's version floor is
    raised above any version, so no page is ever fresh and each ``get`` renders anew."""
    cache = PageCache(settings, db)
    with db.read() as conn:
        blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise BenchError(f"no blog {slug!r} in the seeded database")
    cache.invalidate(Committed(blog.id, slug, seq=2**62, events=()))
    key = (slug, view.key)
    signing = cursor_key(site_secret(db, settings.secret_key))
    render = partial(pages.blog_page, settings=settings, slug=slug, view=view, cursor_key=signing)
    last: list[CachedPage] = []

    def call() -> int:
        page = cache.get(key, render)
        if page.status != 200:
            raise BenchError(f"render of /live/{slug} gave {page.status}")
        if last and last[0] is page:
            raise BenchError("the page cache served a cached page: the render was not timed")
        last[:] = [page]
        return len(page.body)

    return call


def _http_get(conn: http.client.HTTPConnection, path: str) -> Callable[[], int]:
    def call() -> int:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise BenchError(f"GET {path} answered {resp.status}: {body[:200]!r}")
        return len(body)

    return call


def _result(workload: str, size: int, samples: list[float], nbytes: int, foreign: float) -> Result:
    figures = summary_ms(samples)
    log(
        f"  {workload:24} median {figures['median_ms']:7.3f} ms  "
        f"p95 {figures['p95_ms']:7.3f} ms  ({len(samples)} runs)"
    )
    return Result(
        system="liveblog",
        workload=workload,
        median_ms=round(figures["median_ms"], 3),
        p99_ms=round(figures["p99_ms"], 3),
        extra={
            "p95_ms": round(figures["p95_ms"], 3),
            "runs": len(samples),
            "entries": size,
            "bytes_per_response": nbytes,
            "foreign_cores": round(foreign, 2),
        },
    )


def measure_size(size: int, workdir: Path, options: Options, report: Report) -> list[Result]:
    runs, warmup = (60, 10) if options.quick else (400, 40)
    blog = seeded(size, workdir)
    db = Database(blog.url)
    settings = Settings.from_env(database_url=blog.url)
    results = []
    try:
        cursor = middle_cursor(db, blog)
        token = cursor.encode(cursor_key(site_secret(db, settings.secret_key)))
        views = (
            ("long-render", DEFAULT_VIEW),
            ("long-render-deep", View(cursor=cursor)),
        )
        with pinned_to(SERVER_CORE):
            for name, view in views:
                call = _render(db, settings, blog.slug, view)
                work = f"{name}-{size}"
                samples, foreign = undisturbed(
                    report, options, work, partial(_timed, call, runs, warmup)
                )
                results.append(_result(work, size, samples, call(), foreign))
    finally:
        db.dispose()
    api = f"/api/v1/blogs/{blog.slug}/entries"
    paths = (("long-entries", api), ("long-entries-deep", f"{api}?cursor={token}"))
    with Processes() as procs:
        server = start_liveblog(procs, blog.url, workdir)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            with pinned_to(CLIENT_CORE):
                for name, path in paths:
                    call = _http_get(conn, path)
                    work = f"{name}-{size}"
                    samples, foreign = undisturbed(
                        report, options, work, partial(_timed, call, runs, warmup), [server.pid]
                    )
                    results.append(_result(work, size, samples, call(), foreign))
        finally:
            conn.close()
    return results


def run(options: Options) -> Report:
    sizes = QUICK_SIZES if options.quick else SIZES
    report = Report()
    by_workload: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="liveblog-bench-long-") as tmp:
        for size in sizes:
            log(f"blog of {size:,} entries")
            for result in measure_size(size, Path(tmp), options, report):
                report.results.append(result)
                by_workload[result.workload] = result
    small, large = sizes[0], sizes[-1]
    for prefix, metric in MEASURES:
        big = by_workload[f"{prefix}-{large}"].median_ms
        little = by_workload[f"{prefix}-{small}"].median_ms
        assert big is not None
        assert little is not None
        report.ratios.append(Ratio("long", f"{metric}_{large}_vs_{small}", big / little, TARGET))
    return report
