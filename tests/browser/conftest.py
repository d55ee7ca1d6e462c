"""Browser tests: a real uvicorn server in a thread and Debian's Chromium driven by Playwright.

Fixtures meant for reuse by every browser test module:

``live_server`` (session)
    The app on ``127.0.0.1`` at a free port, SQLite in a temporary directory. Write through
    ``live_server.actions`` (the app's own actions, so its page cache and live updates hear
    every commit) as ``live_server.admin``; build URLs with ``live_server.url(path)``.
``browser`` (module)
    Chromium from ``/usr/bin/chromium`` (``apt-get install chromium``); never a browser that
    ``playwright install`` downloads. Tests skip with that hint when either is missing.
``open_context`` (function)
    ``open_context(javascript=False, width=360)`` makes a browser context that records every
    request in ``context.requests`` and aborts any request that is not for the live server.

The browser is module-scoped on purpose: the sync Playwright API runs an event loop in the main
thread while it is started, which would get in the way of other tests using asyncio.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.web import create_app
from liveblog.web.server import uvicorn_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Request, Route

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ENABLE_HINT = (
    "browser tests need Debian's chromium and the playwright Python package: "
    "`apt-get install chromium` and `pip install playwright` (never `playwright install`)"
)
HOST = "127.0.0.1"


@dataclass
class LiveServer:
    base_url: str
    app: FastAPI
    actions: Actions
    admin: User
    settings: Settings

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole app served by uvicorn on a free loopback port, in a background thread."""
    directory: Path = tmp_path_factory.mktemp("browser")
    settings = Settings(database_url=f"sqlite:///{directory / 'liveblog.db'}")
    app = create_app(settings)
    actions = app.state.services.actions
    assert isinstance(actions, Actions)
    admin = actions.create_user("browser@example.org", "admin", "correct horse battery")
    yield from serving(app, admin, settings)


def serving(app: FastAPI, admin: User, settings: Settings) -> Iterator[LiveServer]:
    """``app`` served by uvicorn (liveblog's protocol) on a free loopback port, in a thread."""
    actions = app.state.services.actions
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    port = listener.getsockname()[1]
    config = uvicorn_config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            pytest.fail("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://{HOST}:{port}", app, actions, admin, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        app.state.services.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(f"chromium not found: {ENABLE_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright not importable: {ENABLE_HINT}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class RecordingContext:
    context: BrowserContext
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


OpenContext = Callable[..., RecordingContext]


@pytest.fixture
def open_context(browser: Browser, live_server: LiveServer) -> Iterator[OpenContext]:
    """Contexts that record all requests and let none leave the live server."""
    opened: list[RecordingContext] = []
    local = live_server.base_url + "/"

    def open_(*, javascript: bool = False, width: int = 360, height: int = 740) -> RecordingContext:
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            service_workers="block",
        )
        recording = RecordingContext(context)

        def record(request: Request) -> None:
            recording.requests.append(request.url)

        def guard(route: Route) -> None:
            if route.request.url.startswith(local):
                route.continue_()
            else:
                recording.blocked.append(route.request.url)
                route.abort()

        context.on("request", record)
        context.route("**/*", guard)
        opened.append(recording)
        return recording

    yield open_
    for recording in opened:
        recording.context.close()
