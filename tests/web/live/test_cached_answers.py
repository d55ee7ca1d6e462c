"""Cache hits answered by liveblog's protocol itself (LiveHttpToolsProtocol._answer_from_cache):
the same bytes as through the ASGI app, and only for requests that are plainly such hits."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveblog.config import Settings
from liveblog.web import create_app
from liveblog.web.live.protocol import LiveHttpToolsProtocol
from tests.waiting import wait_until
from tests.web.live.conftest import Served, run, serve
from tests.web.live.sse_reading import HOST


def _settings(url: str) -> Settings:
    return Settings(database_url=url, public_url="http://news.example", page_revalidate_seconds=600)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    """The same database served twice: by liveblog's protocol, and by plain httptools (where
    the ASGI app's fast path answers hits)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    direct = serve(_settings(url), None)
    served = next(direct)
    served.actions.create_blog(served.admin, slug="storm", title="Sturmflut")
    for number in range(3):
        served.actions.create_entry(served.admin, "storm", body=f"Meldung {number}")
    through_app = run(create_app(_settings(url)), served.admin, "httptools")
    try:
        yield served, next(through_app)
    finally:
        for generator in (through_app, direct):
            generator.close()


def _recording(monkeypatch: pytest.MonkeyPatch, *, access_log: bool) -> list[bool]:
    results: list[bool] = []
    original = LiveHttpToolsProtocol._answer_from_cache

    def record(self: LiveHttpToolsProtocol, data: bytes) -> bool:
        # uvicorn logs requests when its access logger has handlers; under pytest it has
        # pytest's capturing handlers, which the protocol would take for an access log.
        self.access_log = access_log
        result = original(self, data)
        results.append(result)
        return result

    monkeypatch.setattr(LiveHttpToolsProtocol, "_answer_from_cache", record)
    return results


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each call's result of the protocol's own answering, in order (no access log)."""
    return _recording(monkeypatch, access_log=False)


def _exchange(port: int, *chunks: bytes, answers: int = 1) -> list[bytes]:
    """Send ``chunks`` on one connection (each a separate write) and read ``answers``
    responses, each without its ``date`` line."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(0.02)  # let each arrive as its own read
        raw = b""
        responses: list[bytes] = []
        deadline = time.monotonic() + 5
        while len(responses) < answers:
            assert time.monotonic() < deadline, f"got {len(responses)} of {answers}: {raw!r}"
            complete = _split(raw)
            if complete is not None:
                response, raw = complete
                responses.append(response)
                continue
            data = sock.recv(65536)
            assert data, "closed early"
            raw += data
    return [_without_date(response) for response in responses]


def _split(raw: bytes) -> tuple[bytes, bytes] | None:
    head, found, rest = raw.partition(b"\r\n\r\n")
    if not found:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if b" 304 " in head.split(b"\r\n")[0]:
        length = 0
    if len(rest) < length:
        return None
    return head + found + rest[:length], rest[length:]


def _without_date(response: bytes) -> bytes:
    lines = response.split(b"\r\n")
    assert lines[1].startswith(b"date: "), lines[:3]
    return b"\r\n".join(lines[:1] + lines[2:])


def _get(path: str, *headers: str, method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: news.example", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _warm(served: Served, path: str) -> None:
    _exchange(served.port, _get(path))


@pytest.mark.parametrize(
    "path", ["/live/storm", "/live/storm/feed.atom", "/live/storm?view=oldest", "/"]
)
def test_a_hit_is_answered_by_the_protocol_with_the_apps_bytes(
    pair: tuple[Served, Served], answered: list[bool], path: str
) -> None:
    direct, through_app = pair
    _warm(direct, path)
    _warm(through_app, path)
    answered.clear()
    [ours] = _exchange(direct.port, _get(path))
    [theirs] = _exchange(through_app.port, _get(path))
    assert answered == [True]
    assert ours.startswith(b"HTTP/1.1 200 OK\r\n")
    assert ours == theirs


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_coded_hits_are_the_apps_too(
    pair: tuple[Served, Served], answered: list[bool], coding: str
) -> None:
    direct, through_app = pair
    request = _get("/live/storm", "Accept-Encoding: gzip, deflate" + (", br" * (coding == "br")))
    _warm(direct, "/live/storm")
    _warm(through_app, "/live/storm")
    answered.clear()
    [ours] = _exchange(direct.port, request)
    [theirs] = _exchange(through_app.port, request)
    assert answered == [True]
    assert f"content-encoding: {coding}\r\n".encode() in ours
    assert ours == theirs


def test_304_and_head_are_the_apps_too(pair: tuple[Served, Served], answered: list[bool]) -> None:
    direct, through_app = pair
    _warm(direct, "/live/storm")
    [page] = _exchange(through_app.port, _get("/live/storm"))
    etag = next(
        line.split(b": ", 1)[1].decode()
        for line in page.split(b"\r\n")
        if line.startswith(b"etag: ")
    )
    answered.clear()
    for request in (_get("/live/storm", f"If-None-Match: {etag}"),):
        [ours] = _exchange(direct.port, request)
        [theirs] = _exchange(through_app.port, request)
        assert ours.startswith(b"HTTP/1.1 304 Not Modified\r\n")
        assert ours == theirs
    head_request = _get("/live/storm", method="HEAD")
    with socket.create_connection((HOST, direct.port), timeout=5) as sock:
        sock.sendall(head_request)
        wait_until(lambda: answered[-1:] == [True], what="the protocol's answer to HEAD")
        sock.settimeout(5)
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length: " in head  # the page's length, and no body after the head
    assert answered == [True, True]


def test_keep_alive_goes_on_after_an_answer_from_the_protocol(
    pair: tuple[Served, Served], answered: list[bool]
) -> None:
    direct, _ = pair
    _warm(direct, "/live/storm")
    answered.clear()
    first, second, third = _exchange(
        direct.port,
        _get("/live/storm"),
        _get("/api/v1/blogs/storm/entries"),  # through the app
        _get("/live/storm"),
        answers=3,
    )
    assert first == third
    assert second.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Meldung 2" in second
    assert answered == [True, False, True]


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(_get("/live/storm", "Connection: close"), id="connection-close"),
        pytest.param(_get("/live/st%6Frm"), id="escaped-path"),
        pytest.param(_get("/live/storm").replace(b"HTTP/1.1", b"HTTP/1.0"), id="http-1.0"),
    ],
)
def test_other_forms_go_through_the_app_with_the_same_answer(
    pair: tuple[Served, Served], answered: list[bool], request_bytes: bytes
) -> None:
    direct, through_app = pair
    _warm(direct, "/live/storm")
    _warm(through_app, "/live/storm")
    answered.clear()
    [ours] = _exchange(direct.port, request_bytes)
    [theirs] = _exchange(through_app.port, request_bytes)
    assert answered == [False]
    assert ours.startswith(b"HTTP/1.1 200 OK\r\n")
    assert ours == theirs


def test_pipelined_and_split_requests_are_answered_in_order(
    pair: tuple[Served, Served], answered: list[bool]
) -> None:
    direct, through_app = pair
    _warm(direct, "/live/storm")
    _warm(through_app, "/live/storm")
    requests = _get("/live/storm") + _get("/live/storm/feed.atom") + _get("/live/storm")
    answered.clear()
    ours = _exchange(direct.port, requests, answers=3)
    theirs = _exchange(through_app.port, requests, answers=3)
    assert ours == theirs
    assert b"<feed" in ours[1]
    whole = _get("/live/storm")
    split = _exchange(direct.port, whole[:10], whole[10:])
    assert split == theirs[:1]


def test_a_body_that_looks_like_a_request_is_never_answered_as_one(
    pair: tuple[Served, Served], answered: list[bool]
) -> None:
    """The bytes of a request body arrive on their own; they are the body, not a request."""
    direct, _ = pair
    _warm(direct, "/live/storm")
    body = _get("/live/storm")
    head = (
        f"POST /api/v1/blogs/storm/entries HTTP/1.1\r\nHost: news.example\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    answered.clear()
    [answer] = _exchange(direct.port, head, body)
    assert answer.startswith(b"HTTP/1.1 400 ")  # the POST's own answer: its body is no JSON
    assert b"application/problem+json" in answer
    assert answered == [False]  # the body was not even looked at


def test_with_the_access_log_on_every_request_goes_through_the_app(
    pair: tuple[Served, Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn writes the access log line on the app's path; the protocol leaves hits to it."""
    direct, through_app = pair
    answered = _recording(monkeypatch, access_log=True)
    _warm(direct, "/live/storm")
    [ours] = _exchange(direct.port, _get("/live/storm"))
    [theirs] = _exchange(through_app.port, _get("/live/storm"))
    assert answered == [False, False]
    assert ours == theirs
