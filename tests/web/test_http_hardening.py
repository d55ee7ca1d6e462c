"""HTTP details every route shares: ``HEAD`` answers like ``GET`` without a body (cached or
not), security headers on every response, and a trailing-slash redirect that never takes its
target from the ``Host`` header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import Blog, Entry, User
from liveblog.web import create_app
from liveblog.web.static_files import static_url
from tests.conftest import application_not_entered

CSP = "content-security-policy"


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(admin, slug="hochwasser", title="Hochwasser")


@pytest.fixture
def entry(writer: Actions, admin: User, blog: Blog) -> Entry:
    return writer.create_entry(admin, "hochwasser", body="Der Pegel steigt.")


@pytest.fixture
def plain_client(app: FastAPI) -> Iterator[TestClient]:
    """Without following redirects, so that they can be looked at."""
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def urls(entry: Entry) -> list[str]:
    return [
        "/",
        "/live/hochwasser",
        "/live/hochwasser?order=oldest",
        f"/live/hochwasser/entries/{entry.id}",
        "/live/unbekannt",
        "/api/v1/blogs",
        "/api/v1/blogs/hochwasser",
        "/api/v1/blogs/hochwasser/entries",
        f"/api/v1/blogs/hochwasser/entries/{entry.id}",
        "/api/v1/blogs/unbekannt",
        "/api/v1/blogs/hochwasser/events?after=0",
        "/api/v1/blogs/hochwasser/events?after=0&limit=5",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/healthz",
        "/readyz",
        static_url("style.css"),
        "/static/live.js",
        "/nothing-here",
    ]


def test_head_is_get_without_the_body_on_every_route_cached_or_not(
    app: FastAPI, entry: Entry
) -> None:
    for url in urls(entry):
        # A new client (and process cache) per URL: the first HEAD comes before any GET.
        with TestClient(create_fresh(app), raise_server_exceptions=False) as client:
            uncached = client.head(url)
            get = client.get(url)
            cached = client.head(url)
        assert uncached.status_code == get.status_code, url
        assert cached.status_code == get.status_code, url
        assert uncached.content == b"", url
        assert cached.content == b"", url
        assert dict(uncached.headers) == dict(get.headers), url
        assert dict(cached.headers) == dict(get.headers), url


def create_fresh(app: FastAPI) -> FastAPI:
    """An app on the same database with an empty page cache."""
    services = app.state.services
    return create_app(services.settings, db=services.db, migrate=False)


def test_head_of_a_cached_page_is_answered_by_the_fast_path(app: FastAPI, entry: Entry) -> None:
    with TestClient(app) as client:
        for url in ("/", "/live/hochwasser", "/api/v1/blogs/hochwasser/events?after=0"):
            get = client.get(url)
            with application_not_entered(app):
                head = client.head(url)
                not_modified = client.head(url, headers={"If-None-Match": get.headers["etag"]})
            assert head.status_code == 200
            assert head.content == b""
            assert dict(head.headers) == dict(get.headers)
            assert not_modified.status_code == 304


def test_head_of_an_event_stream_is_refused(client: TestClient, blog: Blog) -> None:
    """A stream has no end at which its headers could be cut off from its body."""
    assert client.head("/live/hochwasser/events").status_code == 405


# -- security headers ----------------------------------------------------------------------------


def test_every_response_says_nosniff(client: TestClient, entry: Entry) -> None:
    for url in urls(entry):
        assert client.get(url).headers["x-content-type-options"] == "nosniff", url
    assert client.put("/api/v1/blogs", json={}).headers["x-content-type-options"] == "nosniff"


def test_every_html_response_has_a_policy_and_a_referrer_policy(
    client: TestClient, entry: Entry
) -> None:
    html = 0
    for url in [*urls(entry), "/live/hochwasser?order=sideways", "/live/hochwasser/entries/x"]:
        response = client.get(url)
        if response.headers["content-type"].startswith("text/html"):
            html += 1
            assert "frame-ancestors 'self'" in response.headers[CSP], url
            assert "default-src 'self'" in response.headers[CSP], url
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", url
    assert html >= 7


def test_error_pages_carry_the_headers_500_included(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        pages = {
            404: client.get("/nothing-here"),
            405: client.post("/live/hochwasser"),
            500: client.get("/boom"),
        }
    for status, response in pages.items():
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'self'" in response.headers[CSP], status
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_api_docs_allow_their_inline_script_by_hash_only(client: TestClient) -> None:
    response = client.get("/api/v1/docs")
    policy = response.headers[CSP]
    assert "script-src 'self' 'sha256-" in policy
    assert "unsafe" not in policy
    assert "frame-ancestors 'self'" in policy


# -- trailing slashes ----------------------------------------------------------------------------


def test_trailing_slash_redirect_is_relative_and_keeps_the_query(
    plain_client: TestClient, blog: Blog
) -> None:
    for path, location in (
        ("/live/hochwasser/", "/live/hochwasser"),
        ("/live/hochwasser//", "/live/hochwasser"),
        ("/live/hochwasser/?order=oldest&x=%C3%A4", "/live/hochwasser?order=oldest&x=%C3%A4"),
        ("/api/v1/blogs/", "/api/v1/blogs"),
        ("/live/h%C3%A4/", "/live/h%C3%A4"),
    ):
        response = plain_client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 307, path
        assert response.headers["location"] == location, path


def test_no_redirect_leaves_the_site(plain_client: TestClient, blog: Blog) -> None:
    for path in ("//evil.example/", "///evil.example/", "/%2F/evil.example/", "/nothing-here/"):
        # A whole URL, or the client would read "//evil.example/" as another host.
        response = plain_client.get("http://testserver" + path, headers={"Host": "evil.example"})
        assert response.request.url.raw_path == path.encode()
        assert response.status_code == 404, path
        assert "location" not in response.headers
