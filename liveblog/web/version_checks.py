"""Blogs' versions read from the database, one query shared by the requests that wait for it.

A cached API read (:mod:`liveblog.web.api.cached_reads`) may serve a page only if the page
shows at least the blog's version as the database had it when the request arrived: then every
write that was acknowledged before the request was sent, by any process, is in the page
(read-your-writes). :meth:`VersionChecks.version` gives each request such a version.

Requests of one blog that arrive while a query for it is running cannot use that query (it may
have begun before their client's write committed): they wait for the next one, which begins as
soon as the running one ends, and share it. So each request waits for at most two queries, and
under load one query answers every request that arrived during the one before it.

The query (:func:`liveblog.storage.blogs.version`: one row by a unique index) runs in its own
read transaction, which on either database sees every commit that finished before it began.

* **PostgreSQL**: in a worker thread (a network round trip), through the engine's pool.
* **SQLite** (a file): on the event loop itself, from a callback scheduled when the first
  request asks, so the requests the loop starts in the same turn join it; through a connection
  of its own in autocommit mode, the same SQL compiled once (the engine's per-statement work
  costs some 30 times the query). A WAL reader never waits for writers. Reading a local file
  for a few microseconds on the loop is cheaper than any thread hop.

Runs on the event loop; not thread-safe (nor needs to be).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, select
from starlette.concurrency import run_in_threadpool

from liveblog.storage import blogs as blog_rows
from liveblog.storage.database import BUSY_TIMEOUT_MS, Database
from liveblog.storage.tables import blogs


@dataclass(eq=False)
class _Checks:
    """A blog's running query and the one that waits for it (``None``: none waits)."""

    running: asyncio.Future[int | None] | None = None
    waiting: asyncio.Future[int | None] | None = field(default=None)


class VersionChecks:
    """Per blog slug, the version a query begun after the caller arrived found."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._blogs: dict[str, _Checks] = {}
        self.queries = 0
        """Queries sent so far (tests and benchmarks read it)."""
        self._file = _sqlite_file(db)
        self._sql = ""
        if self._file is not None:
            query = select(blogs.c.last_seq).where(blogs.c.slug == bindparam("slug"))
            self._sql = str(query.compile(dialect=db.engine.dialect))
        self._conn: sqlite3.Connection | None = None

    async def version(self, slug: str) -> int | None:
        """The blog's ``last_seq`` as a query begun after this call read it; ``None`` when
        there is no such blog. Raises what the query raised."""
        checks = self._blogs.get(slug)
        if checks is None:
            checks = self._blogs[slug] = _Checks()
        future = checks.waiting
        if future is None:
            future = checks.waiting = asyncio.get_running_loop().create_future()
            if checks.running is None:
                self._start(slug, checks)
        # Shield: one caller's cancellation must not cancel the query the others wait for.
        return await asyncio.shield(future)

    def _start(self, slug: str, checks: _Checks) -> None:
        future, checks.running, checks.waiting = checks.waiting, checks.waiting, None
        assert future is not None
        # Mark an error as seen even if every waiter was cancelled before it came.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.queries += 1
        if self._file is not None:
            asyncio.get_running_loop().call_soon(self._read_inline, slug, checks, future)
            return
        task = asyncio.ensure_future(run_in_threadpool(self._read, slug))
        task.add_done_callback(lambda done: self._finished(slug, checks, future, done))

    def _read_inline(self, slug: str, checks: _Checks, future: asyncio.Future[int | None]) -> None:
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        try:
            done.set_result(self._read_sqlite(slug))
        except Exception as exc:  # handed to every waiter
            done.set_exception(exc)
        self._finished(slug, checks, future, done)

    def _finished(
        self,
        slug: str,
        checks: _Checks,
        future: asyncio.Future[int | None],
        done: asyncio.Future[int | None],
    ) -> None:
        if done.cancelled():
            future.cancel()
        elif (error := done.exception()) is not None:
            future.set_exception(error)
        else:
            future.set_result(done.result())
        checks.running = None
        if checks.waiting is not None:
            self._start(slug, checks)
        elif self._blogs.get(slug) is checks:
            del self._blogs[slug]

    def _read(self, slug: str) -> int | None:
        with self.db.read() as conn:
            return blog_rows.version(conn, slug)

    def _read_sqlite(self, slug: str) -> int | None:
        if self._conn is None:
            assert self._file is not None
            conn = sqlite3.connect(self._file, isolation_level=None, check_same_thread=False)
            weakref.finalize(self, conn.close)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._conn = conn
        try:
            row = self._conn.execute(self._sql, (slug,)).fetchone()
        except sqlite3.Error:
            self._conn.close()
            self._conn = None  # open anew next time
            raise
        return None if row is None else int(row[0])


def _sqlite_file(db: Database) -> str | None:
    """The SQLite database's file when there is one (not ``:memory:``), else ``None``."""
    url = db.engine.url
    if db.dialect != "sqlite" or not url.database or url.database == ":memory:" or url.query:
        return None
    return str(Path(url.database))
