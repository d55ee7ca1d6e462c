"""A real uvicorn server in a thread, and a raw-socket SSE client, for event-stream tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.web import create_app
from liveblog.web.server import uvicorn_config
from tests.web.live.sse_reading import HOST, dechunk, parse_block, read_head, stream_request


@dataclass
class Served:
    port: int
    actions: Actions
    admin: User
    server: uvicorn.Server
    app: Any

    def connect(self, path: str, headers: dict[str, str] | None = None) -> SSEClient:
        return SSEClient(self.port, path, headers or {})


@dataclass
class Message:
    id: int | None
    event: str
    data: dict[str, Any]


@dataclass
class SSEClient:
    """Speaks HTTP/1.1 over a plain socket and parses the event stream as it arrives."""

    port: int
    path: str
    headers: dict[str, str]
    sock: socket.socket = field(init=False)
    buffer: bytes = b""
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def __post_init__(self) -> None:
        self.sock = socket.create_connection((HOST, self.port), timeout=5)
        self.sock.sendall(stream_request(self.port, self.path, self.headers))
        head, self.buffer = read_head(self.sock, time.monotonic() + 5.0)
        self.status = head.status
        self.response_headers = head.headers
        self.chunked = head.chunked

    def _recv(self, timeout: float) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return False
        if not data:
            raise ConnectionError("server closed the stream")
        self.buffer += data
        return True

    def _body(self) -> bytes:
        """What has arrived of the body (chunked transfer coding undone)."""
        if self.chunked:
            body, self.buffer = dechunk(self.buffer)
        else:
            body, self.buffer = self.buffer, b""
        return body

    pending: bytes = b""

    def messages(self, count: int, timeout: float = 5.0) -> list[Message]:
        """The next ``count`` messages (comments and ``retry:`` are recorded, not returned)."""
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            self.pending += self._body()
            while b"\n\n" in self.pending and len(found) < count:
                block, _, self.pending = self.pending.partition(b"\n\n")
                message = self._parse(block)
                if message is not None:
                    found.append(message)
            if len(found) >= count:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"got {len(found)} of {count} messages: {found}")
            self._recv(remaining)
        return found

    def nothing_within(self, seconds: float) -> bool:
        try:
            got = self.messages(1, timeout=seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {got}")

    def wait_for_comment(self, timeout: float = 5.0) -> str:
        """The first comment line (a heartbeat) to arrive; no message may come before it."""
        deadline = time.monotonic() + timeout
        while not self.comments:
            self.pending += self._body()
            while b"\n\n" in self.pending and not self.comments:
                block, _, self.pending = self.pending.partition(b"\n\n")
                message = self._parse(block)
                assert message is None, f"unexpected message {message}"
            remaining = deadline - time.monotonic()
            if self.comments:
                break
            if remaining <= 0:
                raise TimeoutError(f"no comment within {timeout}s")
            self._recv(remaining)
        return self.comments[0]

    def _parse(self, block: bytes) -> Message | None:
        parsed = parse_block(block)
        self.comments += parsed.comments
        fields = parsed.fields
        if "retry" in fields:
            self.retry = int(fields["retry"])
        if "event" not in fields:
            return None
        return Message(
            int(fields["id"]) if "id" in fields else None,
            fields["event"],
            json.loads(fields["data"]),
        )

    def close(self) -> None:
        self.sock.close()


def serve(settings: Settings, http: str | None) -> Generator[Served, None, None]:
    app = create_app(settings)
    actions = app.state.services.actions
    admin = actions.create_user("live@example.org", "admin", "correct horse battery")
    yield from run(app, admin, http)


def run(app: Any, admin: User, http: str | None) -> Generator[Served, None, None]:
    """``app`` under uvicorn in a thread (``http``: the protocol, ``None`` for liveblog's)."""
    actions = app.state.services.actions
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    port = listener.getsockname()[1]
    options: dict[str, Any] = {"log_level": "warning", "access_log": False}
    if http is not None:
        options["http"] = http
    server = uvicorn.Server(uvicorn_config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "server thread died"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield Served(port, actions, admin, server, app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()
        app.state.services.db.dispose()


@pytest.fixture(params=["transport", "asgi"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The app under uvicorn: with liveblog's protocol (event streams handed to the hub as
    transports) or with plain httptools (the same stream through the ASGI route)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'live.db'}",
        live_heartbeat_seconds=0.5,
        live_max_replay=50,
    )
    yield from serve(settings, None if request.param == "transport" else "httptools")
