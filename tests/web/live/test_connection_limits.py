"""What a client can make the server hold without logging in: request heads (size and time),
connections, and event streams per address. Real sockets against a real server on 127.0.0.1,
under both HTTP protocols (liveblog's httptools subclass and the h11 fallback)."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from liveblog.config import Settings
from liveblog.web.connection_limits import (
    LimitedH11Protocol,
    StreamsPerAddress,
    address_key,
    resolve_max_connections,
)
from liveblog.web.live.protocol import LimitedHttpToolsProtocol, LiveHttpToolsProtocol
from tests.web.live.conftest import Served, serve
from tests.web.live.sse_reading import HOST, Head, read_head

PROTOCOLS = {"httptools": None, "h11": "h11"}
"""``serve``'s ``http`` option: liveblog's default (httptools) and the h11 fallback."""


@contextmanager
def server(tmp_path: Path, http: str | None, **settings: Any) -> Iterator[Served]:
    database = tmp_path / f"limits-{len(list(tmp_path.glob('limits-*.db')))}.db"
    values: dict[str, Any] = {"database_url": f"sqlite:///{database}"}
    values.update(settings)
    yield from serve(Settings(**values), http)


@pytest.fixture(params=list(PROTOCOLS))
def http(request: pytest.FixtureRequest) -> str | None:
    return PROTOCOLS[request.param]


def connect(port: int) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=5)


def request_head(path: str = "/healthz", **headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(sock: socket.socket) -> tuple[Head, bytes]:
    """The response head and the body (``content-length`` bytes)."""
    head, rest = read_head(sock, time.monotonic() + 5)
    length = int(head.headers.get("content-length", "0"))
    while len(rest) < length:
        data = sock.recv(65536)
        assert data, "closed in the middle of the body"
        rest += data
    return head, rest[:length]


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within ``seconds`` (what it sends is dropped)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# -- request heads: size -------------------------------------------------------------------


def test_the_protocols_in_use_are_liveblogs(tmp_path: Path, http: str | None) -> None:
    with server(tmp_path, http) as served:
        used = served.server.config.http_protocol_class
        assert used is (LiveHttpToolsProtocol if http is None else LimitedH11Protocol)
    with server(tmp_path, "httptools") as served:
        assert served.server.config.http_protocol_class is LimitedHttpToolsProtocol


def test_a_request_head_within_the_limit_is_served(tmp_path: Path, http: str | None) -> None:
    with server(tmp_path, http, max_header_bytes=4096) as served, connect(served.port) as sock:
        sock.sendall(request_head(**{"X-Padding": "a" * 3500}))
        head, _ = answer(sock)
        assert head.status == 200


def test_a_request_head_over_the_limit_gets_431_and_the_connection_closes(
    tmp_path: Path, http: str | None
) -> None:
    with server(tmp_path, http, max_header_bytes=4096) as served:
        for size in (4200, 64_000):  # just over; a large head arriving in one piece
            with connect(served.port) as sock:
                sock.sendall(request_head(**{"X-Padding": "a" * size}))
                head, body = answer(sock)
                assert head.status == 431
                assert head.headers["content-type"] == "application/problem+json"
                assert "4096 bytes" in json.loads(body)["detail"]
                assert closed_within(sock, 5)


def test_a_request_head_that_never_ends_gets_431_once_past_the_limit(
    tmp_path: Path, http: str | None
) -> None:
    """One endless header, sent in pieces: the server answers within a piece or so of the
    limit instead of buffering it all."""
    with server(tmp_path, http, max_header_bytes=4096) as served, connect(served.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        sent, deadline = 0, time.monotonic() + 10
        # Past the limit, give the server time to answer before sending more.
        while sent < 128 * 1024 and time.monotonic() < deadline:
            if select.select([sock], [], [], 0.01 if sent < 8192 else 0.5)[0]:
                break
            try:
                sock.sendall(b"a" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1024
        assert sent < 64 * 1024, f"no answer after {sent} bytes of one header"
        head, _ = answer(sock)
        assert head.status == 431
        assert closed_within(sock, 5)


def test_a_head_pipelined_behind_a_long_answer_is_limited_too(tmp_path: Path) -> None:
    """An event stream served through ASGI stays a request in progress for hours: bytes sent
    behind it for a next request are held by the parser, so they count as well."""
    with server(tmp_path, "httptools", max_header_bytes=4096) as served:
        served.actions.create_blog(served.admin, slug="storm", title="Storm")
        with connect(served.port) as sock:
            sock.sendall(request_head("/live/storm/events"))
            head, _ = read_head(sock, time.monotonic() + 5)
            assert head.status == 200
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: ")
            for _ in range(8):
                sock.sendall(b"a" * 1024)
            assert closed_within(sock, 5)


# -- request heads: time -------------------------------------------------------------------


def test_connections_that_do_not_finish_their_head_in_time_are_closed(
    tmp_path: Path, http: str | None
) -> None:
    with server(tmp_path, http, header_timeout_seconds=0.3) as served:
        with connect(served.port) as silent, connect(served.port) as half:
            half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            assert closed_within(half, 5)
            assert closed_within(silent, 5)
        # A kept-alive connection that begins its next request and never finishes it.
        with connect(served.port) as kept:
            kept.sendall(request_head())
            head, _ = answer(kept)
            assert head.status == 200
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            assert closed_within(kept, 5)


def test_a_complete_head_is_not_timed_out_however_long_its_answer_takes(
    tmp_path: Path, http: str | None
) -> None:
    """An event stream lasts for hours: the head timer ends with the head."""
    with server(tmp_path, http, header_timeout_seconds=0.2, live_heartbeat_seconds=0.3) as served:
        served.actions.create_blog(served.admin, slug="storm", title="Storm")
        client = served.connect("/live/storm/events")
        try:
            assert client.status == 200
            assert client.nothing_within(1.0)  # a closed stream would raise ConnectionError
            assert client.comments, "heartbeats should have arrived"
        finally:
            client.close()
        with connect(served.port) as kept:  # and kept-alive connections between requests
            for _ in range(3):
                kept.sendall(request_head())
                assert answer(kept)[0].status == 200
                time.sleep(0.1)  # idle, within uvicorn's keep-alive, longer than 0.2 s in all


# -- connections ---------------------------------------------------------------------------


def test_connections_beyond_the_limit_get_503_with_retry_after(
    tmp_path: Path, http: str | None
) -> None:
    with server(tmp_path, http, max_connections=3) as served:
        connections = served.server.server_state.connections
        idle = [connect(served.port) for _ in range(3)]
        try:
            wait_for(lambda: len(connections) == 3)
            with connect(served.port) as extra:
                extra.sendall(request_head())
                head, body = answer(extra)
                assert head.status == 503
                assert head.headers["retry-after"] == "5"
                assert head.headers["content-type"] == "application/problem+json"
                assert json.loads(body)["status"] == 503
                assert closed_within(extra, 5)
            assert len(connections) == 3  # the refused one never counted
            idle.pop().close()
            wait_for(lambda: len(connections) == 2)
            with connect(served.port) as again:
                again.sendall(request_head())
                assert answer(again)[0].status == 200
        finally:
            for sock in idle:
                sock.close()


def test_the_default_connection_limit_stays_below_the_open_file_limit() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    derived = resolve_max_connections(0)
    if soft != resource.RLIM_INFINITY:
        assert 0 < derived < soft
    assert resolve_max_connections(123) == 123


# -- event streams per address -------------------------------------------------------------


@pytest.fixture(params=["transport", "asgi"])
def stream_path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _limited_streams(tmp_path: Path, path: str, limit: int) -> Any:
    return server(
        tmp_path, None if path == "transport" else "httptools", max_streams_per_address=limit
    )


def test_event_streams_beyond_the_limit_per_address_get_429(
    tmp_path: Path, stream_path: str
) -> None:
    with _limited_streams(tmp_path, stream_path, 2) as served:
        served.actions.create_blog(served.admin, slug="storm", title="Storm")
        counts = served.app.state.services.live.streams_per_address.counts
        clients = [served.connect("/live/storm/events") for _ in range(2)]
        try:
            assert [c.status for c in clients] == [200, 200]
            refused = served.connect("/live/storm/events")
            try:
                assert refused.status == 429
                assert refused.response_headers["retry-after"] == "30"
                assert refused.response_headers["content-type"] == "application/problem+json"
            finally:
                refused.close()
            assert counts == {"127.0.0.1": 2}
            clients.pop().close()
            wait_for(lambda: counts == {"127.0.0.1": 1})
            clients.append(served.connect("/live/storm/events"))
            assert clients[-1].status == 200
        finally:
            for client in clients:
                client.close()
        wait_for(lambda: counts == {})  # every slot given back
        # Other requests from the address are not limited.
        with connect(served.port) as sock:
            sock.sendall(request_head())
            assert answer(sock)[0].status == 200


def test_behind_a_trusted_proxy_streams_are_counted_per_forwarded_address(
    tmp_path: Path, stream_path: str
) -> None:
    """127.0.0.1 is the proxy uvicorn trusts by default: its X-Forwarded-For names the client."""
    with _limited_streams(tmp_path, stream_path, 1) as served:
        served.actions.create_blog(served.admin, slug="storm", title="Storm")
        path = "/live/storm/events"
        first = served.connect(path, {"X-Forwarded-For": "203.0.113.7"})
        second = served.connect(path, {"X-Forwarded-For": "2001:db8:1:2::7"})
        same_network = served.connect(path, {"X-Forwarded-For": "2001:db8:1:2::8"})
        again = served.connect(path, {"X-Forwarded-For": "203.0.113.7"})
        try:
            statuses = [c.status for c in (first, second, same_network, again)]
            assert statuses == [200, 200, 429, 429]
        finally:
            for client in (first, second, same_network, again):
                client.close()


def test_addresses_are_counted_by_ipv4_address_and_ipv6_network() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert (
        address_key("2001:db8:1:2:aaaa::1")
        == address_key("2001:db8:1:2::ffff")
        == ("2001:db8:1:2::/64")
    )
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("/run/liveblog.sock") == "/run/liveblog.sock"
    streams = StreamsPerAddress()
    assert streams.acquire("a", 2)
    assert streams.acquire("a", 2)
    assert not streams.acquire("a", 2)
    assert streams.acquire("b", 2)
    streams.release("a")
    assert streams.acquire("a", 2)
    for key in ("a", "a", "b"):
        streams.release(key)
    assert streams.counts == {}
    assert all(streams.acquire("c", 0) for _ in range(5))  # 0: no limit
