"""liveblog.web.live.simple_get: plain GET heads recognised without the parser, and nothing else."""

from __future__ import annotations

import httptools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog.web.live.simple_get import SimpleGet, simple_get

PLAIN = b"GET /live/storm HTTP/1.1\r\nHost: news.example\r\nAccept: */*\r\n\r\n"


def test_a_plain_get_is_read() -> None:
    assert simple_get(PLAIN) == SimpleGet("GET", "/live/storm", b"", None, None)


def test_head_query_and_validators_are_read() -> None:
    data = (
        b"HEAD /live/storm/feed.atom?key_events=1 HTTP/1.1\r\nHost: x\r\n"
        b'If-None-Match: "a"\r\nConnection: Keep-Alive\r\nif-none-match:  W/"b" \r\n'
        b"Accept-Encoding: gzip, br\r\n\r\n"
    )
    assert simple_get(data) == SimpleGet(
        "HEAD", "/live/storm/feed.atom", b"key_events=1", '"a", W/"b" ', "gzip, br"
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"POST /live/storm HTTP/1.1\r\nHost: x\r\n\r\n", id="post"),
        pytest.param(b"GET /live/storm HTTP/1.0\r\nHost: x\r\n\r\n", id="http-1.0"),
        pytest.param(b"GET /live/st%6Frm HTTP/1.1\r\nHost: x\r\n\r\n", id="escaped-path"),
        pytest.param(b"GET /live/storm#top HTTP/1.1\r\nHost: x\r\n\r\n", id="fragment"),
        pytest.param(b"GET http://x/live/storm HTTP/1.1\r\nHost: x\r\n\r\n", id="absolute-form"),
        pytest.param(b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", id="asterisk"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nHost: x\r\n", id="incomplete"),
        pytest.param(PLAIN + PLAIN, id="pipelined"),
        pytest.param(PLAIN + b"G", id="begun-behind"),
        pytest.param(b"GET /live/storm HTTP/1.1\nHost: x\n\n", id="bare-newlines"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nHost x\r\n\r\n", id="no-colon"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nHost : x\r\n\r\n", id="space-in-name"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nA: b\r\n c\r\n\r\n", id="folded"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nA: \xc3\xa4\r\n\r\n", id="obs-text"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nA: \x00\r\n\r\n", id="nul"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nContent-Length: 3\r\n\r\n", id="body"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nTransfer-Encoding: x\r\n\r\n", id="chunked"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", id="expect"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", id="upgrade"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nConnection: close\r\n\r\n", id="close"),
        pytest.param(b"GET /live/storm HTTP/1.1\r\nConnection: upgrade\r\n\r\n", id="conn-up"),
        pytest.param(b"", id="empty"),
    ],
)
def test_anything_less_plain_is_left_to_the_parser(data: bytes) -> None:
    assert simple_get(data) is None


class _Parsed:
    """What uvicorn's parser callbacks would have seen (``None`` if it stopped or was left
    waiting)."""

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.complete = 0
        self.began = 0

    def on_message_begin(self) -> None:
        self.began += 1

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_message_complete(self) -> None:
        self.complete += 1


def _parse(data: bytes) -> SimpleGet | None:
    parsed = _Parsed()
    parser = httptools.HttpRequestParser(parsed)
    try:
        parser.feed_data(data)
    except httptools.HttpParserError:
        return None
    if parsed.complete != 1 or parsed.began != 1:
        return None
    url = httptools.parse_url(parsed.url)
    inm = [value for name, value in parsed.headers if name == b"if-none-match"]
    accept = [value for name, value in parsed.headers if name == b"accept-encoding"]
    return SimpleGet(
        parser.get_method().decode(),
        url.path.decode(),
        url.query or b"",
        b", ".join(inm).decode("latin-1") if inm else None,
        b", ".join(accept).decode("latin-1") if accept else None,
    )


_TOKEN = st.text("abcXYZ-_.!~0123456789", min_size=1, max_size=12)
_VALUE = st.text('abc XYZ"/,=;*\t-', max_size=20)
_NAME = st.one_of(
    _TOKEN,
    st.sampled_from(
        ["If-None-Match", "if-none-match", "Connection", "Host", "Accept", "Accept-Encoding"]
    ),
)


@st.composite
def _heads(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET", "HEAD", "GET", "POST"]))
    path = "/" + draw(st.text("abz/._-~0", max_size=20))
    if draw(st.booleans()):
        path += "?" + draw(st.text("a=&1;", max_size=10))
    version = draw(st.sampled_from(["1.1", "1.1", "1.0"]))
    headers = draw(st.lists(st.tuples(_NAME, _VALUE), max_size=5))
    lines = [f"{method} {path} HTTP/{version}", *(f"{n}:{v}" for n, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@settings(max_examples=300, deadline=None)
@given(_heads())
def test_what_is_read_is_what_the_parser_reads(data: bytes) -> None:
    """Whenever a head is recognised, httptools (uvicorn's parser) reads the same request from
    it: one complete message with the same method, path, query and validators."""
    read = simple_get(data)
    if read is not None:
        assert read == _parse(data)
