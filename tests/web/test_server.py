"""``liveblog serve``'s uvicorn server: what happens once it has started."""

from __future__ import annotations

import gc
import socket
import threading
import time
from pathlib import Path

from liveblog.config import Settings
from liveblog.web import create_app
from liveblog.web.live_protocol import LiveHttpToolsProtocol
from liveblog.web.server import LiveServer, fastest_available, uvicorn_config


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
