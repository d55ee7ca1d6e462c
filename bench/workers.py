"""``workers``: how many live readers ``liveblog serve --workers 2`` holds at the median latency
``--workers 1`` gives its largest count, on the machine's two cores.

For each reader count N and each worker count W (rounds alternate between W=1 and W=2, a fresh
server each time): ``liveblog serve --workers W`` exactly as a user runs it (SQLite, broker
``memory://``, so two workers talk through the supervisor's local relay; no access log, the
per-address stream cap off as in ``fanout``) on a copy of a database with one blog; N readers
(the compiled client, :mod:`bench.sse_client`) connect; 2 warm-up posts; then M posts, one every
``--interval-ms``, through the real write path (``POST .../entries``, which lands on one worker:
the other hears of it through the relay and reads the event from the log). Latency per delivery
as in ``fanout`` (receive time minus the publish time in the event).

W=1 runs on core 0 (as every other benchmark's server), W=2 on cores 0 and 1; the readers and the
publisher on core 1 in both cases, so W=2 shares a core with them: what "2 cores" means on a
two-core machine. For each W the median latency is taken as linear in N (a fan-out writes to
each reader in turn) between the measured points; the figure is the ratio of the readers each W
holds at the median latency W=1 reaches at its largest count: ``ratio workers-2-vs-1
readers_at_same_median``, target >= 1.7 (aim 2.0).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import resource
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    CLIENT_CORE,
    PYTHON,
    REPO,
    TASKSET,
    BenchError,
    Options,
    Processes,
    Ratio,
    Report,
    Result,
    as_client,
    check_tools,
    cpu_seconds,
    free_port,
    log,
    tail,
    wait_for_http,
)
from bench.fanout import STREAM_PATH, LiveblogPublisher, liveblog_database, nearest_rank
from bench.sse_client import SseClients, build_client, raise_fd_limit

COUNTS = {1: (1_000, 2_000, 4_000), 2: (1_000, 2_000, 4_000, 8_000)}
QUICK_COUNTS = {1: (500, 1_000), 2: (500, 1_000, 2_000)}
EVENTS, QUICK_EVENTS = 40, 15
INTERVAL_MS = 100.0
ROUNDS = 3
WARMUP = 2
SETTLE_S = 1.0
DRAIN_S = 15.0
CORES = {1: "0", 2: "0,1"}


@dataclass
class _Settings:
    rounds: int | None = None
    events: int | None = None


_settings = _Settings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, help=f"rounds per point (default {ROUNDS})")
    parser.add_argument("--events", type=int, help=f"posts per point (default {EVENTS})")


def configure(args: argparse.Namespace) -> None:
    global _settings
    _settings = _Settings(
        rounds=getattr(args, "rounds", None), events=getattr(args, "events", None)
    )


def _start(procs: Processes, workers: int, database_url: str, workdir: Path) -> tuple[int, int]:
    """``liveblog serve --workers W`` on a free port; (port, supervisor pid) once all serve."""
    port = free_port()
    log_path = workdir / f"serve-{workers}-{port}.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")},
        "LIVEBLOG_DATABASE_URL": database_url,
        "LIVEBLOG_BROKER_URL": "memory://",
        "LIVEBLOG_MAX_STREAMS_PER_ADDRESS": "0",
    }
    argv = [TASKSET, "-c", CORES[workers], str(PYTHON), "-m", "liveblog", "serve"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = procs.start(f"liveblog-{workers}", argv, env=env, cwd=REPO, log_path=log_path)
    deadline = time.monotonic() + 60
    while not re.search(rb"liveblog: serving ", log_path.read_bytes()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"liveblog --workers {workers} did not start\n{tail(log_path)}")
        time.sleep(0.05)
    wait_for_http(port, "/healthz", proc, timeout=30)
    return port, proc.pid


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its children (the workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(child)) for child in children)


def _measure(
    procs: Processes, workers: int, readers: int, events: int, workdir: Path, template: Path,
    token: str,
) -> Result:  # fmt: skip
    db = workdir / f"workers-{workers}-{readers}-{time.monotonic_ns()}.db"
    shutil.copyfile(template, db)
    port, pid = _start(procs, workers, f"sqlite:///{db}", workdir)
    interval = INTERVAL_MS / 1000
    publisher = LiveblogPublisher(port, token)
    try:
        publisher.publish(0)
        with SseClients(port, STREAM_PATH, readers, events, workdir) as clients:
            clients.start()
            ready = clients.ready(timeout=60 + readers / 200)
            if ready.failed:
                raise BenchError(f"{ready.failed} of {readers} streams failed to open")
            time.sleep(SETTLE_S)
            for _ in range(WARMUP):
                publisher.publish(0)
                time.sleep(interval)
            cpu_before, began = _tree_cpu(pid), time.monotonic()
            client_before = cpu_seconds(clients.pid) + _own_cpu()
            start = time.monotonic() + interval
            for k in range(events):
                delay = start + k * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                publisher.publish(k + 1)
            complete = clients.wait_complete(DRAIN_S)
            cpu, elapsed = _tree_cpu(pid) - cpu_before, time.monotonic() - began
            client = cpu_seconds(clients.pid) + _own_cpu() - client_before
            deliveries = clients.stop()
    finally:
        publisher.close()
        procs.stop_all()
    ordered = sorted(deliveries.latencies_ns)
    if not ordered:
        raise BenchError(f"--workers {workers}: no event reached any reader")
    result = Result(
        system=f"liveblog --workers {workers}",
        workload=f"workers-{readers}",
        subscribers=readers,
        median_ms=round(statistics.median(ordered) / 1e6, 3),
        p99_ms=round(nearest_rank(ordered, 0.99) / 1e6, 3),
        lost=deliveries.lost,
        duplicated=deliveries.duplicated,
        cpu_us_per_delivery=round(cpu / (readers * events) * 1e6, 2),
        extra={
            "workers": workers,
            "events": events,
            "complete": complete,
            "server_cpu_share": round(cpu / elapsed, 2),
            "client_cpu_share": round(client / elapsed, 2),
            "cores": CORES[workers],
        },
    )
    log(
        f"  --workers {workers}, {readers:,} readers: median {result.median_ms} ms, p99 "
        f"{result.p99_ms} ms, lost {result.lost}, dup {result.duplicated}, server "
        f"{result.extra['server_cpu_share']} cores, client (readers + publisher) "
        f"{result.extra['client_cpu_share']} of core {CLIENT_CORE}"
    )
    return result


def readers_at(latency_ms: float, points: list[tuple[int, float]]) -> tuple[float, bool]:
    """The reader count at which the median reaches ``latency_ms``, linear between the measured
    ``(readers, median ms)`` points (beyond the last two when it lies past them); and whether
    that was an extrapolation."""
    points = sorted(points)
    for (n0, m0), (n1, m1) in itertools.pairwise(points):
        if m0 <= latency_ms <= m1 and m1 > m0:
            return n0 + (n1 - n0) * (latency_ms - m0) / (m1 - m0), False
    (n0, m0), (n1, m1) = points[-2], points[-1]
    slope = (m1 - m0) / (n1 - n0)
    if latency_ms <= points[0][1] or slope <= 0:
        return float(points[0][0]), True
    return n1 + (latency_ms - m1) / slope, True


def run(options: Options) -> Report:
    check_tools(TASKSET)
    build_client()
    raise_fd_limit()
    counts = QUICK_COUNTS if options.quick else COUNTS
    events = _settings.events or (QUICK_EVENTS if options.quick else EVENTS)
    rounds = _settings.rounds or (1 if options.quick else ROUNDS)
    report = Report()
    with as_client("workers") as (workdir, procs):
        template = workdir / "template.db"
        token = liveblog_database(f"sqlite:///{template}")
        runs: dict[tuple[int, int], list[Result]] = {}
        for round_ in range(rounds):
            log(f"round {round_ + 1} of {rounds}")
            for n in sorted({n for ns in counts.values() for n in ns}):
                for workers in (1, 2):
                    if n in counts[workers]:
                        result = _measure(procs, workers, n, events, workdir, template, token)
                        runs.setdefault((workers, n), []).append(result)
    medians: dict[int, list[tuple[int, float]]] = {1: [], 2: []}
    for (workers, n), results in sorted(runs.items()):
        chosen = sorted(results, key=lambda r: r.median_ms or 0.0)[len(results) // 2]
        chosen.extra["rounds_median_ms"] = [r.median_ms for r in results]
        report.results.append(chosen)
        assert chosen.median_ms is not None
        medians[workers].append((n, chosen.median_ms))
        client = chosen.extra["client_cpu_share"]
        if client > 0.8:
            report.notes.append(
                f"--workers {workers}, {n} readers: the client used {client} of core "
                f"{CLIENT_CORE} (which the second worker shares): the client may be the limit"
            )
        if any(r.lost or r.duplicated for r in results):
            report.notes.append(f"--workers {workers}, {n} readers: lost or duplicated deliveries")
    largest, held_latency = max(medians[1])
    two, extrapolated = readers_at(held_latency, medians[2])
    report.ratios.append(
        Ratio("workers-2-vs-1", "readers_at_same_median", two / largest, "≥ 1.7, aim 2.0")
    )
    report.notes.append(
        f"at the median --workers 1 reaches with {largest:,} readers ({held_latency} ms), "
        f"--workers 2 holds {two:,.0f}"
        + (" (extrapolated past its measured points)" if extrapolated else "")
    )
    return report
