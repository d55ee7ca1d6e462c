"""The servers under load: one liveblog worker, and nginx (serving captured bytes as files, or
with another config: :func:`run_nginx`)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    NGINX,
    PYTHON,
    REPO,
    SERVER_CORE,
    BenchError,
    Processes,
    free_port,
    tail,
    wait_for_http,
)
from bench.nginx_conf import nginx_conf


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid


def start_liveblog(
    procs: Processes, database_url: str, workdir: Path, settings: dict[str, str] | None = None
) -> Server:
    """One uvicorn worker (uvloop, httptools) on a free loopback port, pinned to core 0;
    ``settings``: ``LIVEBLOG_*`` variables for it beyond this process's environment."""
    port = free_port()
    proc = procs.start(
        "liveblog",
        [str(PYTHON), "-m", "bench.serve", database_url, str(port)],
        core=SERVER_CORE,
        cwd=REPO,
        env={**os.environ, **settings} if settings else None,
        log_path=workdir / "liveblog.log",
    )
    return _answering("liveblog", port, proc, "/healthz", 60, workdir / "liveblog.log")


def start_floor(procs: Processes, workdir: Path) -> Server:
    """:mod:`bench.floor` (the server stack without liveblog) on a free port, pinned to core 0."""
    port = free_port()
    log_path = workdir / "floor.log"
    argv = [str(PYTHON), "-m", "bench.floor", str(port)]
    proc = procs.start("floor", argv, core=SERVER_CORE, cwd=REPO, log_path=log_path)
    return _answering("floor", port, proc, "/healthz", 30, log_path)


@dataclass(frozen=True)
class StaticFile:
    url_path: str
    content_type: str
    body: bytes


def start_nginx(procs: Processes, files: list[StaticFile], workdir: Path) -> Server:
    """nginx with its own config in ``workdir``: one process, no access log, pinned to core 0.
    Each file is served at its URL's path; exact-match locations ignore the query string."""
    root = workdir / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    locations = {}
    for n, static in enumerate(files):
        path = root / "www" / f"file-{n}"
        path.write_bytes(static.body)
        location = static.url_path.partition("?")[0]
        locations[location] = [f'default_type "{static.content_type}"', f"alias {path}"]
    port = free_port()
    conf = nginx_conf(root, port, locations, sendfile=True)
    return run_nginx(procs, "nginx", root, port, conf, files[0].url_path)


def run_nginx(
    procs: Processes, name: str, root: Path, port: int, conf: str, probe_path: str
) -> Server:
    """nginx with the config text ``conf`` (written to ``root``, its prefix), pinned to the
    server core; returned once ``probe_path`` answers."""
    conf_path = root / "nginx.conf"
    conf_path.write_text(conf)
    argv = [NGINX, "-p", str(root), "-c", str(conf_path), "-e", str(root / "error.log")]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise BenchError(f"nginx rejected the {name} config:\n{check.stderr}")
    proc = procs.start(name, argv, core=SERVER_CORE, log_path=root / "stdout.log")
    return _answering(name, port, proc, probe_path, 15, root / "error.log")


def _answering(
    name: str,
    port: int,
    proc: subprocess.Popen[bytes],
    path: str,
    timeout: float,
    log_path: Path,
) -> Server:
    """The server, once ``path`` answers; else an error quoting the tail of ``log_path``."""
    try:
        wait_for_http(port, path, proc, timeout=timeout)
    except BenchError as exc:
        raise BenchError(f"{exc}\n{tail(log_path)}") from exc
    return Server(name, port, proc)
