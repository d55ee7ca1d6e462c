"""``publish``: POST-to-first-delivery latency with one reader, on SQLite and on PostgreSQL.

One liveblog worker (:mod:`bench.serve`, pinned to core 0) per database; one reader (the
compiled client, ``--echo``, on core 1) holds ``GET /live/{slug}/events`` open. Each post goes
through ``POST /api/v1/blogs/{slug}/entries`` with an editor's token, carrying its publish time
in the body (``#seq=<n>;t=<ns>#``); the reader's receive time minus that is the latency. Posts
go one at a time: the next one only after the reader has the previous one (and 10 ms more).
PostgreSQL: a database of our own is created on the server at ``--postgres-url`` (default
``postgresql://postgres@127.0.0.1:5432/test``) and dropped afterwards. nchan, one 512-byte
message per publish, is the peer (no database, no rendering): ``ratio publish-<db> median_ms``
is liveblog's median over nchan's in the same run. The floor (:mod:`bench.floor`: the same
uvicorn stack with a raw ASGI app that only forwards each post to the readers) runs in the same
run too: ``ratio publish-floor`` is what the server stack alone costs, against nchan.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.common import (
    NGINX,
    TASKSET,
    BenchError,
    Options,
    Processes,
    Ratio,
    Report,
    Result,
    as_client,
    check_tools,
    log,
    undisturbed,
)
from bench.fanout import (
    STREAM_PATH,
    LiveblogPublisher,
    NchanMessages,
    Publisher,
    liveblog_database,
    nearest_rank,
)
from bench.nchan import SUB_PATH, NchanPublisher, start_nchan
from bench.servers import Server, start_floor, start_liveblog
from bench.sse_client import SseClients, build_client

POSTS, QUICK_POSTS = 200, 50
WARMUP = 20
GAP_S = 0.01
DELIVERY_TIMEOUT_S = 10.0
TARGET_MS = {"sqlite": 5.0, "postgresql": 10.0}
RATIO_TARGETS = {"sqlite": "≤ 5x nchan, aim 3x", "postgresql": "≤ 8x nchan, aim 5x"}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgresql")


@dataclass
class Settings:
    posts: int | None = None
    postgres_url: str = DEFAULT_POSTGRES
    databases: tuple[str, ...] = DATABASES
    nchan: bool = True


_settings = Settings()


def _databases(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names or any(n not in DATABASES for n in names):
        raise argparse.ArgumentTypeError(f"databases are {', '.join(DATABASES)}")
    return names


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """``--postgres-url`` and ``--databases``, for every workload measured on both databases."""
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL server and a database to connect to while creating our own",
    )
    parser.add_argument(
        "--databases", type=_databases, default=DATABASES, help="sqlite,postgresql (default both)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--posts", type=int, help=f"measured posts (default {POSTS}, quick 50)")
    add_database_arguments(parser)
    parser.add_argument("--no-nchan", action="store_true", help="leave out the nchan reference row")


def configure(args: argparse.Namespace) -> None:
    global _settings
    _settings = Settings(
        posts=getattr(args, "posts", None),
        postgres_url=getattr(args, "postgres_url", DEFAULT_POSTGRES),
        databases=getattr(args, "databases", DATABASES),
        nchan=not getattr(args, "no_nchan", False),
    )


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``; dropped on exit."""
    import psycopg
    from sqlalchemy.engine import make_url

    from liveblog.storage.database import normalise_url

    name = f"liveblog_bench_{uuid.uuid4().hex[:12]}"
    url = make_url(normalise_url(admin_url))
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"cannot create a database on {admin_url}: {exc}") from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Latencies:
    delivery_ns: list[int]
    post_s: list[float]
    lost: int
    duplicated: int
    bytes_per_event: float


def _measure(
    server: Server, publisher: Publisher, path: str, posts: int, workdir: Path
) -> Latencies:
    with SseClients(server.port, path, 1, posts, workdir, echo=True) as client:
        client.start()
        ready = client.ready(timeout=30)
        if ready.failed:
            raise BenchError(f"{server.name}: the event stream did not open")
        for _ in range(WARMUP):
            publisher.publish(0)
            time.sleep(GAP_S)
        time.sleep(0.2)
        delivery_ns: list[int] = []
        post_s: list[float] = []
        for seq in range(1, posts + 1):
            began = time.monotonic()
            publisher.publish(seq)
            post_s.append(time.monotonic() - began)
            got = client.delivery(DELIVERY_TIMEOUT_S)
            if got is None:
                raise BenchError(f"{server.name}: post {seq} never reached the reader")
            if got[0] != seq:
                raise BenchError(f"{server.name}: expected event {seq}, the reader got {got[0]}")
            delivery_ns.append(got[1])
            time.sleep(GAP_S)
        client.wait_complete(5)
        seen = client.stop()
    return Latencies(delivery_ns, post_s, seen.lost, seen.duplicated, seen.bytes_per_event)


def _result(system: str, workload: str, got: Latencies, foreign: float, **extra: object) -> Result:
    ms = sorted(n / 1e6 for n in got.delivery_ns)

    return Result(
        system=system,
        workload=workload,
        subscribers=1,
        median_ms=round(statistics.median(ms), 3),
        p99_ms=round(nearest_rank(ms, 0.99), 3),
        lost=got.lost,
        duplicated=got.duplicated,
        extra={
            "p95_ms": round(nearest_rank(ms, 0.95), 3),
            "min_ms": round(ms[0], 3),
            "max_ms": round(ms[-1], 3),
            "publish_request_median_ms": round(statistics.median(got.post_s) * 1000, 3),
            "posts": len(ms),
            "bytes_per_event": round(got.bytes_per_event),
            "foreign_cores": round(foreign, 2),
            **extra,
        },
    )


def _liveblog_run(procs: Processes, workdir: Path, url: str, token: str, posts: int) -> Latencies:
    server = start_liveblog(procs, url, workdir)
    publisher = LiveblogPublisher(server.port, token)
    try:
        return _measure(server, publisher, STREAM_PATH, posts, workdir)
    finally:
        publisher.close()
        procs.stop(server.proc)


def _floor_run(procs: Processes, workdir: Path, posts: int) -> Latencies:
    server = start_floor(procs, workdir)
    publisher = LiveblogPublisher(server.port, "floor")
    try:
        return _measure(server, publisher, STREAM_PATH, posts, workdir)
    finally:
        publisher.close()
        procs.stop(server.proc)


def _nchan_run(procs: Processes, workdir: Path, posts: int, fd_limit: int) -> Latencies:
    server = start_nchan(procs, workdir, 1024, fd_limit)
    publisher = NchanMessages(NchanPublisher(server.port), 512)
    try:
        return _measure(server, publisher, SUB_PATH, posts, workdir)
    finally:
        publisher.close()
        procs.stop(server.proc)


def run(options: Options) -> Report:
    settings = _settings
    check_tools(NGINX, TASKSET)
    build_client()
    posts = settings.posts or (QUICK_POSTS if options.quick else POSTS)
    report = Report()
    with as_client("publish") as (workdir, procs):
        log(f"publish: {posts} posts, one reader, one at a time")
        for database in settings.databases:
            action: Callable[[], Latencies]
            if database == "sqlite":
                path = workdir / "publish.db"
                url = f"sqlite:///{path}"
                token = liveblog_database(url)
                action = partial(_liveblog_run, procs, workdir, url, token, posts)
                got, foreign = undisturbed(report, options, "publish-sqlite", action)
                path.unlink()
            else:
                try:
                    with postgres_database(settings.postgres_url) as url:
                        token = liveblog_database(url)
                        action = partial(_liveblog_run, procs, workdir, url, token, posts)
                        got, foreign = undisturbed(report, options, "publish-postgresql", action)
                except BenchError as exc:
                    log(f"  skipped PostgreSQL: {exc}")
                    report.notes.append(f"publish-postgresql skipped: {exc}")
                    continue
            result = _result(
                "liveblog",
                f"publish-{database}",
                got,
                foreign,
                database=database,
                target_median_ms=TARGET_MS[database],
            )
            _log(result)
            report.results.append(result)
            assert result.median_ms is not None
            met = "met" if result.median_ms <= TARGET_MS[database] else "MISSED"
            report.notes.append(
                f"publish-{database}: median {result.median_ms:.2f} ms, target "
                f"≤ {TARGET_MS[database]:g} ms: {met}"
            )
        if settings.nchan:
            fd_limit = 4096
            got, foreign = undisturbed(
                report,
                options,
                "publish-nchan",
                partial(_nchan_run, procs, workdir, posts, fd_limit),
            )
            result = _result("nchan", "publish-memory", got, foreign, database=None)
            _log(result)
            report.results.append(result)
            got, foreign = undisturbed(
                report, options, "publish-floor", partial(_floor_run, procs, workdir, posts)
            )
            floor = _result("uvicorn", "publish-floor", got, foreign, database=None)
            _log(floor)
            report.results.append(floor)
            _ratios(report, result)
    return report


def _ratios(report: Report, nchan: Result) -> None:
    """Issue 12's figures: each database's median over nchan's in the same run."""
    assert nchan.median_ms
    for r in report.results:
        database = r.extra.get("database")
        if r.system == "liveblog" and r.median_ms is not None and database in RATIO_TARGETS:
            ratio = r.median_ms / nchan.median_ms
            report.ratios.append(Ratio(r.workload, "median_ms", ratio, RATIO_TARGETS[database]))
        elif r.workload == "publish-floor" and r.median_ms is not None:
            ratio = r.median_ms / nchan.median_ms
            floor = "the server stack alone, for scale"
            report.ratios.append(Ratio(r.workload, "median_ms", ratio, floor))


def _log(r: Result) -> None:
    log(
        f"  {r.system:8} {r.workload:18} median {r.median_ms:.2f} ms  p99 {r.p99_ms:.2f} ms  "
        f"POST answered in {r.extra['publish_request_median_ms']:.2f} ms (median)"
    )
