"""The single writer: the one owner of a process's write transactions, with group commit.

Actions hand the writer a *body* (a function of the write connection that writes the rows and
their events and says what to tell listeners after the commit); the writer runs it on one of
its lanes and answers with the body's result once the transaction has committed and the
listeners have heard of it. A lane is one thread that owns the writes of a set of blogs (every
write of a blog goes to the same lane, chosen by the blog's slug). When several bodies are
waiting for a lane, the lane runs them in one transaction, one after the other, and commits
once: the rows of each body see those of the bodies before it, their events take consecutive
numbers per blog exactly as separate transactions would, and the group pays one commit (on
PostgreSQL one fsync and one round trip) instead of one each.

A body that fails fails alone: the transaction is rolled back and the others run again in a
new one without it (bodies are functions of the connection only, so running one again gives
the same rows; nothing of a failed run is kept, no event number is used up). The failing body's
caller gets its own exception; a deadlock or serialization failure instead runs the whole group
again (:data:`MAX_RETRIES`).

SQLite has one lane (its writers queue on the database lock anyway; the lane keeps them from
waiting on each other's ``busy_timeout`` inside one process). PostgreSQL has
:data:`POSTGRES_LANES`, so writes to different blogs still run side by side on separate
connections while each blog's writes are grouped. A database in memory (``sqlite://``, for
tests) runs each body inline in the caller's thread, as a transaction of its own.

See ``docs/architecture.md`` ("The write path").
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
log = logging.getLogger("liveblog.writer")

POSTGRES_LANES = 4
"""Write lanes (threads with a connection each) per process on PostgreSQL."""
MAX_GROUP = 64
"""The most bodies one transaction runs (a bound on how long a group holds its locks)."""
MAX_RETRIES = 3
"""How often a group runs again after a deadlock or serialization failure before the body that
met it fails alone."""


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a body returns: its caller's result and what to do once it has committed (tell the
    commit listeners); ``after`` runs on the lane before the caller hears of the result."""

    result: T
    after: Callable[[], None] | None = None


Body = Callable[[Connection], Done[T]]


@dataclass(frozen=True)
class WriterStats:
    """Counts since start: transactions committed or rolled back, bodies run (a body run again
    after another failed counts again), bodies that failed."""

    transactions: int = 0
    bodies: int = 0
    failed: int = 0


@dataclass(eq=False)
class _Job(Generic[T]):
    body: Body[T]
    key: str
    future: Future[T] = field(default_factory=Future)


class _Failed(Exception):
    def __init__(self, job: _Job[Any], error: Exception) -> None:
        self.job, self.error = job, error


class Writer:
    """Runs write bodies on ``lanes`` threads, grouping those that wait (see the module).

    ``begin`` opens one write transaction (``Database.write``); ``lanes=0`` runs bodies inline.
    """

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Connection]],
        *,
        lanes: int,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._begin = begin
        self._max_group = max_group
        self._queues: list[queue.SimpleQueue[_Job[Any] | None]] = [
            queue.SimpleQueue() for _ in range(lanes)
        ]
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._closed = False
        self._lane_of_thread = threading.local()
        self._stats = WriterStats()
        self._stats_lock = threading.Lock()

    def run(self, body: Body[T], *, key: str = "") -> T:
        """Run ``body`` (writes of the blog ``key``; ``""`` for writes of no blog) and return
        its result once committed; its exception if it failed."""
        if not self._queues:
            return self._inline(body)
        return self.submit(body, key=key).result()

    async def run_async(self, body: Body[T], *, key: str = "") -> T:
        """:meth:`run` for the event loop: the loop goes on while the lane writes."""
        if not self._queues:
            return self._inline(body)
        return await asyncio.wrap_future(self.submit(body, key=key))

    def submit(self, body: Body[T], *, key: str = "") -> Future[T]:
        """Queue ``body`` on its lane; the future holds its result once committed."""
        if getattr(self._lane_of_thread, "lane", None) is not None:
            raise RuntimeError("a write body may not start another write (it would wait on itself)")
        if self._queues:
            job = _Job(body, key)
            with self._start_lock:  # queued before close()'s stop signal, or not at all
                if not self._closed:
                    self._start()
                    self._queues[zlib.crc32(key.encode()) % len(self._queues)].put(job)
                    return job.future
        future: Future[T] = Future()
        try:
            future.set_result(self._inline(body))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def waiting(self) -> int:
        """Bodies queued that no lane has taken yet."""
        return sum(lane.qsize() for lane in self._queues)

    def stats(self) -> WriterStats:
        with self._stats_lock:
            return self._stats

    def _count(self, bodies: int, failed: int = 0) -> None:
        with self._stats_lock:
            s = self._stats
            self._stats = WriterStats(s.transactions + 1, s.bodies + bodies, s.failed + failed)

    def close(self) -> None:
        """Finish what was submitted, then stop the lanes (later writes run inline)."""
        with self._start_lock:
            self._closed = True
            threads, self._threads = self._threads, []
            for lane in self._queues[: len(threads)]:
                lane.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()

    def _inline(self, body: Body[T]) -> T:
        try:
            with self._begin() as conn:
                done = body(conn)
        except Exception:
            self._count(1, 1)
            raise
        self._count(1)
        _after(done)
        return done.result

    def _start(self) -> None:
        """Start the lanes on the first write (the caller holds ``_start_lock``)."""
        if self._threads:
            return
        for n, lane in enumerate(self._queues):
            thread = threading.Thread(
                target=self._serve, args=(n, lane), name=f"liveblog-writer-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, n: int, lane: queue.SimpleQueue[_Job[Any] | None]) -> None:
        self._lane_of_thread.lane = n
        while True:
            first = lane.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < self._max_group:
                try:
                    job = lane.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                group.append(job)
            try:
                self._commit(group)
            except BaseException as exc:  # never leave a caller waiting
                for job in group:
                    if not job.future.done():
                        job.future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            if stop:
                return

    def _commit(self, group: list[_Job[Any]]) -> None:
        """Run the group in one transaction; a body that fails is dropped and the rest run
        again in a new one (see the module)."""
        live = sorted(group, key=lambda job: job.key)  # one lock order for every group
        retries = 0
        while live:
            try:
                outcomes = self._transaction(live)
            except _Failed as failed:
                if _transient(failed.error) and retries < MAX_RETRIES:
                    retries += 1  # the database broke a lock cycle: the same group again
                    log.warning("write group of %d retried: %s", len(live), failed.error)
                    continue
                failed.job.future.set_exception(failed.error)
                live.remove(failed.job)
                continue
            except Exception as exc:  # BEGIN or COMMIT failed: nothing of the group was kept
                for job in live:
                    job.future.set_exception(exc)
                return
            for _, done in outcomes:
                _after(done)
            for job, done in outcomes:
                job.future.set_result(done.result)
            return

    def _transaction(self, jobs: list[_Job[Any]]) -> list[tuple[_Job[Any], Done[Any]]]:
        outcomes = []
        try:
            with self._begin() as conn:
                for job in jobs:
                    try:
                        outcomes.append((job, job.body(conn)))
                    except Exception as exc:
                        raise _Failed(job, exc) from exc
        except _Failed:
            self._count(len(outcomes) + 1, 1)
            raise
        except Exception:
            self._count(len(outcomes), len(jobs) - len(outcomes))
            raise
        self._count(len(outcomes))
        return outcomes


TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the statement's failure says nothing
about the body, only about the moment."""


def _transient(error: Exception) -> bool:
    """Whether ``error`` is the database refusing this moment rather than this write: two
    groups of different lanes (or processes) can wait for each other's rows that are not a
    blog's (an author's idempotency keys, a user's sessions), which a single write could not."""
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def _after(done: Done[Any]) -> None:
    if done.after is None:
        return
    try:
        done.after()
    except Exception:
        log.exception("a commit listener failed")
