"""Absolute URLs come from LIVEBLOG_PUBLIC_URL, else the request, else the listen address."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from liveblog.config import Settings
from liveblog.web.urls import absolute_url


def request(host: str, *, scheme: str = "http", root_path: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": scheme,
            "path": "/live/x",
            "root_path": root_path,
            "query_string": b"",
            "headers": [(b"host", host.encode())],
            "server": ("127.0.0.1", 8000),
        }
    )


def test_the_public_url_wins_over_the_request() -> None:
    settings = Settings(public_url="https://live.example.org/")
    got = absolute_url(settings, request("10.0.0.5:8000"), "/live/wahl")
    assert got == "https://live.example.org/live/wahl"
    assert absolute_url(settings, None, "") == "https://live.example.org"


def test_a_public_url_with_a_path_prefix_keeps_it() -> None:
    settings = Settings(public_url="https://example.org/ticker")
    assert absolute_url(settings, None, "/live/wahl") == "https://example.org/ticker/live/wahl"


def test_without_a_public_url_the_request_names_the_site() -> None:
    got = absolute_url(Settings(), request("news.example.org", scheme="https"), "/live/wahl")
    assert got == "https://news.example.org/live/wahl"
    mounted = request("news.example.org", root_path="/ticker")
    assert (
        absolute_url(Settings(), mounted, "/live/wahl")
        == "http://news.example.org/ticker/live/wahl"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8001/"),
        ("0.0.0.0", "http://127.0.0.1:8001/"),  # noqa: S104
        ("::", "http://[::1]:8001/"),
        ("::1", "http://[::1]:8001/"),
        ("liveblog.internal", "http://liveblog.internal:8001/"),
    ],
)
def test_without_request_or_public_url_the_listen_address_is_used(host: str, expected: str) -> None:
    assert absolute_url(Settings(host=host, port=8001), None, "/") == expected


def test_only_paths_from_the_root_are_accepted() -> None:
    with pytest.raises(ValueError, match="root"):
        absolute_url(Settings(), None, "live/wahl")


def test_route_path_strips_the_mount_point() -> None:
    from liveblog.web.urls import route_path

    assert route_path({"path": "/live/x", "root_path": ""}) == "/live/x"
    assert route_path({"path": "/news/live/x", "root_path": "/news"}) == "/live/x"
    assert route_path({"path": "/live/x"}) == "/live/x"
