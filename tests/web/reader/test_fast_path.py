"""The fast path's contract (liveblog/web/reader/fast_path.py): it serves public, cookie-less
responses only. A request with a session cookie gets the same public bytes, and no answer of a
cached page (fast path or route) ever carries ``Set-Cookie``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from tests.conftest import application_not_entered

COOKIES = (
    "session=abc123",
    "session=other; csrftoken=xyz",
    "liveblog_session=" + "z" * 200,
)
PUBLIC_URLS = (
    "/",
    "/live/hochwasser",
    "/live/hochwasser?order=oldest&key_events=1",
    "/live/hochwasser/entries/1",
    "/live/hochwasser/entries/999",  # a cached 404
    "/api/v1/blogs/hochwasser/events?after=0",
)


@pytest.fixture
def client(app: FastAPI, writer: Actions, admin: User) -> Iterator[TestClient]:
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser", summary="Pegel steigen.")
    writer.create_entry(admin, "hochwasser", body="Der Pegel steigt.", headline="Lage")
    with TestClient(app) as test_client:
        yield test_client


def _get(client: TestClient, url: str, cookie: str | None = None) -> httpx.Response:
    # A raw header, so the test client's own cookie jar neither adds nor drops anything.
    client.cookies.clear()
    return client.get(url, headers={"Cookie": cookie} if cookie else {})


def _assert_public(response: httpx.Response) -> None:
    assert "set-cookie" not in response.headers
    assert response.status_code in (200, 304, 404)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_session_cookie_gets_the_same_public_bytes_from_the_fast_path(
    app: FastAPI, client: TestClient, url: str
) -> None:
    rendered = _get(client, url)  # a miss: the route renders and caches it
    _assert_public(rendered)
    with application_not_entered(app):  # from here on, only the fast path answers
        for cookie in (None, *COOKIES):
            served = _get(client, url, cookie)
            _assert_public(served)
            assert served.status_code == rendered.status_code
            assert served.content == rendered.content
            assert served.headers == rendered.headers
            etag = rendered.headers.get("etag")
            if etag is None:  # error pages carry none
                continue
            headers = {"Cookie": cookie or "", "If-None-Match": etag}
            not_modified = client.get(url, headers=headers)
            assert not_modified.status_code == 304
            _assert_public(not_modified)


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize("cookie", COOKIES)
def test_a_session_cookie_on_a_miss_renders_the_public_page(
    app: FastAPI, client: TestClient, url: str, cookie: str
) -> None:
    """The route that renders and caches the page ignores the cookie too, so what the cache
    holds never depends on who asked first."""
    with_cookie = _get(client, url, cookie)  # the first request: rendered by the route
    _assert_public(with_cookie)
    without = _get(client, url)
    assert without.content == with_cookie.content
    assert without.headers == with_cookie.headers


def test_error_pages_of_the_reader_routes_set_no_cookie(client: TestClient) -> None:
    for url in ("/live/hochwasser?order=sideways", "/live/UNGUELTIG", "/live/x/entries/1"):
        response = _get(client, url, COOKIES[0])
        assert response.status_code in (400, 404)
        assert "set-cookie" not in response.headers
