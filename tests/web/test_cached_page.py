"""liveblog.web.cached_page: one page, its coded versions, and what each request is sent."""

from __future__ import annotations

import gzip

import brotli
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from liveblog.config import Settings
from liveblog.web.cached_page import CachedPage
from liveblog.web.reader.models import Rendered

BIG = "<p>" + "Deichverband meldet steigende Pegel. " * 100 + "</p>"


def _page(html: str = BIG, status: int = 200) -> CachedPage:
    return CachedPage.build(Rendered(status, html, 7), Settings())


def _headers(page_headers: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in page_headers}


def test_a_large_page_has_coded_versions_with_the_same_entity_tag() -> None:
    page = _page()
    assert page.compressible
    plain = _headers(page.variant(None).headers)
    coded = _headers(page.variant("gzip, deflate, br").headers)
    assert plain["vary"] == coded["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain
    assert coded["content-encoding"] == "br"
    assert coded["etag"] == plain["etag"] == page.etag
    assert int(coded["content-length"]) == len(page.variant("br").body)
    assert brotli.decompress(page.variant("br").body) == page.body
    assert gzip.decompress(page.variant("gzip").body) == page.body
    assert _headers(page.not_modified_headers)["vary"] == "Accept-Encoding"


def test_each_coding_is_made_once() -> None:
    page = _page()
    assert page.variant("br") is page.variant("br, gzip")
    assert page.variant("gzip") is page.variant("gzip")
    before = page.size_in_bytes
    page.warm()
    assert page.size_in_bytes == before  # both were made above and counted
    fresh = _page()
    small = fresh.size_in_bytes
    fresh.warm()
    assert fresh.size_in_bytes == small + len(fresh.brotli.body) + len(fresh.gzip.body)


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(_page("<p>kurz</p>"), id="small"),
        pytest.param(_page(status=404), id="error"),
        pytest.param(CachedPage.json(200, b'{"a": 1}', 3), id="small-json"),
    ],
)
def test_small_pages_and_errors_are_sent_as_they_are(page: CachedPage) -> None:
    assert not page.compressible
    assert page.variant("br") is page.variant(None)
    assert "vary" not in _headers(page.headers)


def test_large_api_answers_are_coded_too() -> None:
    page = CachedPage.json(200, b'{"entries": [' + b'"x",' * 2000 + b'"y"]}', 3)
    assert page.compressible
    assert _headers(page.variant("gzip").headers)["content-encoding"] == "gzip"


def test_the_response_is_chosen_by_the_request() -> None:
    page = _page()

    async def endpoint(request: Request) -> Response:
        return page.response(request.headers.get("if-none-match"))

    client = TestClient(Starlette(routes=[Route("/", endpoint)]))
    for accept, coding in [("br", "br"), ("gzip", "gzip"), ("identity", None)]:
        answer = client.get("/", headers={"Accept-Encoding": accept})
        assert answer.headers.get("content-encoding") == coding
        assert answer.content == page.body  # the client decodes what it was sent
        assert answer.headers["vary"] == "Accept-Encoding"
    not_modified = client.get("/", headers={"If-None-Match": page.etag or ""})
    assert not_modified.status_code == 304
    assert not_modified.headers["vary"] == "Accept-Encoding"
