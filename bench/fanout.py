"""``fanout``: N event-stream readers of one blog, M events at a fixed interval; liveblog vs nchan.

For each subscriber count, ``--rounds`` rounds (default 3) of each system in turn (a fresh server
each time, pinned to core 0; the compiled client ``bench/client/sse_clients.c`` and this
publisher on core 1):

1. a few warm-up events with no reader; the server's RSS;
2. N readers connect (``GET /live/{slug}/events``; nchan: ``GET /sub``); once every one has
   its response head and a second has passed, the RSS again: the difference over N is the
   memory of an idle connection;
3. two warm-up events, then M events, one every ``--interval-ms``, each carrying
   ``#seq=<n>;t=<publish time ns>#`` (see :mod:`bench.sse_client`); the server's CPU time
   (utime + stime) from the first publish until every reader has every event, over N x M, is
   the CPU per delivery. Each delivery's latency is the reader's receive time minus the publish
   time in the event; lost and duplicated events are counted per reader by sequence number.

liveblog publishes through its real write path: ``POST /api/v1/blogs/{slug}/entries`` with an
editor's bearer token -> commit (SQLite) -> broker (memory://) -> hub -> SSE, one worker as
``liveblog serve`` runs it (:mod:`bench.serve`). Its events carry the entry, its rendered html
and the page header, so the entry body is only the marker (padded towards ``--payload`` when
that is larger than our framing); nchan gets a ``--payload``-byte message with the marker.
Both systems' actual bytes per delivered event are reported (``bytes_per_event``). The round
with the median latency stands for each system (:func:`combine`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bench.common import (
    CLIENT_CORE,
    NGINX,
    PYTHON,
    REPO,
    RESULTS,
    SERVER_CORE,
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
    log,
    rss_kb,
    undisturbed,
)
from bench.many_blogs import blog_with_editor
from bench.nchan import SUB_PATH, NchanPublisher, check_nchan, start_nchan
from bench.servers import Server, start_liveblog
from bench.sse_client import Deliveries, SseClients, build_client, marker, raise_fd_limit

T = TypeVar("T")

SLUG = "fanout"
STREAM_PATH = f"/live/{SLUG}/events"
EDITOR = "bench-editor@example.org"
SYSTEMS = ("liveblog", "nchan")
DEFAULT_COUNTS = (1_000, 5_000)
LARGE_COUNT = 10_000
QUICK_COUNTS = (500,)
EVENTS, QUICK_EVENTS = 100, 20
ROUNDS = 3
WARMUP_IDLE = 5
"""Events published before any reader connects (first-use costs out of the way)."""
WARMUP_LIVE = 2
"""Events published to the connected readers before the measured ones (not counted)."""
SETTLE_S = 1.0
DRAIN_S = 15.0
"""After the last event: how long the readers may take to receive everything."""
FD_RESERVE = 256
TARGETS = {
    "median_ms": "≤ 1.0, aim 0.8",
    "p99_ms": "≤ 1.0, aim 0.5",
    "cpu_us_per_delivery": "≤ 1.0",
    "kb_per_connection": "≤ 1.0",
}


# -- options -------------------------------------------------------------------------------------


@dataclass
class Settings:
    subscribers: list[int] | None = None
    events: int | None = None
    payload: int = 512
    interval_ms: float = 100.0
    systems: tuple[str, ...] = SYSTEMS
    profile: bool = False
    rounds: int | None = None


_settings = Settings()


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from exc
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("subscriber counts must be positive")
    return counts


def _systems(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"systems are {', '.join(SYSTEMS)}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--subscribers",
        type=_counts,
        metavar="N[,N...]",
        help="reader counts (default 1000,5000 and 10000 if the fd limit allows; quick: 500)",
    )
    parser.add_argument(
        "--events", type=int, metavar="M", help=f"measured events (default {EVENTS}, quick 20)"
    )
    parser.add_argument(
        "--payload", type=int, default=512, metavar="BYTES", help="event payload (default 512)"
    )
    parser.add_argument(
        "--interval-ms", type=float, default=100.0, help="time between events (default 100)"
    )
    parser.add_argument(
        "--systems", type=_systems, default=SYSTEMS, help="liveblog,nchan (default both)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        metavar="R",
        help=f"rounds per reader count, alternating between the systems (default {ROUNDS}, "
        "quick 1); the round with the median latency stands for each system",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record the liveblog server with py-spy while it publishes (figures perturbed)",
    )


def configure(args: argparse.Namespace) -> None:
    global _settings
    _settings = Settings(
        subscribers=getattr(args, "subscribers", None),
        events=getattr(args, "events", None),
        payload=getattr(args, "payload", 512),
        interval_ms=getattr(args, "interval_ms", 100.0),
        systems=getattr(args, "systems", SYSTEMS),
        profile=getattr(args, "profile", False),
        rounds=getattr(args, "rounds", None),
    )


# -- liveblog ------------------------------------------------------------------------------------


def liveblog_database(url: str) -> str:
    """A migrated database with one open blog and an editor; returns the editor's API token."""
    from liveblog.actions import Actions
    from liveblog.storage.database import Database
    from liveblog.storage.migrate import upgrade

    db = Database(url)
    try:
        upgrade(db)
        actions = Actions(db)
        admin = actions.create_user("bench-admin@example.org", "admin", "bench-password-1")
        title = "Liveblog: Fan-out"
        summary = "Ein Blog, dessen Leser alle dasselbe Ereignis bekommen."
        return blog_with_editor(actions, admin, SLUG, title, summary, EDITOR)
    finally:
        db.dispose()


class Publisher(Protocol):
    def publish(self, seq: int) -> None: ...

    def close(self) -> None: ...


class LiveblogPublisher:
    """Posts entries through the API, one keep-alive connection, the marker in the body."""

    def __init__(self, port: int, token: str, slug: str = SLUG) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path = f"/api/v1/blogs/{slug}/entries"
        self.slug = slug
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.padding = ""

    def publish(self, seq: int) -> None:
        t_ns = time.time_ns()
        body = json.dumps({"body": marker(seq, t_ns) + self.padding}).encode()
        self.conn.request("POST", self.path, body=body, headers=self.headers)
        resp = self.conn.getresponse()
        answer = resp.read()
        if resp.status != 201:
            raise BenchError(f"POST {self.path} answered {resp.status}: {answer[:300]!r}")

    def event_bytes(self) -> int:
        """The SSE frame of the newest event, as the hub would send it (for the padding)."""
        from liveblog.web.live.sse import encode

        self.conn.request("GET", f"/api/v1/blogs/{self.slug}/events?after=0&limit=100")
        resp = self.conn.getresponse()
        answer = resp.read()
        if resp.status != 200:
            raise BenchError(f"the events API answered {resp.status}")
        newest = json.loads(answer)["events"][-1]
        return len(encode(newest["seq"], newest["type"], newest))

    def fit(self, payload: int) -> int:
        """Pad the body so the event comes near ``payload`` bytes where our framing allows
        (the body appears three times: ``body``, ``body_html`` and ``html``); the frame size."""
        base = self.event_bytes()
        self.padding = " " + "x" * ((payload - base) // 3) if payload > base + 3 else ""
        return base

    def close(self) -> None:
        self.conn.close()


class NchanMessages:
    """``payload``-byte messages: the marker, then padding."""

    def __init__(self, publisher: NchanPublisher, payload: int) -> None:
        self.publisher = publisher
        self.payload = payload

    def publish(self, seq: int) -> None:
        text = marker(seq, time.time_ns())
        if self.payload > len(text):
            text += " " + "x" * (self.payload - len(text) - 1)
        self.publisher.publish(text.encode())

    def close(self) -> None:
        self.publisher.close()


# -- one measurement -----------------------------------------------------------------------------


@dataclass
class Measured:
    system: str
    subscribers: int
    events: int
    deliveries: Deliveries
    cpu_s: float
    client_cpu_s: float
    """The reader client's CPU time over the same span (is it keeping up?)."""
    elapsed_s: float
    rss_before_kb: int
    rss_idle_kb: int
    rss_after_kb: int
    connect_ms: float
    post_s: list[float]
    schedule_lag_s: float
    complete: bool
    frame_bytes_bare: int | None = None
    profile: list[str] = field(default_factory=list)


def _publish_at_interval(
    publisher: Publisher, events: int, interval: float, first: int = 1
) -> tuple[list[float], float]:
    """Publish events ``first`` .. ``first + events - 1`` one ``interval`` apart (not waiting for
    deliveries); the time each publish request took and the worst lag behind the schedule."""
    took: list[float] = []
    lag = 0.0
    start = time.monotonic() + interval
    for k in range(events):
        delay = start + k * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            lag = max(lag, -delay)
        began = time.monotonic()
        publisher.publish(first + k)
        took.append(time.monotonic() - began)
    return took, lag


def _py_spy() -> Path:
    path = PYTHON.parent / "py-spy"
    if not path.exists():
        raise BenchError("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    return path


def _start_profiler(
    procs: Processes, pid: int, seconds: float, out: Path
) -> subprocess.Popen[bytes]:
    argv = [
        str(_py_spy()),
        "record",
        "--pid",
        str(pid),
        "--rate",
        "200",
        "--nonblocking",
        "--format",
        "raw",
        "--duration",
        str(max(1, round(seconds))),
        "--output",
        str(out),
    ]
    return procs.start("py-spy", argv, core=CLIENT_CORE)


def profile_summary(raw: Path, top: int = 25) -> list[str]:
    """Self and inclusive shares per function from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1] for f in stack.split(";")]
        frames = [f.replace(str(REPO) + "/", "") for f in frames]
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples; self time:"]
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {count / total:6.1%}  {frame}")
    lines.append("inclusive time:")
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {count / total:6.1%}  {frame}")
    return lines


def _measure(
    system: str,
    subscribers: int,
    events: int,
    settings: Settings,
    procs: Processes,
    workdir: Path,
    template: Path,
    token: str,
    fd_limit: int,
    profile: bool,
) -> Measured:
    interval = settings.interval_ms / 1000
    server: Server
    publisher: Publisher
    frame_bytes: int | None = None
    if system == "liveblog":
        db = workdir / f"fanout-{subscribers}-{time.monotonic_ns()}.db"
        shutil.copyfile(template, db)
        server = start_liveblog(procs, f"sqlite:///{db}", workdir)
        publisher = LiveblogPublisher(server.port, token)
        path = STREAM_PATH
    else:
        server = start_nchan(procs, workdir, min(2 * subscribers + 1024, fd_limit), fd_limit)
        publisher = NchanMessages(NchanPublisher(server.port), settings.payload)
        path = SUB_PATH
    profiler: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(WARMUP_IDLE):
            publisher.publish(0)
        if isinstance(publisher, LiveblogPublisher):
            frame_bytes = publisher.fit(settings.payload)
            publisher.publish(0)
        time.sleep(SETTLE_S)
        rss_before = rss_kb(server.pid)
        with SseClients(server.port, path, subscribers, events, workdir) as clients:
            clients.start()
            ready = clients.ready(timeout=60 + subscribers / 200)
            if ready.failed:
                raise BenchError(
                    f"{system}: {ready.failed} of {subscribers} streams failed to open\n"
                    f"{clients.stderr_tail()}"
                )
            time.sleep(SETTLE_S)
            rss_idle = rss_kb(server.pid)
            if isinstance(publisher, NchanMessages):
                seen = publisher.publisher.subscribers()
                if seen != subscribers:
                    raise BenchError(f"nchan counts {seen} subscribers, not {subscribers}")
            for _ in range(WARMUP_LIVE):
                publisher.publish(0)
                time.sleep(interval)
            raw = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-fanout-{subscribers}.pyspy.txt"
            if profile and system == "liveblog":
                RESULTS.mkdir(parents=True, exist_ok=True)
                profiler = _start_profiler(procs, server.pid, events * interval + 1, raw)
                time.sleep(0.5)  # py-spy attaches
            cpu_before, began = cpu_seconds(server.pid), time.monotonic()
            client_before = cpu_seconds(clients.pid)
            post_s, lag = _publish_at_interval(publisher, events, interval)
            complete = clients.wait_complete(DRAIN_S)
            cpu_used, elapsed = cpu_seconds(server.pid) - cpu_before, time.monotonic() - began
            client_cpu = cpu_seconds(clients.pid) - client_before
            rss_after = rss_kb(server.pid)
            deliveries = clients.stop()
        summary: list[str] = []
        if profiler is not None:
            profiler.wait(60)
            procs.stop(profiler)
            profiler = None
            summary = profile_summary(raw) if raw.exists() else ["(py-spy wrote nothing)"]
            log(f"  py-spy profile of liveblog: {raw}")
            for line in summary:
                log(f"    {line}")
    finally:
        if profiler is not None:
            procs.stop(profiler, timeout=10)
        publisher.close()
        procs.stop(server.proc)
    return Measured(
        system=system,
        subscribers=subscribers,
        events=events,
        deliveries=deliveries,
        cpu_s=cpu_used,
        client_cpu_s=client_cpu,
        elapsed_s=elapsed,
        rss_before_kb=rss_before,
        rss_idle_kb=rss_idle,
        rss_after_kb=rss_after,
        connect_ms=ready.ms,
        post_s=post_s,
        schedule_lag_s=lag,
        complete=complete,
        frame_bytes_bare=frame_bytes,
        profile=summary,
    )


# -- results -------------------------------------------------------------------------------------


def nearest_rank(ordered: Sequence[T], fraction: float) -> T:
    """Nearest-rank percentile of sorted samples (as ``common.percentile``, without a sort)."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _per_event(d: Deliveries) -> tuple[float, float]:
    """Medians over the events of the first delivery's latency and of the spread between the
    first and the last delivery (the time the fan-out of one event takes), ms."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for seq, latency in zip(d.seqs, d.latencies_ns, strict=True):
        if latency < first.get(seq, 1 << 62):
            first[seq] = latency
        if latency > last.get(seq, -(1 << 62)):
            last[seq] = latency
    if not first:
        return 0.0, 0.0
    return (
        statistics.median(first.values()) / 1e6,
        statistics.median(last[s] - first[s] for s in first) / 1e6,
    )


def result_of(m: Measured, payload: int, interval_ms: float, foreign: float) -> Result:
    d = m.deliveries
    ordered = sorted(d.latencies_ns)
    if not ordered:
        raise BenchError(f"{m.system}: no event reached any reader")
    first_ms, spread_ms = _per_event(d)
    expected = m.subscribers * m.events
    extra: dict[str, Any] = {
        "p95_ms": round(nearest_rank(ordered, 0.95) / 1e6, 3),
        "max_ms": round(ordered[-1] / 1e6, 3),
        "first_delivery_median_ms": round(first_ms, 3),
        "fanout_spread_median_ms": round(spread_ms, 3),
        "events": m.events,
        "interval_ms": interval_ms,
        "deliveries": d.deliveries,
        "payload_bytes": payload,
        "bytes_per_event": round(d.bytes_per_event),
        "server_cpu_share": round(m.cpu_s / m.elapsed_s, 2) if m.elapsed_s else None,
        "server_cpu_s": round(m.cpu_s, 3),
        "client_cpu_us_per_delivery": round(m.client_cpu_s / expected * 1e6, 2),
        "client_cpu_share": round(m.client_cpu_s / m.elapsed_s, 2) if m.elapsed_s else None,
        "connect_ms": round(m.connect_ms),
        "rss_before_kb": m.rss_before_kb,
        "rss_idle_kb": m.rss_idle_kb,
        "rss_after_kb": m.rss_after_kb,
        "publish_request_median_ms": round(statistics.median(m.post_s) * 1000, 3),
        "schedule_lag_max_ms": round(m.schedule_lag_s * 1000, 1),
        "closed_by_server": d.closed,
        "lost_max_per_subscriber": d.lost_max,
        "duplicated_max_per_subscriber": d.dup_max,
        "foreign_cores": round(foreign, 2),
    }
    if m.frame_bytes_bare is not None:
        extra["bytes_per_event_bare_marker"] = m.frame_bytes_bare
    if m.profile:
        extra["profiled"] = True
    return Result(
        system=m.system,
        workload=f"fanout-{m.subscribers}",
        subscribers=m.subscribers,
        median_ms=round(statistics.median(ordered) / 1e6, 3),
        p99_ms=round(nearest_rank(ordered, 0.99) / 1e6, 3),
        lost=d.lost,
        duplicated=d.duplicated,
        cpu_us_per_delivery=round(m.cpu_s / expected * 1e6, 2),
        kb_per_connection=round((m.rss_idle_kb - m.rss_before_kb) / m.subscribers, 2),
        extra=extra,
    )


def default_counts(fd_limit: int) -> list[int]:
    counts = list(DEFAULT_COUNTS)
    if fd_limit >= LARGE_COUNT + FD_RESERVE:
        counts.append(LARGE_COUNT)
    return counts


# -- the workload --------------------------------------------------------------------------------


def run(options: Options) -> Report:
    settings = _settings
    check_tools(NGINX, TASKSET)
    check_nchan()
    build_client()
    fd_limit = raise_fd_limit()
    counts = settings.subscribers or list(
        QUICK_COUNTS if options.quick else default_counts(fd_limit)
    )
    too_many = [n for n in counts if n + FD_RESERVE > fd_limit]
    if too_many:
        raise BenchError(
            f"{too_many} subscribers need more open files than the hard limit {fd_limit} allows"
        )
    events = settings.events or (QUICK_EVENTS if options.quick else EVENTS)
    rounds = settings.rounds or (1 if options.quick else ROUNDS)
    report = Report()
    if fd_limit < LARGE_COUNT + FD_RESERVE and not settings.subscribers:
        report.notes.append(f"no {LARGE_COUNT:,}-reader run: the open-file limit is {fd_limit}")
    with as_client("fanout") as (workdir, procs):
        template = workdir / "template.db"
        token = liveblog_database(f"sqlite:///{template}")
        log(
            f"fan-out: {', '.join(f'{n:,}' for n in counts)} readers, {events} events every "
            f"{settings.interval_ms:g} ms, payload {settings.payload} bytes, {rounds} "
            f"round(s); servers on "
            f"core {SERVER_CORE}, client and publisher on core {CLIENT_CORE}; "
            f"open-file limit {fd_limit}"
        )
        for n in counts:
            runs: dict[str, list[Result]] = {system: [] for system in settings.systems}
            # Rounds alternate between the systems, so passing load elsewhere hits both.
            for round_ in range(rounds):
                for system in settings.systems:
                    measured, foreign = undisturbed(
                        report,
                        options,
                        f"fanout-{n} on {system}",
                        partial(
                            _measure,
                            system,
                            n,
                            events,
                            settings,
                            procs,
                            workdir,
                            template,
                            token,
                            fd_limit,
                            settings.profile and round_ == 0,
                        ),
                    )
                    result = result_of(measured, settings.payload, settings.interval_ms, foreign)
                    _log_result(result, round_ + 1, rounds)
                    runs[system].append(result)
            pair = {system: combine(done) for system, done in runs.items()}
            for system, result in pair.items():
                report.results.append(result)
                if result.lost or result.duplicated:
                    report.notes.append(
                        f"{system} fanout-{n}: {result.lost} lost, {result.duplicated} "
                        "duplicated deliveries (all rounds)"
                    )
            if len(pair) == 2:
                _ratios(report, f"fanout-{n}", pair["liveblog"], pair["nchan"])
    if len(settings.systems) == 2 and report.results:
        sizes = {r.system: r.extra["bytes_per_event"] for r in report.results}
        report.notes.append(
            f"bytes per delivered event: liveblog {sizes['liveblog']}, nchan {sizes['nchan']} "
            "(liveblog's data also carries the entry JSON, its rendered html and the page header)"
        )
    return report


def _ratios(report: Report, workload: str, ours: Result, peer: Result) -> None:
    for metric, target in TARGETS.items():
        mine, theirs = getattr(ours, metric), getattr(peer, metric)
        if mine is not None and theirs:
            report.ratios.append(Ratio(workload, metric, mine / theirs, target))


def combine(rounds: list[Result]) -> Result:
    """One system's rounds as one result: the round with the median ``median_ms`` stands for
    the latencies; CPU per delivery over all rounds; memory per connection the median round's;
    lost and duplicated summed; every round's figures in ``rounds_*``."""
    if len(rounds) == 1:
        return rounds[0]
    ordered = sorted(rounds, key=lambda r: r.median_ms or 0.0)
    mid = ordered[len(ordered) // 2]
    cpu_s = sum(r.extra["server_cpu_s"] for r in rounds)
    deliveries = sum((r.subscribers or 0) * r.extra["events"] for r in rounds)
    extra = dict(mid.extra)
    extra.update(
        {
            "rounds": len(rounds),
            "rounds_median_ms": [r.median_ms for r in rounds],
            "rounds_p99_ms": [r.p99_ms for r in rounds],
            "rounds_cpu_us_per_delivery": [r.cpu_us_per_delivery for r in rounds],
            "rounds_kb_per_connection": [r.kb_per_connection for r in rounds],
            "foreign_cores": max(r.extra["foreign_cores"] for r in rounds),
        }
    )
    return Result(
        system=mid.system,
        workload=mid.workload,
        subscribers=mid.subscribers,
        median_ms=mid.median_ms,
        p99_ms=mid.p99_ms,
        lost=sum(r.lost or 0 for r in rounds),
        duplicated=sum(r.duplicated or 0 for r in rounds),
        cpu_us_per_delivery=round(cpu_s / deliveries * 1e6, 2) if deliveries else None,
        kb_per_connection=statistics.median(r.kb_per_connection or 0.0 for r in rounds),
        extra=extra,
    )


def _log_result(r: Result, round_: int = 1, rounds: int = 1) -> None:
    where = f" (round {round_} of {rounds})" if rounds > 1 else ""
    log(
        f"  {r.system:8} {r.workload:12}{where} median {r.median_ms:.2f} ms  "
        f"p99 {r.p99_ms:.2f} ms  "
        f"lost {r.lost}  dup {r.duplicated}  CPU {r.cpu_us_per_delivery:.2f} µs/delivery  "
        f"{r.kb_per_connection:.2f} KB/conn  {r.extra['bytes_per_event']} B/event  "
        f"first {r.extra['first_delivery_median_ms']:.2f} ms  "
        f"spread {r.extra['fanout_spread_median_ms']:.2f} ms"
    )
