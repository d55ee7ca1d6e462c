"""``POST /api/v1/blogs/{slug}/preview``: the server's own renderer, for members only."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.render import markdown_to_html
from liveblog.storage.database import Database
from liveblog.web.sessions import cookie_name
from tests.web.api.helpers import assert_problem, new_blog, snapshot

URL = "/api/v1/blogs/storm/preview"
ORIGIN = "http://testserver"
HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a> and <iframe src='//evil.example'></iframe>",
    "**bold** [link](https://example.org) `code`\n\n> quote\n\n- a\n- b",
    "[a](<javascript:alert(1)>) [b](JaVaScRiPt:alert(1)) [c](data:text/html,<script>)",
]


class _Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def _session(app: FastAPI, email: str) -> tuple[TestClient, dict[str, str]]:
    services = app.state.services
    new = services.actions.log_in(email, "correct horse battery")
    client = TestClient(app, raise_server_exceptions=False)
    client.cookies.set(cookie_name(services.settings), new.session_id)
    return client, {"X-CSRF-Token": new.csrf_token, "Origin": ORIGIN}


@pytest.mark.parametrize("body", HOSTILE)
def test_preview_is_the_readers_html(
    client: TestClient, admin_headers: dict[str, str], body: str
) -> None:
    new_blog(client, admin_headers)
    reply = client.post(URL, json={"body": body}, headers=admin_headers)
    assert reply.status_code == 200, reply.text
    html = reply.json()["html"]
    assert html == markdown_to_html(body)
    tags = _Tags()
    tags.feed(html)
    assert not {"script", "iframe", "img", "style"} & {name for name, _ in tags.seen}
    for _, attributes in tags.seen:
        for name, value in attributes:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))
    assert reply.headers["Cache-Control"] == "no-store"


def test_preview_equals_what_the_posted_entry_shows(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    body = "\n\n".join(HOSTILE)
    preview = client.post(URL, json={"body": body}, headers=admin_headers).json()["html"]
    posted = client.post(
        "/api/v1/blogs/storm/entries", json={"body": body}, headers=admin_headers
    ).json()
    assert preview == posted["body_html"]
    page = client.get(f"/live/storm/entries/{posted['id']}").text
    assert preview in page


def test_preview_with_the_session_cookie_needs_csrf(
    app: FastAPI, client: TestClient, admin: User, admin_headers: dict[str, str], db: Database
) -> None:
    new_blog(client, admin_headers)
    desk, headers = _session(app, admin.email)
    before = snapshot(db)
    ok = desk.post(URL, json={"body": "*hi*"}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"html": markdown_to_html("*hi*")}
    assert_problem(desk.post(URL, json={"body": "x"}, headers={"Origin": ORIGIN}), 403)
    other_site = {**headers, "Origin": "https://evil.example"}
    assert_problem(desk.post(URL, json={"body": "x"}, headers=other_site), 403)
    assert snapshot(db) == before


def test_preview_is_for_members(
    app: FastAPI,
    client: TestClient,
    admin: User,
    admin_headers: dict[str, str],
    writer: Actions,
) -> None:
    new_blog(client, admin_headers)
    writer.create_user("outsider@example.org", "user", "correct horse battery")
    writer.create_user("contrib@example.org", "user", "correct horse battery")
    writer.add_member(admin, "storm", "contrib@example.org", "contributor")
    outsider, outsider_headers = _session(app, "outsider@example.org")
    assert_problem(outsider.post(URL, json={"body": "x"}, headers=outsider_headers), 404)
    contributor, contributor_headers = _session(app, "contrib@example.org")
    reply = contributor.post(URL, json={"body": "x"}, headers=contributor_headers)
    assert reply.status_code == 200
    assert_problem(client.post(URL, json={"body": "x"}), 401)
    unknown = client.post("/api/v1/blogs/nope/preview", json={"body": "x"}, headers=admin_headers)
    assert_problem(unknown, 404)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": 5}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_preview_requests_are_422(
    client: TestClient, admin_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    new_blog(client, admin_headers)
    assert_problem(client.post(URL, json=payload, headers=admin_headers), 422, field)
