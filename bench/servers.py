"""The servers under load: one liveblog worker, and nginx serving captured bytes as files."""

from __future__ import annotations

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
    wait_for_http,
)


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


def start_liveblog(procs: Processes, database_url: str, workdir: Path) -> Server:
    """One uvicorn worker (uvloop, httptools) on a free loopback port, pinned to core 0."""
    port = free_port()
    proc = procs.start(
        "liveblog",
        [str(PYTHON), "-m", "bench.serve", database_url, str(port)],
        core=SERVER_CORE,
        cwd=REPO,
        log_path=workdir / "liveblog.log",
    )
    try:
        wait_for_http(port, "/healthz", proc, timeout=60)
    except BenchError as exc:
        raise BenchError(f"{exc}\n{_tail(workdir / 'liveblog.log')}") from exc
    return Server("liveblog", port, proc)


@dataclass(frozen=True)
class StaticFile:
    url_path: str
    content_type: str
    body: bytes


_NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    server_tokens off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
}}
"""

_LOCATION = """\
        location = {url_path} {{
            default_type "{content_type}";
            alias {file};
        }}"""


def start_nginx(procs: Processes, files: list[StaticFile], workdir: Path) -> Server:
    """nginx with its own config in ``workdir``: one process, no access log, pinned to core 0."""
    root = workdir / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    locations = []
    for n, static in enumerate(files):
        path = root / "www" / f"file-{n}"
        path.write_bytes(static.body)
        locations.append(
            _LOCATION.format(url_path=static.url_path, content_type=static.content_type, file=path)
        )
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(dir=root, port=port, locations="\n".join(locations)))
    argv = [NGINX, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise BenchError(f"nginx rejected its config:\n{check.stderr}")
    proc = procs.start("nginx", argv, core=SERVER_CORE, log_path=root / "stdout.log")
    try:
        wait_for_http(port, files[0].url_path, proc, timeout=15)
    except BenchError as exc:
        raise BenchError(f"{exc}\n{_tail(root / 'error.log')}") from exc
    return Server("nginx", port, proc)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
