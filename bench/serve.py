"""One liveblog worker process for the benchmarks: ``python -m bench.serve DATABASE_URL PORT``.

uvicorn with uvloop and httptools, the production settings apart from the database URL, and no
access log (the nginx it is compared with runs with ``access_log off`` too).
"""

from __future__ import annotations

import sys

import uvicorn

from liveblog.config import Settings
from liveblog.web import create_app


def main(argv: list[str]) -> None:
    database_url, port = argv[0], int(argv[1])
    app = create_app(Settings.from_env(database_url=database_url))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        workers=None,
        access_log=False,
        log_level="warning",
        lifespan="on",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
