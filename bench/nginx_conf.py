"""The one nginx config every benchmark nginx runs with (static files for ``read``, nchan for
``fanout`` and ``publish``): no daemon, no master, one worker, no access log, keep-alive
connections that last, its pid, error log and temp files in its own directory, one loopback
server whose locations are all exact matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

Location = Sequence[str]
"""The directives of one ``location = <path>`` block, without their ``;``."""


def location(path: str, directives: Location) -> str:
    lines = [f"        location = {path} {{"]
    lines += [f"            {directive};" for directive in directives]
    lines.append("        }")
    return "\n".join(lines)


def nginx_conf(
    root: Path,
    port: int,
    locations: Mapping[str, Location],
    *,
    modules: Sequence[Path] = (),
    worker_connections: int = 4096,
    worker_rlimit_nofile: int | None = None,
    sendfile: bool = False,
    backlog: int | None = None,
) -> str:
    """The config text; ``root`` is nginx's prefix (``-p``) and holds ``tmp/``."""
    main = [f"load_module {module}" for module in modules]
    main += ["daemon off", "master_process off", "worker_processes 1"]
    if worker_rlimit_nofile is not None:
        main.append(f"worker_rlimit_nofile {worker_rlimit_nofile}")
    main += [f"pid {root}/nginx.pid", f"error_log {root}/error.log warn"]
    http = ["access_log off"]
    if sendfile:
        http += ["sendfile on", "tcp_nopush on"]
    http += [
        "tcp_nodelay on",
        "keepalive_timeout 65s",
        "keepalive_requests 1000000",
        "server_tokens off",
    ]
    http += [f"{kind}_temp_path {root}/tmp" for kind in _TEMP_PATHS]
    listen = f"127.0.0.1:{port}" + (f" backlog={backlog}" if backlog is not None else "")
    lines = [f"{directive};" for directive in main]
    lines += ["events {", f"    worker_connections {worker_connections};", "}", "http {"]
    lines += [f"    {directive};" for directive in http]
    lines += ["    server {", f"        listen {listen};"]
    lines += [location(path, directives) for path, directives in locations.items()]
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"
