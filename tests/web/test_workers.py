"""``liveblog serve --workers 2`` end to end, as real processes: on SQLite (the supervisor's local
relay between the workers) and on PostgreSQL with Redis.

Which worker holds a connection is read from the kernel (the server side of the connection in
``/proc/net/tcp``, and which worker has that socket open), so the server needs no test-only
header. Readers are opened until each worker holds some; an entry then reaches every reader
exactly once; a worker killed with SIGKILL is started again by the supervisor, its readers
reconnect with ``Last-Event-ID`` and resume on the other worker with nothing lost or repeated,
and SIGTERM stops everything without a traceback. The periodic catch-up is off
(``LIVEBLOG_LIVE_CATCH_UP_SECONDS``), so what arrives came through the broker or the resume.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from liveblog.web.workers import Listeners, Supervisor, WorkersFailed
from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.ports import free_port
from tests.waiting import wait_until as wait_for
from tests.web.live.processes import (
    LIVEBLOG,
    REDIS_HINT,
    REDIS_URL,
    Reader,
    Reply,
    drain,
    fresh_postgres_database,
    prepare_database,
    request,
    server_env,
    wait_until,
)
from tests.web.live.sse_reading import HOST

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

WAIT = 20.0  # seconds any expected event or process change may take
SETTLE = 0.3  # seconds to keep reading, so that a late duplicate would show
SERVING = re.compile(rb"serving \S+ with 2 workers \(pids (\d+), (\d+);")


# -- the supervisor process -----------------------------------------------------------------------


@dataclass
class Supervised:
    """``liveblog serve --workers 2`` and the admin token of its database."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    token: str

    def log(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text("utf-8", "replace")[-6000:]

    def workers(self) -> set[int]:
        """The pids of the supervisor's children right now."""
        pid = self.process.pid
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}

    def post(self, path: str, body: object) -> Reply:
        auth = {"Authorization": f"Bearer {self.token}"}
        reply = request(self.port, "POST", path, body=body, headers=auth)
        assert reply.status == 201, reply.body
        return reply


@contextmanager
def _database_and_broker(kind: str) -> Iterator[tuple[str, str] | None]:
    if kind == "postgres":
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_HINT)
        if not REDIS_URL:
            pytest.skip(REDIS_HINT)
        with fresh_postgres_database(POSTGRES_URL) as url:
            yield url, REDIS_URL
    else:
        yield None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def supervised(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Supervised]:
    with _database_and_broker(request.param) as urls:
        database_url, broker_url = urls or (f"sqlite:///{tmp_path / 'live.db'}", "memory://")
        token = prepare_database(database_url, f"admin-{uuid.uuid4().hex[:8]}@example.org")
        env = server_env(
            database_url=database_url, broker_url=broker_url, live_catch_up_seconds=600
        )
        port = free_port()
        log_path = tmp_path / "serve.log"
        argv = [str(LIVEBLOG), "serve", "--host", HOST, "--port", str(port), "--workers", "2"]
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=env
            )
            started = Supervised(port, process, log_path, log_file, token)
            try:
                wait_for(
                    lambda: SERVING.search(log_path.read_bytes()) or process.poll() is not None,
                    WAIT,
                    "the workers to serve",
                )
                assert process.poll() is None, started.log()
                yield started
            finally:
                _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(WAIT)


# -- which worker holds a connection --------------------------------------------------------------


def _server_side_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server's socket of the connection from ``client_port`` (IPv4)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        ports = int(local.split(":")[1], 16), int(remote.split(":")[1], 16)
        if state == "01" and ports == (server_port, client_port):
            return int(fields[9])
    return None


def worker_of(reader: Reader, pids: set[int]) -> int | None:
    """The pid among ``pids`` that holds the server side of ``reader``'s connection."""
    inode = _server_side_inode(reader.port, reader.sock.getsockname()[1])
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except FileNotFoundError:
                continue
    return None


def readers_on(
    stack: ExitStack, server: Supervised, path: str, pids: set[int], **headers: str
) -> list[tuple[Reader, int]]:
    """Open readers of ``path`` until every worker in ``pids`` holds at least one (at most 60);
    each with the pid of its worker."""
    held: list[tuple[Reader, int]] = []
    for number in range(60):
        reader = Reader.open(f"reader-{number}", server.port, path, headers or None)
        stack.callback(reader.close)
        pid = worker_of(reader, pids)
        assert pid is not None, f"no worker of {pids} holds {reader.name}"
        held.append((reader, pid))
        if {pid for _, pid in held} == pids:
            return held
    raise AssertionError(f"60 connections did not reach every worker of {pids}: {held}")


def exactly(readers: list[Reader], ids: list[int], *, from_start: bool = False) -> None:
    """Every reader gets ``ids`` after what it has (with ``from_start``: since it connected,
    for readers whose replay may have arrived already), each once."""
    start = [0 if from_start else len(reader.events) for reader in readers]
    wait_until(
        readers,
        lambda: all(len(r.events) >= n + len(ids) for r, n in zip(readers, start, strict=True)),
        WAIT,
        f"events {ids}",
    )
    drain(readers, SETTLE)
    for reader, n in zip(readers, start, strict=True):
        assert reader.ids[n:] == ids, str(reader)


# -- the tests ------------------------------------------------------------------------------------


def test_every_reader_of_every_worker_gets_each_entry_once_and_a_killed_worker_is_replaced(
    supervised: Supervised,
) -> None:
    server = supervised
    first = {int(pid) for pid in SERVING.findall(server.log_path.read_bytes())[0]}
    assert server.workers() == first
    blog = server.post("/api/v1/blogs", {"slug": "sturm", "title": "Sturmflut"}).json()
    path = "/live/sturm/events"
    with ExitStack() as stack:
        held = readers_on(stack, server, path, first)
        readers = [reader for reader, _ in held]
        server.post("/api/v1/blogs/sturm/entries", {"body": "Pegel steigt"})
        exactly(readers, [blog["version"] + 1])

        # One worker dies: its readers' streams end, the others' go on.
        victim = min(first)
        survivor = max(first)
        os.kill(victim, signal.SIGKILL)
        orphans = [reader for reader, pid in held if pid == victim]
        wait_for(lambda: _ended(orphans), WAIT, "the killed worker's streams to end")
        # Until the supervisor has reaped it, the dead worker's socket is still in the port's
        # SO_REUSEPORT group and the kernel may hand it a connection (reset when released):
        # post once the supervisor says it noticed (it releases the socket first).
        noticed = f"(pid {victim}) was killed by SIGKILL"
        wait_for(lambda: noticed in server.log(), WAIT, "the supervisor to notice the death")
        server.post("/api/v1/blogs/sturm/entries", {"body": "Deich hält"})  # meanwhile
        kept = [reader for reader, pid in held if pid != victim]
        exactly(kept, [blog["version"] + 2])

        # Its readers resume where they were, on the worker that lives.
        resumed = []
        for orphan in orphans:
            last = orphan.ids[-1]
            again = Reader.open(
                f"{orphan.name}-again", server.port, path, {"Last-Event-ID": str(last)}
            )
            stack.callback(again.close)
            assert worker_of(again, server.workers()) == survivor
            resumed.append(again)
        exactly(resumed, [blog["version"] + 2], from_start=True)
        readers = kept + resumed

        # The supervisor starts it again, and the new worker serves too.
        wait_for(lambda: len(server.workers() - first) == 1, WAIT, "the worker to be replaced")
        assert "worker 1" in server.log() or "worker 2" in server.log()
        assert f"(pid {victim}) was killed by SIGKILL; starting it again" in server.log()
        replacement = (server.workers() - first).pop()
        wait_for(lambda: _accepts(server.port), WAIT, "the port to answer")
        now = server.workers()
        assert now == {survivor, replacement}
        fresh = readers_on(stack, server, path, now, **{"Last-Event-ID": str(blog["version"] + 2)})
        readers += [reader for reader, _ in fresh]
        server.post("/api/v1/blogs/sturm/entries", {"body": "Entwarnung"})
        exactly(readers, [blog["version"] + 3])

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(WAIT) == 0
    assert "Traceback" not in server.log()
    _all_end(now)


def _all_end(pids: set[int]) -> None:
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids), WAIT, f"{pids} to end")


def _ended(readers: list[Reader]) -> bool:
    for reader in readers:
        reader.feed()
    return all(reader.ended for reader in readers)


def _accepts(port: int) -> bool:
    try:
        return request(port, "GET", "/readyz", timeout=2).status == 200
    except OSError:
        return False


def test_the_workers_stop_when_the_supervisor_is_killed(supervised: Supervised) -> None:
    workers = supervised.workers()
    supervised.process.kill()
    supervised.process.wait(WAIT)
    _all_end(workers)


# -- the supervisor on its own --------------------------------------------------------------------


def test_a_worker_that_cannot_start_fails_the_start_in_one_line() -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        listeners = Listeners(listener, 2, reuse_port=False)
        command = [sys.executable, "-c", "import sys; sys.exit(3)"]
        supervisor = Supervisor(listeners, 2, os.environ, command=command)
        with pytest.raises(WorkersFailed, match=r"^worker \d exited with status 3 before serving$"):
            asyncio.run(supervisor.run(lambda pids: None))


def test_a_worker_that_exits_is_started_again_with_backoff() -> None:
    # A "worker" that reports ready, then exits at once; the supervisor starts it again.
    script = "import os, sys; os.write(int(sys.argv[3]), b'1')"
    lines: list[str] = []

    async def scenario(supervisor: Supervisor) -> int:
        async def stop_after_restarts() -> None:
            while len(lines) < 3:
                await asyncio.sleep(0.01)
            os.kill(os.getpid(), signal.SIGTERM)

        stopper = asyncio.create_task(stop_after_restarts())
        try:
            return await supervisor.run(lambda pids: None)
        finally:
            await stopper

    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        supervisor = Supervisor(
            Listeners(listener, 1, reuse_port=False),
            1,
            os.environ,
            command=[sys.executable, "-c", script],
            backoff_initial=0.05,
            backoff_max=0.2,
            err=lines.append,
        )
        assert asyncio.run(asyncio.wait_for(scenario(supervisor), WAIT)) == 0
    assert all(re.match(r"liveblog: worker 1 \(pid \d+\) exited with status 0;", x) for x in lines)
    assert [line.rsplit(" in ", 1)[1] for line in lines[:3]] == ["0.05 s", "0.1 s", "0.2 s"]


def test_reuse_port_listeners_share_the_port_and_release_a_dead_workers_socket() -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        probe.listen()
        port = probe.getsockname()[1]
        listeners = Listeners(probe, 2, reuse_port=True)
    try:
        first, second = listeners.for_worker(1), listeners.for_worker(2)
        assert first is not second
        assert first.getsockname() == second.getsockname() == (HOST, port)
        listeners.release(1)
        assert first.fileno() == -1
        assert listeners.for_worker(1).getsockname() == (HOST, port)  # bound again
    finally:
        listeners.close()
