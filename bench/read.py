"""``read``: requests/s of one liveblog worker next to nginx serving the same bytes as a file.

A blog of 5,000 entries. Five workloads, each run against both servers in the same run with the
same client (wrk pinned to core 1; both servers pinned to core 0, loaded one at a time):

* ``read-page``: the cached reader page ``GET /live/{slug}`` (200, full body);
* ``read-page-304``: the same page revalidated with ``If-None-Match`` (each server's own ETag);
* ``read-poll``: the events polling endpoint as an up-to-date client calls it,
  ``GET /api/v1/blogs/{slug}/events?after=<head>`` (nothing new: the most common poll);
* ``read-poll-304``: the same poll revalidated with ``If-None-Match``;
* ``read-entries``: ``GET /api/v1/blogs/{slug}/entries`` (nginx serves the captured JSON).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from bench.common import (
    NGINX,
    TASKSET,
    WRK,
    BenchError,
    Options,
    Processes,
    Ratio,
    Report,
    Result,
    WrkResult,
    check_tools,
    cpu_seconds,
    http_get,
    log,
    rss_kb,
    run_wrk,
    undisturbed,
)
from bench.seed import seeded
from bench.servers import Server, StaticFile, start_liveblog, start_nginx

ENTRIES = 5_000
CONNECTIONS = 50
ROUNDS = 3
PAGE_TARGET = "≥ 0.3, aim 0.5"


@dataclass(frozen=True)
class Target:
    workload: str
    path: str
    conditional: bool
    headers: tuple[tuple[str, str], ...] = ()
    """Request headers every request of the workload sends (e.g. ``Accept-Encoding``)."""


def _capture(server: Server, path: str, kind: str) -> StaticFile:
    resp = http_get(server.port, path)
    if resp.status != 200:
        raise BenchError(
            f"GET {path} answered {resp.status}, not 200: has the {kind} landed? "
            f"{resp.body[:200]!r}"
        )
    content_type = resp.header("content-type")
    if not content_type:
        raise BenchError(f"GET {path} has no Content-Type")
    return StaticFile(path, content_type, resp.body)


def _head(server: Server, slug: str) -> int:
    """The blog's newest event number, as the polling endpoint reports it."""
    resp = http_get(server.port, f"/api/v1/blogs/{slug}/events?after=0&limit=1")
    if resp.status != 200:
        raise BenchError(f"the events polling endpoint answered {resp.status}: {resp.body[:200]!r}")
    head = json.loads(resp.body)["head"]
    assert isinstance(head, int)
    return head


def _etag(server: Server, path: str, headers: dict[str, str] | None = None) -> str:
    """The server's ETag of ``path`` (requested with ``headers``), checked to revalidate."""
    resp = http_get(server.port, path, headers)
    tag = resp.header("etag")
    if resp.status != 200 or not tag:
        raise BenchError(f"{server.name} GET {path}: status {resp.status}, ETag {tag!r}")
    again = http_get(server.port, path, {**(headers or {}), "If-None-Match": tag})
    if again.status != 304:
        raise BenchError(f"{server.name} GET {path} with If-None-Match answered {again.status}")
    return tag


def _same_bytes(server: Server, static: StaticFile) -> None:
    resp = http_get(server.port, static.url_path)
    if resp.status != 200 or resp.body != static.body:
        raise BenchError(f"{server.name} does not serve the captured bytes of {static.url_path}")
    if resp.header("content-type") != static.content_type:
        raise BenchError(
            f"{server.name} {static.url_path}: Content-Type {resp.header('content-type')!r}, "
            f"not {static.content_type!r}"
        )


@dataclass(frozen=True)
class Round:
    wrk: WrkResult
    cpu_seconds: float
    elapsed: float
    foreign_cores: float = 0.0


def _one_round(
    server: Server, target: Target, etag: str | None, seconds: int, *, warmup: bool = False
) -> Round:
    headers = dict(target.headers)
    if etag:
        headers["If-None-Match"] = etag
    cpu_before, began = cpu_seconds(server.pid), time.monotonic()
    result = run_wrk(
        server.base + target.path, seconds=seconds, connections=CONNECTIONS, headers=headers
    )
    cpu_used, elapsed = cpu_seconds(server.pid) - cpu_before, time.monotonic() - began
    if result.errors or result.bad_status:
        raise BenchError(
            f"{server.name} {target.workload}: {result.errors} socket errors, "
            f"{result.bad_status} responses not 2xx/3xx"
        )
    log(
        f"  {server.name:8} {target.workload:14} {result.requests_per_s:10,.0f} req/s  "
        f"{'(warm-up) ' if warmup else ''}"
        f"p50 {result.median_ms:.2f} ms  p99 {result.p99_ms:.2f} ms  "
        f"server CPU {cpu_used / elapsed:.0%}"
    )
    return Round(result, cpu_used, elapsed)


def _result(server: Server, target: Target, rounds: list[Round]) -> Result:
    """The round with the median requests/s stands for the server; all rounds are listed."""
    ordered = sorted(rounds, key=lambda r: r.wrk.requests_per_s)
    mid = ordered[len(ordered) // 2]
    requests = sum(r.wrk.requests for r in rounds)
    cpu = sum(r.cpu_seconds for r in rounds)
    return Result(
        system=server.name,
        workload=target.workload,
        median_ms=round(mid.wrk.median_ms, 3),
        p99_ms=round(mid.wrk.p99_ms, 3),
        requests_per_s=mid.wrk.requests_per_s,
        extra={
            "rounds_requests_per_s": [round(r.wrk.requests_per_s) for r in rounds],
            "seconds_per_round": round(mid.wrk.seconds, 2),
            "connections": CONNECTIONS,
            "bytes_per_response": round(mid.wrk.bytes_per_response),
            "cpu_us_per_request": round(cpu / requests * 1e6, 1),
            "requests_per_cpu_s": round(requests / cpu) if cpu else None,
            "server_cpu_share": round(cpu / sum(r.elapsed for r in rounds), 2),
            "server_rss_kb": rss_kb(server.pid),
            "foreign_cores": round(max(r.foreign_cores for r in rounds), 2),
            "entries": ENTRIES,
        },
    )


def run(options: Options) -> Report:
    check_tools(WRK, NGINX, TASKSET)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="liveblog-bench-read-") as tmp, Processes() as procs:
        workdir = Path(tmp)
        blog = seeded(ENTRIES, workdir)
        ours = start_liveblog(procs, blog.url, workdir)
        poll = f"/api/v1/blogs/{blog.slug}/events?after={_head(ours, blog.slug)}"
        targets = [
            Target("read-page", f"/live/{blog.slug}", conditional=False),
            Target("read-page-304", f"/live/{blog.slug}", conditional=True),
            Target("read-poll", poll, conditional=False),
            Target("read-poll-304", poll, conditional=True),
            Target("read-entries", f"/api/v1/blogs/{blog.slug}/entries", conditional=False),
        ]
        page = _capture(ours, targets[0].path, "reader page")
        if not page.content_type.startswith("text/html"):
            raise BenchError(f"the reader page is {page.content_type}, not text/html")
        polled = _capture(ours, poll, "events polling endpoint")
        entries = _capture(ours, targets[-1].path, "entries API")
        # nginx's exact-match locations ignore the query string: the poll's path serves its file.
        peer = start_nginx(procs, [page, polled, entries], workdir)
        for static in (page, polled, entries):
            _same_bytes(peer, static)
        tags = {
            (s.name, path): _etag(s, path) for s in (ours, peer) for path in (page.url_path, poll)
        }
        log(
            f"one liveblog worker (pid {ours.pid}) and nginx (pid {peer.pid}) on core 0, "
            f"wrk -c{CONNECTIONS} on core 1; page {len(page.body):,} bytes, "
            f"poll JSON {len(polled.body):,} bytes, entries JSON {len(entries.body):,} bytes"
        )
        compare(report, options, (ours, peer), targets, tags, {"read-page": PAGE_TARGET})
    return report


def compare(
    report: Report,
    options: Options,
    servers: tuple[Server, Server],
    targets: list[Target],
    tags: dict[tuple[str, str], str],
    target_texts: dict[str, str],
) -> None:
    """Load ``servers`` (liveblog, then its peer) with each target, alternating rounds, and add
    both results and the ratio lines to ``report``; ``tags``: each server's ETag per path (for
    the conditional targets), ``target_texts``: the target to print next to a workload's ratio."""
    ours, peer = servers
    rounds, seconds, warmup = (1, 3, 1) if options.quick else (ROUNDS, 10, 2)
    for target in targets:
        etags = [tags[s.name, target.path] if target.conditional else None for s in servers]
        for server, etag in zip(servers, etags, strict=True):
            _one_round(server, target, etag, warmup, warmup=True)
        measured: list[list[Round]] = [[], []]
        # Rounds alternate between the servers, so passing load elsewhere hits both alike.
        for _ in range(rounds):
            for n, (server, etag) in enumerate(zip(servers, etags, strict=True)):
                done, foreign = undisturbed(
                    report,
                    options,
                    f"{target.workload} on {server.name}",
                    partial(_one_round, server, target, etag, seconds),
                    pids=[ours.pid, peer.pid],
                )
                measured[n].append(replace(done, foreign_cores=foreign))
        pair = [_result(s, target, m) for s, m in zip(servers, measured, strict=True)]
        report.results.extend(pair)
        ours_rps, peer_rps = pair[0].requests_per_s, pair[1].requests_per_s
        assert ours_rps is not None
        assert peer_rps is not None
        target_text = target_texts.get(target.workload, "")
        report.ratios.append(
            Ratio(target.workload, "requests_per_s", ours_rps / peer_rps, target_text)
        )
        # Requests per CPU-second of the server: the same comparison, much less sensitive
        # to other work on the machine (which takes CPU away but hardly changes the cost).
        ours_eff, peer_eff = (r.extra["requests_per_cpu_s"] for r in pair)
        if ours_eff and peer_eff:
            report.ratios.append(Ratio(target.workload, "requests_per_cpu_s", ours_eff / peer_eff))
