"""Every kind of bad input gets the right 4xx problem, and nothing is written: the tables and
the event log are exactly as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.domain import rules
from liveblog.domain.pagination import Cursor
from liveblog.storage.database import Database
from tests.web.api.helpers import assert_problem, new_blog, new_entry, snapshot

Send = Callable[[], Any]


@pytest.fixture
def existing(client: TestClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    new_blog(client, admin_headers)
    entry: dict[str, Any] = new_entry(client, admin_headers, headline="Existing")
    return entry


@pytest.fixture
def unchanged(db: Database, existing: dict[str, Any]) -> Iterator[None]:
    before = snapshot(db)
    yield
    assert snapshot(db) == before, "bad input changed the database"


def _post_entry(client: TestClient, headers: dict[str, str], payload: Any) -> Any:
    return client.post("/api/v1/blogs/storm/entries", json=payload, headers=headers)


ENTRY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("empty body", {"body": ""}, "body"),
    ("whitespace body", {"body": " \n\t "}, "body"),
    ("body over the limit", {"body": "x" * (rules.MAX_BODY + 1)}, "body"),
    ("headline over the limit", {"body": "ok", "headline": "h" * (rules.MAX_HEADLINE + 1)}, "headline"),
    ("source over the limit", {"body": "ok", "source": "s" * (rules.MAX_SOURCE + 1)}, "source"),
    ("NUL in body", {"body": "before\x00after"}, "body"),
    ("NUL in headline", {"body": "ok", "headline": "a\x00b"}, "headline"),
    ("NUL in source", {"body": "ok", "source": "a\x00b"}, "source"),
    ("multi-line headline", {"body": "ok", "headline": "a\nb"}, "headline"),
    ("future published_at", {"body": "ok", "published_at": "2030-01-01T00:00:00+00:00"}, "published_at"),
    ("published_at without offset", {"body": "ok", "published_at": "2023-10-12T01:00:00"}, "published_at"),
    ("published_at not a date", {"body": "ok", "published_at": "yesterday"}, "published_at"),
    ("unknown field", {"body": "ok", "author": "me"}, "author"),
    ("body not a string", {"body": 42}, "body"),
    ("key_event not a boolean", {"body": "ok", "key_event": "yes"}, "key_event"),
    ("missing body", {"headline": "only"}, "body"),
]  # fmt: skip


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("case", "payload", "field"), ENTRY_CASES, ids=[c[0] for c in ENTRY_CASES])
def test_bad_entry_is_rejected_with_a_field_error(
    client: TestClient,
    admin_headers: dict[str, str],
    case: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    assert_problem(_post_entry(client, admin_headers, payload), 422, field)


BLOG_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("slug with capitals", {"slug": "Storm", "title": "T"}, "slug"),
    ("slug with space", {"slug": "big storm", "title": "T"}, "slug"),
    ("slug with umlaut", {"slug": "sturmflut-küste", "title": "T"}, "slug"),
    ("slug with slash", {"slug": "a/b", "title": "T"}, "slug"),
    ("slug too long", {"slug": "a" * 65, "title": "T"}, "slug"),
    ("slug with trailing newline", {"slug": "storm-two\n", "title": "T"}, "slug"),
    ("empty title", {"slug": "ok", "title": "  "}, "title"),
    ("title over the limit", {"slug": "ok", "title": "t" * (rules.MAX_TITLE + 1)}, "title"),
    ("summary over the limit", {"slug": "ok", "title": "T", "summary": "s" * (rules.MAX_SUMMARY + 1)}, "summary"),
    ("NUL in title", {"slug": "ok", "title": "a\x00"}, "title"),
    ("unknown time zone", {"slug": "ok", "title": "T", "timezone": "Mars/Olympus"}, "timezone"),
    ("unknown language", {"slug": "ok", "title": "T", "language": "fr"}, "language"),
    ("unknown field", {"slug": "ok", "title": "T", "colour": "red"}, "colour"),
]  # fmt: skip


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("case", "payload", "field"), BLOG_CASES, ids=[c[0] for c in BLOG_CASES])
def test_bad_blog_is_rejected_with_a_field_error(
    client: TestClient,
    admin_headers: dict[str, str],
    case: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    response = client.post("/api/v1/blogs", json=payload, headers=admin_headers)
    assert_problem(response, 422, field)


@pytest.mark.usefixtures("unchanged")
def test_bad_blog_patch(client: TestClient, admin_headers: dict[str, str]) -> None:
    for payload, field in (
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"language": "xx"}, "language"),
        ({"title": None}, "title"),
        ({"status": "archived"}, "status"),
    ):
        response = client.patch("/api/v1/blogs/storm", json=payload, headers=admin_headers)
        assert_problem(response, 422, field)


@pytest.mark.usefixtures("unchanged")
def test_duplicate_slug_is_409(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/blogs", json={"slug": "storm", "title": "Again"}, headers=admin_headers
    )
    assert "storm" in assert_problem(response, 409)["detail"]


@pytest.mark.usefixtures("unchanged")
def test_malformed_json_is_400(client: TestClient, admin_headers: dict[str, str]) -> None:
    invalid_utf8 = (
        b"\xff\xfe",
        b'{"body": "\xff"}',
        b'{"body": "caf\xe9"}',  # Latin-1, not UTF-8
        b'{"body": "\xed\xa0\x80"}',  # an encoded surrogate
        b'{"body": "\xc3"}',  # a cut-off sequence
    )
    for raw in (b"{", b'{"body": "x",}', *invalid_utf8):
        response = client.post(
            "/api/v1/blogs/storm/entries",
            content=raw,
            headers={**admin_headers, "Content-Type": "application/json"},
        )
        problem = assert_problem(response, 400)
        assert problem["type"] == "urn:liveblog:problem:malformed-json", raw


@pytest.mark.usefixtures("unchanged")
def test_json_that_is_not_an_object_is_422(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for raw in (b"[1, 2]", b'"body"', b"null", b"42"):
        response = client.post(
            "/api/v1/blogs/storm/entries",
            content=raw,
            headers={**admin_headers, "Content-Type": "application/json"},
        )
        assert_problem(response, 422)


@pytest.mark.usefixtures("unchanged")
def test_wrong_content_type_is_415(client: TestClient, admin_headers: dict[str, str]) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = client.post(
            "/api/v1/blogs/storm/entries",
            content=b'{"body": "x"}',
            headers={**admin_headers, "Content-Type": content_type},
        )
        assert_problem(response, 415)
    no_type = client.post(
        "/api/v1/blogs/storm/entries", content=b'{"body": "x"}', headers=admin_headers
    )
    assert_problem(no_type, 415)


@pytest.mark.usefixtures("unchanged")
def test_request_over_the_size_limit_is_413(
    client: TestClient, admin_headers: dict[str, str], app: Any
) -> None:
    limit = app.state.services.settings.max_request_bytes
    response = _post_entry(client, admin_headers, {"body": "x" * (limit + 10)})
    assert assert_problem(response, 413)["max_bytes"] == limit

    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(limit // 1024 + 2):
            yield b"y" * 1024
        yield b'"}'

    chunked = client.post(
        "/api/v1/blogs/storm/entries",
        content=chunks(),
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert_problem(chunked, 413)


@pytest.mark.usefixtures("unchanged")
def test_stale_or_missing_if_match(
    client: TestClient, admin_headers: dict[str, str], existing: dict[str, Any]
) -> None:
    url = f"/api/v1/blogs/storm/entries/{existing['id']}"
    for headers, status in (
        (admin_headers, 428),
        ({**admin_headers, "If-Match": ""}, 428),
        ({**admin_headers, "If-Match": f'"{existing["id"]}-7"'}, 412),
        ({**admin_headers, "If-Match": '"999-1"'}, 412),
        ({**admin_headers, "If-Match": "garbage"}, 412),
    ):
        assert_problem(client.patch(url, json={"body": "new"}, headers=headers), status)
        assert_problem(client.delete(url, headers=headers), status)


@pytest.mark.usefixtures("unchanged")
def test_bad_query_parameters(client: TestClient) -> None:
    key = client.app.state.services.cursor_key  # type: ignore[attr-defined]  # a real signature
    for query, field in (
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=abc", "limit"),
        ("order=sideways", "order"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("cursor=" + Cursor(datetime(2023, 1, 1, tzinfo=UTC), 2**63).encode(key), "cursor"),
    ):
        response = client.get(f"/api/v1/blogs/storm/entries?{query}")
        assert_problem(response, 422, field)


@pytest.mark.usefixtures("unchanged")
def test_non_numeric_entry_id_is_422(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/blogs/storm/entries/abc"), 422, "entry_id")
    huge = "/api/v1/blogs/storm/entries/99999999999999999999"
    assert_problem(client.get(huge), 422, "entry_id")


@pytest.mark.usefixtures("unchanged")
def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.put("/api/v1/blogs", json={}), 405)


HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
)


def test_html_and_script_in_every_text_field_never_execute(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Text fields are stored as typed and escaped on output; the body's Markdown is sanitised."""
    blog = new_blog(client, admin_headers, slug="hostile", summary=HOSTILE)
    assert blog["summary"] == HOSTILE
    patched = client.patch("/api/v1/blogs/hostile", json={"title": HOSTILE}, headers=admin_headers)
    assert patched.json()["title"] == HOSTILE
    entry = new_entry(
        client, admin_headers, slug="hostile", body=HOSTILE + "\n\n[y](javascript:alert(4)) ![i](data:image/png;base64,AAAA)",
        headline=HOSTILE, source=HOSTILE,
    )  # fmt: skip
    assert entry["headline"] == HOSTILE
    assert entry["source"] == HOSTILE
    assert_inert(entry["body_html"])
    assert "&lt;script&gt;" in entry["body_html"]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No element that runs script: no script/img/iframe, no on* handler, no script URLs."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "img", "iframe", "object", "embed", "style"), tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            lowered = (value or "").strip().lower()
            assert not lowered.startswith(("javascript:", "data:", "vbscript:")), value


PATCH_CASES = [c for c in ENTRY_CASES if c[0] != "missing body"] + [
    ("null body", {"body": None}, "body"),
    ("null pinned", {"pinned": None}, "pinned"),
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("case", "payload", "field"), PATCH_CASES, ids=[c[0] for c in PATCH_CASES])
def test_bad_entry_edit_is_rejected_with_a_field_error(
    client: TestClient,
    admin_headers: dict[str, str],
    existing: dict[str, Any],
    case: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    url = f"/api/v1/blogs/storm/entries/{existing['id']}"
    headers = {**admin_headers, "If-Match": f'"{existing["id"]}-1"'}
    assert_problem(client.patch(url, json=payload, headers=headers), 422, field)
