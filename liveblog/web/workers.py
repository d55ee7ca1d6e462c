"""``liveblog serve --workers N``: one supervisor, N worker processes serving one port.

The supervisor (``liveblog serve`` itself) binds the port, applies the migrations and seeds the
demo once, then starts N workers (``python -m liveblog.web.workers``, fresh interpreters: nothing
of the supervisor's database pool or event loop is inherited). Each worker runs the whole app
(:func:`liveblog.web.app.create_app`) under :class:`~liveblog.web.server.LiveServer`, with its
own hub, caches and database pool, on a listening socket the supervisor hands it.

**Sharing the port.** On Linux every worker gets a socket of its own, bound by the supervisor
with ``SO_REUSEPORT``: the kernel spreads new connections evenly over the workers by their
addresses (one shared socket lets whichever worker wakes first accept a whole burst, which piles
long-lived event streams onto one process), and when a worker dies the supervisor closes its
socket, so new connections (its readers reconnecting) go to the workers that live until it is
back. Elsewhere the workers share one socket.

**Wake-ups between workers.** A write in one worker must reach the readers of all. With a
networked broker (``LIVEBLOG_BROKER_URL`` ``redis://`` or ``postgresql://``) the workers use it
like any other server processes. With ``memory://`` the supervisor runs a
:class:`~liveblog.pubsub.local.LocalRelay` on a Unix socket in a private temporary directory and
the workers use ``local://`` brokers on it: no external service, same semantics.

**Failures.** A worker that exits is started again after a backoff (0.5 s, doubling to 10 s;
back to 0.5 s once a worker has lived 30 s), with one line on standard error. Its readers'
connections close; they reconnect with ``Last-Event-ID`` and resume on any worker. If the
supervisor dies, the workers see their lifeline pipe close and shut down. SIGINT or SIGTERM
stops the workers (SIGTERM each, then SIGKILL after ``stop_timeout``); a second signal kills them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

WORKER_COMMAND = (sys.executable, "-m", "liveblog.web.workers")


class WorkersFailed(Exception):
    """The workers could not be started (one line for the command to report)."""


def available_cores() -> int:
    """The cores this process may run on (``--workers auto``)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


# -- the listening sockets ------------------------------------------------------------------------


class Listeners:
    """Where the workers accept connections: one ``SO_REUSEPORT`` socket per worker on Linux
    (see the module), else ``listener`` shared by all.

    ``listener`` is the socket ``liveblog serve`` bound to check that the port is free; for the
    per-worker sockets it is closed and its address bound again N times (an ``OSError`` if that
    fails). Sockets that ``SO_REUSEPORT`` groups must all set it, so a port that another server
    holds, with or without it, fails the first bind, as before.
    """

    def __init__(self, listener: socket.socket, count: int, *, reuse_port: bool | None = None):
        if reuse_port is None:
            reuse_port = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
        self._shared = None if reuse_port else listener
        self._family = listener.family
        self._address = listener.getsockname()
        self._sockets: dict[int, socket.socket] = {}
        if reuse_port:
            listener.close()
            try:
                for index in range(1, count + 1):
                    self.for_worker(index)
            except OSError:
                self.close()
                raise

    def for_worker(self, index: int) -> socket.socket:
        """Worker ``index``'s socket, bound anew if it was released."""
        if self._shared is not None:
            return self._shared
        sock = self._sockets.get(index)
        if sock is None:
            sock = socket.socket(self._family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                sock.bind(self._address)
                sock.listen(2048)
            except OSError:
                sock.close()
                raise
            self._sockets[index] = sock
        return sock

    def release(self, index: int) -> None:
        """Worker ``index`` died: close its socket, so that new connections go to the others
        (connections still queued on it are reset; their clients reconnect)."""
        sock = self._sockets.pop(index, None)
        if sock is not None:
            sock.close()

    def close(self) -> None:
        for index in list(self._sockets):
            self.release(index)


# -- the supervisor -------------------------------------------------------------------------------


@dataclass
class _Worker:
    index: int
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    failures: int = 0


class Supervisor:
    """Runs ``count`` workers on ``listeners`` with ``env`` until SIGINT or SIGTERM.

    ``command`` starts one worker (it gets four arguments: its number, the fds of its
    listening socket, of the pipe it reports readiness on, and of the lifeline pipe). Messages
    go to ``err``, one line each.
    """

    def __init__(
        self,
        listeners: Listeners,
        count: int,
        env: Mapping[str, str],
        *,
        command: Sequence[str] = WORKER_COMMAND,
        backoff_initial: float = 0.5,
        backoff_max: float = 10.0,
        healthy_after: float = 30.0,
        stop_timeout: float = 15.0,
        err: Callable[[str], None] | None = None,
    ) -> None:
        self._listeners = listeners
        self._workers = [_Worker(index) for index in range(1, count + 1)]
        self._env = dict(env)
        self._command = tuple(command)
        self._backoff = (backoff_initial, backoff_max)
        self._healthy_after = healthy_after
        self._stop_timeout = stop_timeout
        self._err = err or (lambda line: print(line, file=sys.stderr, flush=True))
        self._stop = asyncio.Event()
        self._signal: int | None = None
        self._lifeline = (-1, -1)

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process is not None]

    async def run(self, on_serving: Callable[[list[int]], None]) -> int:
        """Start the workers, call ``on_serving`` with their pids once all accept connections,
        and supervise them until a signal; 0, or 130 after SIGINT. Raises
        :class:`WorkersFailed` if a worker exits before it first served."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._signalled, sig)
        self._lifeline = os.pipe()  # workers hold the read end; EOF means we are gone
        watchers: list[asyncio.Task[None]] = []
        try:
            ready = await asyncio.gather(*(self._start(w) for w in self._workers))
            if self._signal is None:
                failed = [w for w, ok in zip(self._workers, ready, strict=True) if not ok]
                if failed:
                    worker = failed[0]
                    assert worker.process is not None
                    code = await worker.process.wait()
                    raise WorkersFailed(f"worker {worker.index} {_ended(code)} before serving")
                on_serving(self.pids)
                watchers = [asyncio.create_task(self._watch(w)) for w in self._workers]
                await self._stop.wait()
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            await self._stop_workers()
            for fd in self._lifeline:
                os.close(fd)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return 130 if self._signal == signal.SIGINT else 0

    def _signalled(self, sig: int) -> None:
        if self._signal is not None:  # a second signal: do not wait for them
            for worker in self._workers:
                _send(worker, signal.SIGKILL)
        self._signal = self._signal or sig
        self._stop.set()

    async def _start(self, worker: _Worker) -> bool:
        """Start ``worker``; whether it came to accept connections (else it has exited)."""
        sock = self._listeners.for_worker(worker.index)
        ready_r, ready_w = os.pipe()
        lifeline = self._lifeline[0]
        try:
            worker.process = await asyncio.create_subprocess_exec(
                *self._command,
                *(str(n) for n in (worker.index, sock.fileno(), ready_w, lifeline)),
                pass_fds=(sock.fileno(), ready_w, lifeline),
                env=self._env,
                stdin=subprocess.DEVNULL,
                process_group=0,  # Ctrl+C reaches the supervisor only, which stops them in turn
            )
        finally:
            os.close(ready_w)
        worker.started_at = asyncio.get_running_loop().time()
        try:
            return await _readable(ready_r)
        finally:
            os.close(ready_r)

    async def _watch(self, worker: _Worker) -> None:
        loop = asyncio.get_running_loop()
        while worker.process is not None:
            code = await worker.process.wait()
            self._listeners.release(worker.index)
            lived = loop.time() - worker.started_at
            worker.failures = 1 if lived >= self._healthy_after else worker.failures + 1
            initial, cap = self._backoff
            delay = min(cap, initial * 2 ** (worker.failures - 1))
            self._err(
                f"liveblog: worker {worker.index} (pid {worker.process.pid}) {_ended(code)}; "
                f"starting it again in {delay:g} s"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            if self._stop.is_set():
                return
            try:
                await self._start(worker)
            except OSError as exc:  # the port cannot be bound again: try later
                self._err(f"liveblog: worker {worker.index} cannot listen again ({exc})")

    async def _stop_workers(self) -> None:
        running = [w for w in self._workers if w.process and w.process.returncode is None]
        for worker in running:
            _send(worker, signal.SIGTERM)
        waits = [w.process.wait() for w in running if w.process is not None]
        try:
            async with asyncio.timeout(self._stop_timeout):
                await asyncio.gather(*waits)
        except TimeoutError:
            for worker in running:
                _send(worker, signal.SIGKILL)
            await asyncio.gather(*(w.process.wait() for w in running if w.process is not None))
        self._listeners.close()


def _send(worker: _Worker, sig: int) -> None:
    if worker.process is not None and worker.process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            worker.process.send_signal(sig)


def _ended(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


async def _readable(fd: int) -> bool:
    """Wait for one byte on pipe ``fd``: True, or False at its end (the writer exited)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bool] = loop.create_future()

    def read() -> None:
        if not done.done():
            try:
                done.set_result(os.read(fd, 1) != b"")
            except OSError:
                done.set_result(False)

    loop.add_reader(fd, read)
    try:
        return await done
    finally:
        loop.remove_reader(fd)


@contextlib.asynccontextmanager
async def local_relay() -> AsyncIterator[str]:
    """A :class:`~liveblog.pubsub.local.LocalRelay` in a private temporary directory, running
    while the context lasts; its ``local://`` URL."""
    from liveblog.pubsub.local import LocalRelay

    directory = tempfile.mkdtemp(prefix="liveblog-")  # mode 0700
    relay = LocalRelay(os.path.join(directory, "broker.sock"))
    try:
        await relay.start()
        yield relay.url
    finally:
        await relay.stop()
        shutil.rmtree(directory, ignore_errors=True)


def supervise(
    listeners: Listeners,
    count: int,
    env: Mapping[str, str],
    on_serving: Callable[[list[int]], None],
) -> int:
    """Run the workers (with a local relay when ``env``'s broker is ``memory://``) until a
    signal; the exit status."""

    async def main() -> int:
        workers_env = dict(env)
        broker = workers_env.get("LIVEBLOG_BROKER_URL", "memory://")
        async with contextlib.AsyncExitStack() as stack:
            if broker.lower().startswith("memory:"):
                workers_env["LIVEBLOG_BROKER_URL"] = await stack.enter_async_context(local_relay())
            return await Supervisor(listeners, count, workers_env).run(on_serving)
        raise AssertionError("unreachable")  # pragma: no cover - for mypy

    return asyncio.run(main())


# -- a worker -------------------------------------------------------------------------------------


def worker_main(argv: Sequence[str]) -> int:
    """One worker: the app on the inherited socket until SIGTERM or the lifeline closes."""
    from liveblog.config import Settings, SettingsError
    from liveblog.web.app import create_app
    from liveblog.web.server import LiveServer, uvicorn_config

    index, listen_fd, ready_fd, lifeline_fd = (int(arg) for arg in argv)
    sock = socket.socket(fileno=listen_fd)
    try:
        settings = Settings.from_env()
        app = create_app(settings, migrate=False)
    except (SettingsError, ValueError) as exc:
        print(f"liveblog: error: worker {index}: {exc}", file=sys.stderr, flush=True)
        return 1
    config = uvicorn_config(app, log_level="info", access_log=settings.access_log)

    def started() -> None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)
        asyncio.get_running_loop().add_reader(lifeline_fd, orphaned)

    def orphaned() -> None:
        asyncio.get_running_loop().remove_reader(lifeline_fd)
        print(f"liveblog: worker {index}: the supervisor is gone; stopping", file=sys.stderr)
        server.should_exit = True

    server = LiveServer(config, on_started=started)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
