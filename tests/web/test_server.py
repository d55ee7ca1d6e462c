"""``liveblog serve``'s uvicorn server: what happens once it has started."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from liveblog.config import Settings
from liveblog.web import create_app
from liveblog.web.live.protocol import LiveHttpToolsProtocol
from liveblog.web.server import LiveServer, fastest_available, uvicorn_config
from tests.web.live.processes import (
    Reader,
    prepare_database,
    request,
    running_servers,
    server_env,
    wait_until,
)

WITHOUT_HTTPTOOLS = 'import sys\nsys.modules["httptools"] = None  # as if it were not installed\n'
"""A ``sitecustomize`` that makes ``import httptools`` fail in every process that loads it."""
PROBE = """
import sys
from fastapi import FastAPI
from liveblog.web import create_app
from liveblog.web.server import fastest_available, uvicorn_config
print(fastest_available()[1], uvicorn_config(FastAPI()).http.__name__, sys.modules.get("httptools"))
"""


def test_long_lived_objects_are_frozen_out_of_the_collector_after_startup(
    tmp_path: Path,
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'serve.db'}"))
    server = LiveServer(uvicorn_config(app, log_level="warning"))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))

    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not gc.get_freeze_count() and time.monotonic() < deadline:
            time.sleep(0.02)  # ``started`` is set just before the freeze
        assert server.started
        assert gc.get_freeze_count() > 10_000  # the app, its routes, templates, modules ...
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        gc.unfreeze()
        listener.close()
        app.state.services.db.dispose()


def test_the_fastest_stack_hands_event_streams_to_the_hub() -> None:
    assert fastest_available() == ("uvloop", LiveHttpToolsProtocol)


def _without_httptools(tmp_path: Path, **settings: str | float) -> dict[str, str]:
    """The environment of a process in which httptools cannot be imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WITHOUT_HTTPTOOLS)
    env = server_env(**settings)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return env


def test_without_httptools_the_server_runs_on_h11_with_its_limits(tmp_path: Path) -> None:
    """The documented fallback, for real: a process that cannot import httptools serves pages
    and event streams over h11, with the connection limits of ``liveblog.web.connection_limits``
    (431 for a head over the limit, 429 for a stream beyond the per-address limit)."""
    database_url = f"sqlite:///{tmp_path / 'h11.db'}"
    token = prepare_database(database_url, "h11@example.org")
    env = _without_httptools(
        tmp_path, database_url=database_url, max_header_bytes=2048, max_streams_per_address=1
    )
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["h11", "LimitedH11Protocol", "None"]

    with running_servers(["h11"], env, tmp_path) as (server,):
        auth = {"Authorization": f"Bearer {token}"}
        created = server.request(
            "POST", "/api/v1/blogs", body={"slug": "deich", "title": "Sturmflut"}, headers=auth
        )
        assert created.status == 201, created.body
        page = server.request("GET", "/live/deich")
        assert page.status == 200
        assert page.headers["content-type"].startswith("text/html")
        assert b"Sturmflut" in page.body

        too_large = request(server.port, "GET", "/live/deich", headers={"X-Big": "x" * 2100})
        assert too_large.status == 431

        reader = Reader.open("h11", server.port, "/live/deich/events")
        try:
            assert reader.headers["content-type"] == "text/event-stream; charset=utf-8"
            second = server.request("GET", "/live/deich/events")
            assert second.status == 429
            posted = server.request(
                "POST",
                "/api/v1/blogs/deich/entries",
                body={"body": "Der Deich hält."},
                headers=auth,
            )
            assert posted.status == 201, posted.body
            wait_until(
                [reader],
                lambda: any(e.event == "entry.created" for e in reader.events),
                20.0,
                "the entry on the h11 stream",
            )
        finally:
            reader.close()
