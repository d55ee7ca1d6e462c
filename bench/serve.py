"""One liveblog worker process for the benchmarks: ``python -m bench.serve DATABASE_URL PORT``.

The server ``liveblog serve`` runs (:class:`liveblog.web.server.LiveServer` with
:func:`liveblog.web.server.uvicorn_config`: uvloop, httptools with liveblog's protocol subclass,
lifespan on, long-lived objects frozen out of the collector after startup), with the default
settings apart from the database URL and the per-address stream cap (every benchmark reader
comes from 127.0.0.1, as nchan's do, which has no such cap), and no access log (the nginx it is
compared with runs with ``access_log off``).
"""

from __future__ import annotations

import sys

from liveblog.config import Settings
from liveblog.web import create_app
from liveblog.web.server import LiveServer, uvicorn_config


def main(argv: list[str]) -> None:
    database_url, port = argv[0], int(argv[1])
    app = create_app(Settings.from_env(database_url=database_url, max_streams_per_address=0))
    config = uvicorn_config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    http_name = config.http if isinstance(config.http, str) else config.http.__name__
    if config.loop != "uvloop" or "httptools" not in http_name.lower():
        sys.exit(f"bench.serve: wants uvloop and httptools, got {config.loop} and {http_name}")
    LiveServer(config).run()


if __name__ == "__main__":
    main(sys.argv[1:])
