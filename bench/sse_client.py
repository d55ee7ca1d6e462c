"""The compiled many-connection SSE client (``bench/client/sse_clients.c``): build it, run it.

The client opens N event streams from one process (epoll, one thread), so the server, not the
client, is what is measured. Every event the benchmarks publish carries the marker
``#seq=<n>;t=<ns>#`` in its data (:func:`marker`): a sequence number of our own (the servers'
event ids differ) and the publish time from ``CLOCK_REALTIME``; the client stamps each delivery
with the same clock. ``seq`` 0 is a warm-up event: delivered, not counted.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import subprocess
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    BUILD,
    CLIENT_CORE,
    REPO,
    BenchError,
    ClosedOnExit,
    die_with_parent,
    log,
    pinned,
    tail,
    terminate,
)

SOURCE = REPO / "bench" / "client" / "sse_clients.c"
BINARY = BUILD / "sse_clients"
GCC = "gcc"
CFLAGS = ("-O2", "-Wall", "-Wextra", "-Werror")


def marker(seq: int, t_ns: int) -> str:
    """What the client looks for in an event's data."""
    return f"#seq={seq};t={t_ns}#"


def build_client() -> Path:
    """Compile the client into ``bench/.build/`` (gitignored) unless it is up to date."""
    stamp = BINARY.with_suffix(".flags")
    flags = " ".join(CFLAGS)
    fresh = (
        BINARY.exists()
        and BINARY.stat().st_mtime >= SOURCE.stat().st_mtime
        and stamp.exists()
        and stamp.read_text() == flags
    )
    if fresh:
        return BINARY
    BUILD.mkdir(parents=True, exist_ok=True)
    partial = BINARY.with_suffix(".partial")
    argv = [GCC, *CFLAGS, "-o", str(partial), str(SOURCE)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    except FileNotFoundError as exc:
        raise BenchError("gcc is needed to build bench/client/sse_clients.c") from exc
    if done.returncode != 0:
        raise BenchError(f"building the SSE client failed:\n{done.stderr}")
    partial.rename(BINARY)
    stamp.write_text(flags)
    log(f"built {BINARY.relative_to(REPO)} ({flags})")
    return BINARY


def raise_fd_limit() -> int:
    """Raise this process's open-file limit (inherited by every child) to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        with open("/proc/sys/fs/nr_open") as f:
            hard = int(f.read())
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


@dataclass(frozen=True)
class Ready:
    ok: int
    failed: int
    ms: float


@dataclass
class Deliveries:
    """What the client saw: counts from its ``result`` line, one record per first delivery."""

    why: str
    conns: int
    ok: int
    failed: int
    closed: int
    complete: int
    deliveries: int
    duplicated: int
    lost: int
    lost_max: int
    dup_max: int
    unexpected: int
    warmup: int
    event_bytes: int
    body_bytes: int
    wire_bytes: int
    latencies_ns: array[int]
    seqs: array[int]

    @property
    def bytes_per_event(self) -> float:
        return self.event_bytes / self.deliveries if self.deliveries else 0.0


class SseClients(ClosedOnExit):
    """One run of the client: ``start()``, ``ready()``, ``wait_complete()``, ``stop()``; always
    ``close()`` (or use it as a context manager), which ends the process if it still runs."""

    def __init__(
        self,
        port: int,
        path: str,
        conns: int,
        events: int,
        workdir: Path,
        *,
        echo: bool = False,
        last_event_id: str | None = None,
        max_connecting: int = 256,
        timeout_s: float = 900.0,
    ) -> None:
        self.out = workdir / f"deliveries-{port}-{conns}.bin"
        self.stderr_path = workdir / f"sse_clients-{port}-{conns}.log"
        self.argv = [
            str(build_client()),
            "--port",
            str(port),
            "--path",
            path,
            "--conns",
            str(conns),
            "--events",
            str(events),
            "--out",
            str(self.out),
            "--max-connecting",
            str(max_connecting),
            "--timeout",
            str(timeout_s),
        ]
        if echo:
            self.argv.append("--echo")
        if last_event_id is not None:
            self.argv += ["--last-event-id", last_event_id]
        self.argv = pinned(CLIENT_CORE, self.argv)
        self.proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def start(self) -> None:
        with self.stderr_path.open("ab") as errors:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                preexec_fn=die_with_parent,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _line(self, deadline: float) -> str | None:
        """The next stdout line, or ``None`` at EOF or when ``deadline`` passes."""
        assert self.proc is not None
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], left)
            if not readable:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def stderr_tail(self) -> str:
        return tail(self.stderr_path, 10)

    def ready(self, timeout: float) -> Ready:
        """Wait until every connection has its response head (or failed)."""
        line = self._line(time.monotonic() + timeout)
        if line is None or not line.startswith("ready "):
            raise BenchError(
                f"the SSE client did not get its {self.argv[self.argv.index('--conns') + 1]} "
                f"streams within {timeout:.0f}s (got {line!r})\n{self.stderr_tail()}"
            )
        fields = dict(part.split("=", 1) for part in line.split()[1:])
        return Ready(int(fields["ok"]), int(fields["failed"]), float(fields["ms"]))

    def delivery(self, timeout: float) -> tuple[int, int] | None:
        """With ``echo``: the next first delivery as ``(seq, latency ns)``, or ``None``."""
        deadline = time.monotonic() + timeout
        line = self._line(deadline)
        while line is not None and line.startswith("complete "):
            line = self._line(deadline)
        if line is None:
            return None
        if not line.startswith("d "):
            raise BenchError(f"unexpected line from the SSE client: {line!r}")
        _, _, seq, latency = line.split()
        return int(seq), int(latency)

    def wait_complete(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every connection to have seen every event (or to
        have closed); ``True`` if all saw all. The connections stay open until :meth:`stop`."""
        deadline = time.monotonic() + timeout
        while (line := self._line(deadline)) is not None:
            if line.startswith("complete "):
                return line.split()[1] == "all=1"
        return False

    def stop(self) -> Deliveries:
        """Close the client's stdin (it closes its connections and reports); its results."""
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        deadline = time.monotonic() + 60
        while (line := self._line(deadline)) is not None and not line.startswith("result "):
            pass
        if line is None:
            raise BenchError(f"the SSE client gave no result\n{self.stderr_tail()}")
        self.proc.wait(60)
        fields = dict(part.split("=", 1) for part in line.split()[1:])
        records: array[int] = array("q")
        records.frombytes(self.out.read_bytes())
        counts = {k: int(v) for k, v in fields.items() if k != "why"}
        return Deliveries(
            why=fields["why"],
            conns=counts["conns"],
            ok=counts["ok"],
            failed=counts["failed"],
            closed=counts["closed"],
            complete=counts["complete"],
            deliveries=counts["deliveries"],
            duplicated=counts["dup"],
            lost=counts["lost"],
            lost_max=counts["lost_max"],
            dup_max=counts["dup_max"],
            unexpected=counts["unexpected"],
            warmup=counts["warmup"],
            event_bytes=counts["event_bytes"],
            body_bytes=counts["body_bytes"],
            wire_bytes=counts["wire_bytes"],
            latencies_ns=records[0::2],
            seqs=records[1::2],
        )

    def close(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        terminate(proc, 10)
        if proc.stdout is not None:
            proc.stdout.close()
        self.out.unlink(missing_ok=True)
