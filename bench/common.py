"""What every workload shares: results and their output, child processes, ports, HTTP, wrk."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TextIO, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "bench" / ".build"
RESULTS = REPO / "bench" / "results"
# The interpreter the servers and clients run under: bench/run's, as its README says.
PYTHON = Path(os.environ.get("LIVEBLOG_BENCH_PYTHON") or REPO / ".venv" / "bin" / "python")
SERVER_CORE = 0
CLIENT_CORE = 1
WRK = "/usr/bin/wrk"
NGINX = "/usr/sbin/nginx"
TASKSET = "/usr/bin/taskset"

# The keys every JSON result line has, in this order (null where a key does not apply).
RESULT_KEYS = (
    "system",
    "workload",
    "subscribers",
    "median_ms",
    "p99_ms",
    "lost",
    "duplicated",
    "cpu_us_per_delivery",
    "kb_per_connection",
    "requests_per_s",
)


class BenchError(RuntimeError):
    """The benchmark cannot run or produced a result that cannot be trusted."""


@dataclass
class Options:
    quick: bool
    as_json: bool
    wait_quiet: float = 0.0
    """Seconds to wait, before each measurement, for other work on the machine to end."""


# -- results -------------------------------------------------------------------------------------


@dataclass
class Result:
    """One system under one workload. ``extra`` keys follow the fixed ones in the JSON line."""

    system: str
    workload: str
    subscribers: int | None = None
    median_ms: float | None = None
    p99_ms: float | None = None
    lost: int | None = None
    duplicated: int | None = None
    cpu_us_per_delivery: float | None = None
    kb_per_connection: float | None = None
    requests_per_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        fixed = {key: getattr(self, key) for key in RESULT_KEYS}
        return {**fixed, **self.extra}


@dataclass(frozen=True)
class Ratio:
    """``ours / peer`` of one figure, e.g. ``read-page requests_per_s 0.42``."""

    workload: str
    metric: str
    value: float
    target: str = ""

    def line(self) -> str:
        return f"ratio {self.workload} {self.metric} {self.value:.3f}"


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: Report) -> None:
        self.results.extend(other.results)
        self.ratios.extend(other.ratios)
        self.notes.extend(other.notes)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


# Table columns: (header, key in Result.as_dict()). Columns empty for every result are dropped,
# so each workload's table shows only its own figures.
TABLE_COLUMNS = (
    ("system", "system"),
    ("workload", "workload"),
    ("req/s", "requests_per_s"),
    ("median ms", "median_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("server CPU µs/req", "cpu_us_per_request"),
    ("server CPU share", "server_cpu_share"),
    ("bytes/resp", "bytes_per_response"),
    ("others' cores", "foreign_cores"),
    ("runs", "runs"),
    ("subscribers", "subscribers"),
    ("lost", "lost"),
    ("dup", "duplicated"),
    ("server CPU µs/delivery", "cpu_us_per_delivery"),
    ("KB/conn", "kb_per_connection"),
    ("bytes/event", "bytes_per_event"),
)


def render_table(report: Report) -> str:
    rows = [[h for h, _ in TABLE_COLUMNS]]
    for result in report.results:
        data = result.as_dict()
        rows.append([_fmt(data.get(key)) for _, key in TABLE_COLUMNS])
    # Drop columns that are empty for every result.
    keep = [i for i in range(len(TABLE_COLUMNS)) if any(row[i] != "-" for row in rows[1:])]
    rows = [[row[i] for i in keep] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(keep))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if report.ratios:
        lines.append("")
        width = max(len(f"{r.workload} {r.metric}") for r in report.ratios)
        for ratio in report.ratios:
            name = f"{ratio.workload} {ratio.metric}".ljust(width)
            target = f"   (target {ratio.target})" if ratio.target else ""
            lines.append(f"ratio {name}  {ratio.value:.3f}{target}")
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def json_lines(report: Report) -> str:
    lines = [json.dumps(result.as_dict(), ensure_ascii=False) for result in report.results]
    lines += [ratio.line() for ratio in report.ratios]
    return "".join(line + "\n" for line in lines)


def emit(report: Report, options: Options, out: TextIO = sys.stdout) -> None:
    out.write(json_lines(report) if options.as_json else render_table(report) + "\n")
    out.flush()


def save(report: Report, name: str) -> Path:
    """Keep both forms under ``bench/results/`` (gitignored), named by time and workload."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}"
    stem.with_suffix(".jsonl").write_text(json_lines(report))
    stem.with_suffix(".txt").write_text(render_table(report) + "\n")
    return stem.with_suffix(".jsonl")


def log(message: str) -> None:
    """Progress goes to stderr, so ``--json`` output on stdout stays machine-readable."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of non-empty samples."""
    ordered = sorted(samples)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
    }


# -- child processes -----------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the benchmark dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def pinned(core: int, argv: Sequence[str]) -> list[str]:
    """``argv`` run by taskset on ``core`` alone."""
    return [TASKSET, "-c", str(core), *argv]


def terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; waits for the process either way."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file ("" if there is none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class ClosedOnExit:
    """``with thing:`` calls ``thing.close()`` on the way out, whatever happened."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class Processes(ClosedOnExit):
    """Starts child processes and ends every one of them on exit, whatever happened."""

    def __init__(self) -> None:
        self._children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        core: int | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        if core is not None:
            argv = pinned(core, argv)
        output = log_path.open("ab") if log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if log_path else subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                preexec_fn=die_with_parent,  # the benchmark runs no threads of its own
            )
        finally:
            if log_path and not isinstance(output, int):
                output.close()
        self._children.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
        terminate(proc, timeout)
        self._children = [(n, p) for n, p in self._children if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self._children)):
            self.stop(proc)

    close = stop_all


@contextlib.contextmanager
def as_client(workload: str) -> Iterator[tuple[Path, Processes]]:
    """This process on the client core (it publishes or reads), a temporary work folder and the
    workload's child processes; on exit the children are stopped, the folder removed and the
    process's cores as they were."""
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CLIENT_CORE})
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"liveblog-bench-{workload}-") as tmp,
            Processes() as procs,
        ):
            yield Path(tmp), procs
    finally:
        os.sched_setaffinity(0, affinity)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end the run through the normal ``finally`` clean-up path."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# -- network -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def wait_for_http(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server exited with code {proc.returncode} before answering {path}")
        try:
            if http_get(port, path).status < 500:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise BenchError(f"no answer on 127.0.0.1:{port}{path} within {timeout:.0f}s")


# -- wrk -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_s: float
    bytes_read: float
    median_ms: float
    p99_ms: float
    errors: int
    bad_status: int

    @property
    def bytes_per_response(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_UNITS_B = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise BenchError(f"cannot read wrk duration {text!r}")
    return float(match.group(1)) * _UNITS_S[match.group(2)] * 1000


def parse_wrk(output: str) -> WrkResult:
    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise BenchError(f"wrk output lacks /{pattern}/:\n{output}")
        return match

    total = find(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)(B|KB|MB|GB|TB) read")
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors = sum(int(g) for g in socket_errors.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=_duration_ms(total.group(2) + total.group(3)) / 1000,
        requests_per_s=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        bytes_read=float(total.group(4)) * _UNITS_B[total.group(5)],
        median_ms=_duration_ms(find(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_duration_ms(find(r"^\s+99%\s+(\S+)").group(1)),
        errors=errors,
        bad_status=int(bad.group(1)) if bad else 0,
    )


def run_wrk(
    url: str,
    *,
    seconds: int,
    connections: int = 50,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> WrkResult:
    """One bounded wrk run against a loopback URL, wrk pinned to the client core."""
    if not url.startswith("http://127.0.0.1:"):
        raise BenchError(f"load goes to 127.0.0.1 only, not {url}")
    argv = pinned(
        CLIENT_CORE,
        [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency"],
    )
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def check_tools(*tools: str) -> None:
    missing = [t for t in tools if not (Path(t).exists() or shutil.which(t))]
    if missing:
        raise BenchError(f"missing tools: {', '.join(missing)}")
    if (os.cpu_count() or 1) < 2:
        raise BenchError("needs two cores: the server runs on core 0, the load client on core 1")


# -- a quiet machine -----------------------------------------------------------------------------
#
# The machine may be shared (other sessions' test suites): before each measurement the script
# can wait for quiet, and during it counts the CPU time that neither the benchmark (this process
# and its finished children, e.g. wrk) nor the watched servers used. A measurement during which
# other work took more than FOREIGN_LIMIT of a core is taken again; if it never comes out clean,
# the report says so. Kernel time not charged to any process (loopback softirq) counts as foreign,
# so the limit leaves room for it.

FOREIGN_LIMIT = 0.2
"""Cores' worth of CPU that others may use during a measurement before it is taken again."""


def _tick_seconds() -> float:
    return 1.0 / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> tuple[float, float, float]:
    """(busy, idle, steal) CPU seconds of all cores so far, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
    tick = _tick_seconds()
    # guest time is already part of user time
    return (user + nice + system + irq + softirq) * tick, (idle + iowait) * tick, steal * tick


def _own_cpu() -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime


def busy_share(seconds: float = 0.5) -> float:
    """Share of all cores busy over ``seconds`` (before our load starts: others' load)."""
    busy0, idle0, steal0 = _machine_cpu()
    time.sleep(seconds)
    busy1, idle1, steal1 = _machine_cpu()
    busy = busy1 - busy0 + steal1 - steal0
    total = busy + idle1 - idle0
    return busy / total if total else 0.0


def wait_for_quiet(options: Options, limit: float = 0.1) -> None:
    """Wait (up to ``options.wait_quiet`` seconds) until nothing else keeps the machine busy."""
    if options.wait_quiet <= 0:
        return
    deadline = time.monotonic() + options.wait_quiet
    share = busy_share()
    waited = False
    while share > limit and time.monotonic() < deadline:
        if not waited:
            log(f"  machine {share:.0%} busy with other work; waiting for it to calm down")
            waited = True
        time.sleep(2)
        share = busy_share(1.0)


class Interference:
    """Cores' worth of CPU used during a block by anything but us and the watched processes."""

    def __init__(self, pids: Sequence[int] = ()) -> None:
        self.pids = list(pids)
        self.foreign_cores = 0.0
        self.steal_cores = 0.0

    def _sample(self) -> tuple[float, float, float, float]:
        busy, _, steal = _machine_cpu()
        watched = _own_cpu() + sum(cpu_seconds(pid) for pid in self.pids)
        return time.monotonic(), busy, steal, watched

    def __enter__(self) -> Interference:
        self._start = self._sample()
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = self._sample()
        elapsed = end[0] - self._start[0]
        if elapsed <= 0:
            return
        foreign = (end[1] - self._start[1]) - (end[3] - self._start[3])
        self.foreign_cores = max(0.0, foreign / elapsed)
        self.steal_cores = (end[2] - self._start[2]) / elapsed


def undisturbed(
    report: Report,
    options: Options,
    what: str,
    action: Callable[[], T],
    pids: Sequence[int] = (),
) -> tuple[T, float]:
    """Run ``action`` until other work on the machine stays out of it (a bounded number of
    tries); returns its value and the foreign load (cores) during the try that counts."""
    tries = 2 if options.quick else 5
    for attempt in range(1, tries + 1):
        wait_for_quiet(options)
        with Interference(pids) as seen:
            value = action()
        if seen.foreign_cores <= FOREIGN_LIMIT:
            return value, seen.foreign_cores
        log(
            f"  {what}: other work used {seen.foreign_cores:.2f} cores meanwhile "
            f"(steal {seen.steal_cores:.2f}); try {attempt} of {tries}"
        )
    note = (
        f"{what}: other work used {seen.foreign_cores:.2f} cores during the measurement "
        "in every try; its figures may be off - rerun on a quiet machine"
    )
    log(f"warning: {note}")
    report.notes.append(note)
    return value, seen.foreign_cores
