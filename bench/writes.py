"""``writes``: sustained writes, 50 blogs posting at once, on SQLite and on PostgreSQL.

One liveblog worker (:mod:`bench.serve`, pinned to core 0) per database, on a fresh database
with ``--blogs`` blogs (default 50), each with an editor of its own and that editor's API token.
This process, on core 1, runs one poster per blog (asyncio on uvloop, one keep-alive connection
each): ``POST /api/v1/blogs/{slug}/entries`` with ``Authorization: Bearer <token>`` and a JSON
body ``{"body": ...}`` (Markdown as :func:`bench.seed.entry_text` writes it), the next post as
soon as the answer is in. After a warm-up (2 s; ``--quick`` 1 s) the measured window (10 s;
``--quick`` 3 s) counts the posts that began and ended in it: entries/s (201 answers per
second), latency of the POST (send to the whole answer read: median, p95, p99), answers other
than 201, and the CPU share of the server, of PostgreSQL's backends serving it (not pinned) and
of the client itself (the client must not be the limit).

Then the log is checked through the polling API (``GET /api/v1/blogs/{slug}/events?after=N``,
paged): per blog the event numbers must be 1..head, each once, and the ``entry.created`` events
must be exactly the entries the posters got a 201 for (by id, from ``Location``). Any gap,
duplicate, missing or extra entry is a failure (a note, and ``log_ok`` false in the result).

PostgreSQL: a database of our own on ``--postgres-url`` (as in ``publish``), dropped afterwards;
without a server that row is skipped with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import resource
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop

from bench.common import (
    FOREIGN_LIMIT,
    TASKSET,
    BenchError,
    Interference,
    Options,
    Processes,
    Report,
    Result,
    as_client,
    check_tools,
    cpu_seconds,
    log,
    wait_for_quiet,
)
from bench.fanout import nearest_rank
from bench.many_blogs import Blog, LogCheck, check_log, seed_blogs
from bench.publish import (
    DATABASES,
    DEFAULT_POSTGRES,
    add_database_arguments,
    postgres_database,
)
from bench.seed import entry_text
from bench.servers import start_liveblog

BLOGS = 50
SECONDS, QUICK_SECONDS = 10.0, 3.0
WARMUP_S, QUICK_WARMUP_S = 2.0, 1.0
BODIES = 256
"""Distinct entry bodies, made up front (the client does no text work while it measures)."""
REQUEST_TIMEOUT_S = 30.0
WORKLOAD = "writes-{blogs}-blogs"
_LOCATION = re.compile(rb"\r\nlocation: /api/v1/blogs/[^/\r\n]+/entries/(\d+)\r\n", re.IGNORECASE)
_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)\r\n", re.IGNORECASE)


@dataclass
class Settings:
    blogs: int = BLOGS
    seconds: float | None = None
    postgres_url: str = DEFAULT_POSTGRES
    databases: tuple[str, ...] = DATABASES


_settings = Settings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--blogs", type=int, default=BLOGS, help=f"blogs, one poster each (default {BLOGS})"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help=f"measured window (default {SECONDS:g}, quick {QUICK_SECONDS:g})",
    )
    add_database_arguments(parser)


def configure(args: argparse.Namespace) -> None:
    global _settings
    _settings = Settings(
        blogs=getattr(args, "blogs", BLOGS),
        seconds=getattr(args, "seconds", None),
        postgres_url=getattr(args, "postgres_url", DEFAULT_POSTGRES),
        databases=getattr(args, "databases", DATABASES),
    )


# -- the database --------------------------------------------------------------------------------


def bodies(count: int) -> list[bytes]:
    """JSON request bodies ``{"body": ...}`` of plausible entries."""
    rng = random.Random(12)
    return [json.dumps({"body": entry_text(rng, n)["body"]}).encode() for n in range(count)]


# -- the posters ---------------------------------------------------------------------------------


@dataclass
class Poster:
    """One blog's poster: every request's (start, end) (``time.monotonic``), status, entry id
    (uvloop's ``loop.time()`` has millisecond steps: not used for timing)."""

    blog: Blog
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    """Ids of the entries answered with 201 (warm-up and window alike)."""
    failure: str | None = None


@dataclass
class Window:
    """CPU seconds used over the measured window, by whom."""

    seconds: float = 0.0
    server_s: float = 0.0
    client_s: float = 0.0
    postgres_s: float | None = None
    foreign_cores: float = 0.0


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _post_loop(
    poster: Poster, port: int, payloads: list[bytes], offset: int, stop_at: float
) -> None:
    head = (
        f"POST /api/v1/blogs/{poster.blog.slug}/entries HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {poster.blog.token}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    requests = [head + b"%d\r\n\r\n" % len(body) + body for body in payloads]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        n = offset
        while (began := time.monotonic()) < stop_at:
            writer.write(requests[n % len(requests)])
            n += 1
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT_S)
            length = _LENGTH.search(answer)
            if length is None:
                raise BenchError(f"an answer without Content-Length: {answer[:300]!r}")
            await reader.readexactly(int(length.group(1)))
            poster.starts.append(began)
            poster.ends.append(time.monotonic())
            status = int(answer[9:12])
            poster.statuses.append(status)
            if status == 201:
                location = _LOCATION.search(answer)
                poster.created.append(int(location.group(1)) if location else 0)
            if b"\r\nconnection: close\r\n" in answer.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, BenchError) as exc:
        poster.failure = f"{type(exc).__name__}: {exc}"
    finally:
        writer.close()


async def _watch(
    window: Window,
    begin: float,
    end: float,
    server_pid: int,
    postgres_cpu: Callable[[], dict[int, float]] | None,
) -> None:
    """Sample the CPU times at the window's start and end."""
    await asyncio.sleep(max(0.0, begin - time.monotonic()))
    pg_before = postgres_cpu() if postgres_cpu else {}
    with Interference([server_pid]) as seen:  # backends come and go: subtracted below
        t0, server0, client0 = time.monotonic(), cpu_seconds(server_pid), _own_cpu()
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        t1, server1, client1 = time.monotonic(), cpu_seconds(server_pid), _own_cpu()
        pg_after = postgres_cpu() if postgres_cpu else {}
    window.seconds = t1 - t0
    window.server_s = server1 - server0
    window.client_s = client1 - client0
    if postgres_cpu is not None:
        window.postgres_s = sum(pg_after[p] - pg_before[p] for p in pg_before if p in pg_after)
    pg_cores = (window.postgres_s or 0.0) / window.seconds if window.seconds else 0.0
    window.foreign_cores = max(0.0, seen.foreign_cores - pg_cores)


async def _drive(
    port: int,
    blogs: list[Blog],
    warmup_s: float,
    seconds: float,
    server_pid: int,
    postgres_cpu: Callable[[], dict[int, float]] | None,
) -> tuple[list[Poster], Window, float, float]:
    payloads = bodies(BODIES)
    posters = [Poster(blog) for blog in blogs]
    begin = time.monotonic() + warmup_s
    end = begin + seconds
    window = Window()
    tasks = [
        _post_loop(p, port, payloads, n * BODIES // len(posters), end)
        for n, p in enumerate(posters)
    ]
    running = [
        asyncio.ensure_future(c)
        for c in (_watch(window, begin, end, server_pid, postgres_cpu), *tasks)
    ]
    try:
        await asyncio.gather(*running)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    return posters, window, begin, end


# -- one database --------------------------------------------------------------------------------


def _postgres_cpu(url: str) -> tuple[Callable[[], dict[int, float]], Callable[[], None]]:
    """A function giving the CPU seconds of each PostgreSQL backend connected to the database
    of ``url`` (but our own), and one closing its connection."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)

    def sample() -> dict[int, float]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        seconds = {}
        for (pid,) in rows:
            with contextlib.suppress(OSError):  # ended meanwhile, or in another pid namespace
                seconds[pid] = cpu_seconds(pid)
        return seconds

    return sample, conn.close


def _measure(
    procs: Processes,
    workdir: Path,
    database: str,
    url: str,
    blogs: int,
    warmup_s: float,
    seconds: float,
) -> Result:
    log(f"  {database}: seeding {blogs} blogs, an editor and a token each")
    seeded = seed_blogs(url, blogs)
    pg: tuple[Callable[[], dict[int, float]], Callable[[], None]] | None = None
    server = start_liveblog(procs, url, workdir)
    try:
        if database == "postgresql":
            pg = _postgres_cpu(url)
        log(f"  {database}: {blogs} posters, {warmup_s:g} s warm-up, {seconds:g} s measured")
        loop = uvloop.new_event_loop()
        try:
            posters, window, begin, end = loop.run_until_complete(
                _drive(server.port, seeded, warmup_s, seconds, server.pid, pg[0] if pg else None)
            )
        finally:
            loop.close()
        if server.proc.poll() is not None:
            raise BenchError(f"the liveblog server exited with {server.proc.returncode}")
        check = check_log(server.port, {p.blog.slug: p.created for p in posters})
    finally:
        if pg is not None:
            pg[1]()
        procs.stop(server.proc)
    return _result(database, posters, window, begin, end, check, warmup_s)


def _result(
    database: str,
    posters: list[Poster],
    window: Window,
    begin: float,
    end: float,
    check: LogCheck,
    warmup_s: float,
) -> Result:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created = 0
    for poster in posters:
        for start, stop, status in zip(poster.starts, poster.ends, poster.statuses, strict=True):
            if start >= begin and stop <= end:
                latencies.append((stop - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                created += status == 201
    if not latencies:
        raise BenchError(f"{database}: no post was answered in the measured window")
    failures = [f"{p.blog.slug}: {p.failure}" for p in posters if p.failure]
    ordered = sorted(latencies)
    seconds = end - begin
    errors = sum(count for status, count in statuses.items() if status != 201)
    share = (lambda s: round(s / window.seconds, 2)) if window.seconds else (lambda s: None)
    extra: dict[str, Any] = {
        "database": database,
        "blogs": len(posters),
        "entries_per_s": round(created / seconds, 1),
        "p95_ms": round(nearest_rank(ordered, 0.95), 3),
        "max_ms": round(ordered[-1], 3),
        "posts": len(latencies),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "poster_failures": len(failures),
        "server_cpu_share": share(window.server_s),
        "client_cpu_share": share(window.client_s),
        "postgres_cpu_share": None if window.postgres_s is None else share(window.postgres_s),
        "foreign_cores": round(window.foreign_cores, 2),
        "server_cpu_us_per_entry": (
            round(window.server_s / created * 1e6) if created and window.seconds else None
        ),
        "seconds": round(seconds, 2),
        "warmup_s": warmup_s,
        "log_events": check.events,
        "log_ok": not check.problems,
        "log_problems": check.problems[:10],
    }
    if failures:
        extra["poster_failure_first"] = failures[0]
    return Result(
        system=f"liveblog-{database}",
        workload=WORKLOAD.format(blogs=len(posters)),
        median_ms=round(statistics.median(ordered), 3),
        p99_ms=round(nearest_rank(ordered, 0.99), 3),
        requests_per_s=round(len(latencies) / seconds, 1),
        extra=extra,
    )


def _log(r: Result) -> None:
    x = r.extra
    pg = f", PostgreSQL {x['postgres_cpu_share']}" if x["postgres_cpu_share"] is not None else ""
    log(
        f"  {r.system}: {x['entries_per_s']:.0f} entries/s, median {r.median_ms:.2f} ms, "
        f"p99 {r.p99_ms:.2f} ms, {x['errors']} errors; cores: server {x['server_cpu_share']}"
        f"{pg}, client {x['client_cpu_share']}, others {x['foreign_cores']}; log "
        f"{'ok' if x['log_ok'] else 'NOT OK'} ({x['log_events']} events)"
    )


# -- the workload --------------------------------------------------------------------------------


def run(options: Options) -> Report:
    settings = _settings
    check_tools(TASKSET)
    seconds = settings.seconds or (QUICK_SECONDS if options.quick else SECONDS)
    warmup_s = QUICK_WARMUP_S if options.quick else WARMUP_S
    report = Report()
    with as_client("writes") as (workdir, procs):
        log(f"writes: {settings.blogs} blogs posting at once, {seconds:g} s per database")
        for database in settings.databases:
            wait_for_quiet(options)
            try:
                place: AbstractContextManager[str]
                if database == "sqlite":
                    place = nullcontext(f"sqlite:///{workdir / 'writes.db'}")
                else:
                    place = postgres_database(settings.postgres_url)
                with place as url:
                    result = _measure(
                        procs, workdir, database, url, settings.blogs, warmup_s, seconds
                    )
            except BenchError as exc:
                if database != "postgresql" or "cannot create a database" not in str(exc):
                    raise
                log(f"  skipped PostgreSQL: {exc}")
                report.notes.append(f"writes-postgresql skipped: {exc}")
                continue
            _log(result)
            report.results.append(result)
            _notes(report, result)
    return report


def _notes(report: Report, r: Result) -> None:
    x = r.extra
    report.notes.append(
        f"{r.system} {r.workload}: {x['entries_per_s']:.0f} entries/s, p99 {r.p99_ms:.2f} ms, "
        f"{x['errors']} errors, log {'1..n without gaps' if x['log_ok'] else 'NOT OK'}"
    )
    for problem in x["log_problems"]:
        report.notes.append(f"{r.system} log: {problem}")
    if x["errors"]:
        report.notes.append(f"{r.system}: answers other than 201: {x['statuses']}")
    if x["poster_failures"]:
        report.notes.append(
            f"{r.system}: {x['poster_failures']} posters stopped early "
            f"(first: {x['poster_failure_first']})"
        )
    if x["foreign_cores"] > FOREIGN_LIMIT:
        also = " (PostgreSQL's processes other than its backends count there too)"
        report.notes.append(
            f"{r.system}: other work used {x['foreign_cores']} cores during the measurement"
            + (also if x["database"] == "postgresql" else "")
        )
    client = x["client_cpu_share"]
    if client is not None and client > 0.9:
        report.notes.append(
            f"{r.system}: the client used {client} of its core: it may be the limit"
        )
