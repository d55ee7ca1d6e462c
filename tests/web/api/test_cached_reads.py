"""The entries API's cached reads: one version query per request, read-your-writes, the same
answers as before the cache (bytes, ETags, 304, problems)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from liveblog.actions import ANY_VERSION, Actions
from liveblog.domain.models import User
from liveblog.web.api.cached_reads import CachedEntryReads
from liveblog.web.api.schemas import EntryPage
from liveblog.web.page_cache import PageCache
from tests.conftest import Statements, application_not_entered
from tests.web.api.helpers import assert_problem, new_blog, new_entry

LIST = "/api/v1/blogs/storm/entries"


@pytest.fixture
def blog(client: TestClient, admin_headers: dict[str, str]) -> str:
    new_blog(client, admin_headers)
    for i in range(5):
        new_entry(client, admin_headers, body=f"Entry {i}", key_event=i % 2 == 0)
    return "storm"


def pages_of(app: FastAPI) -> PageCache:
    pages = app.state.services.pages
    assert isinstance(pages, PageCache)
    return pages


def entry_reads(statements: Statements) -> list[str]:
    return [s for s in statements.selects() if "FROM entries" in s]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"limit": 2},
        {"order": "oldest"},
        {"key_events": "true"},
        {"order": "oldest", "key_events": "true", "limit": 1},
    ],
)
def test_a_cache_hit_is_one_version_query_and_no_entry_query(
    app: FastAPI, client: TestClient, blog: str, statements: Statements, query: dict[str, Any]
) -> None:
    first = client.get(LIST, params=query)
    assert first.status_code == 200
    queries = pages_of(app).versions.queries
    statements.clear()
    again = client.get(LIST, params=query)
    assert again.content == first.content
    assert pages_of(app).versions.queries == queries + 1
    assert entry_reads(statements) == []
    # SQLite asks on a connection of its own (see version_checks); PostgreSQL through the pool.
    assert all("FROM blogs" in s for s in statements.selects())
    assert len(statements.selects()) <= 1


def test_an_entry_hit_is_one_version_query_and_no_entry_query(
    app: FastAPI, client: TestClient, blog: str, statements: Statements
) -> None:
    first = client.get(f"{LIST}/1")
    assert first.headers["etag"] == '"1-1"'
    assert first.headers["cache-control"] == "no-cache"
    queries = pages_of(app).versions.queries
    statements.clear()
    again = client.get(f"{LIST}/1")
    assert again.content == first.content
    assert again.headers["etag"] == '"1-1"'
    assert pages_of(app).versions.queries == queries + 1
    assert entry_reads(statements) == []


def test_bytes_are_what_the_response_model_gives(client: TestClient, blog: str) -> None:
    response = client.get(LIST, params={"limit": 3})
    assert response.headers["content-type"] == "application/json"
    modelled = EntryPage.model_validate(response.json()).model_dump(mode="json")
    expected = json.dumps(modelled, ensure_ascii=False, separators=(",", ":")).encode()
    assert response.content == expected


def test_the_list_revalidates_with_its_etag(client: TestClient, blog: str) -> None:
    first = client.get(LIST)
    tag = first.headers["etag"]
    again = client.get(LIST, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["etag"] == tag
    assert again.content == b""


def test_writes_through_the_app_are_read_at_once(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    before = client.get(LIST)
    single = client.get(f"{LIST}/5")
    posted = new_entry(client, admin_headers, body="Breaking")
    after = client.get(LIST, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["items"][0]["id"] == posted["id"]
    edited = client.patch(
        f"{LIST}/5", json={"body": "Edited"}, headers={**admin_headers, "If-Match": '"5-1"'}
    )
    assert edited.status_code == 200
    now = client.get(f"{LIST}/5", headers={"If-None-Match": single.headers["etag"]})
    assert now.status_code == 200
    assert now.headers["etag"] == '"5-2"'
    assert now.json()["body"] == "Edited"
    assert client.delete(f"{LIST}/5", headers={**admin_headers, "If-Match": "*"}).status_code == 204
    assert_problem(client.get(f"{LIST}/5"), 410)
    assert 5 not in [e["id"] for e in client.get(LIST).json()["items"]]


def test_writes_of_another_process_are_read_on_the_next_request(
    client: TestClient, blog: str, actions: Actions, admin: User
) -> None:
    """``actions`` is not the app's: its commits reach no listener of this app, as another
    process's would not. There is no window in which the old answer is served."""
    client.get(LIST)
    client.get(f"{LIST}/2")
    entry = actions.create_entry(admin, "storm", body="From elsewhere")
    assert client.get(LIST).json()["items"][0]["id"] == entry.id
    actions.update_entry(admin, "storm", 2, {"body": "Changed elsewhere"}, if_match=ANY_VERSION)
    assert client.get(f"{LIST}/2").json()["body"] == "Changed elsewhere"
    actions.delete_entry(admin, "storm", 2, if_match=ANY_VERSION)
    assert_problem(client.get(f"{LIST}/2"), 410)
    assert 2 not in [e["id"] for e in client.get(LIST).json()["items"]]


def test_cursor_pages_are_cached_and_stay_signed(client: TestClient, blog: str) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(2):  # walk twice: the second walk is served from the cache
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = client.get(LIST, params=params).json()
            seen += [e["id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == [5, 4, 3, 2, 1]
    first = client.get(LIST, params={"limit": 2}).json()["next_cursor"]
    position, signature = first.split(".")
    response = client.get(LIST, params={"cursor": f"{position}.{signature[::-1]}"})
    assert_problem(response, 422, "cursor")


def test_problems_are_unchanged(client: TestClient, blog: str) -> None:
    assert_problem(client.get("/api/v1/blogs/nope/entries"), 404)
    assert_problem(client.get("/api/v1/blogs/nope/entries/1"), 404)
    assert_problem(client.get(f"{LIST}/99"), 404)
    assert_problem(client.get(LIST, params={"limit": 10_000}), 422, "limit")
    assert_problem(client.get(LIST, params={"order": "sideways"}), 422, "order")


def test_the_cache_keeps_to_its_bounds(app: FastAPI, client: TestClient, blog: str) -> None:
    pages = pages_of(app)
    for limit in range(1, 40):
        assert client.get(LIST, params={"limit": limit}).status_code == 200
    assert len(pages) <= app.state.services.settings.page_cache_size
    assert pages.size_in_bytes <= app.state.services.settings.page_cache_bytes


# -- before the application ----------------------------------------------------------------------


@pytest.fixture
def front(app: FastAPI) -> Iterator[TestClient]:
    """The app behind :class:`CachedEntryReads`, as ``create_app`` puts it."""
    reads = CachedEntryReads(app.state.services)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not await reads.answer(scope, receive, send):
            await app(scope, receive, send)

    # Not entered: the ``client`` fixture runs the app's lifespan already.
    test_client = TestClient(wrapped, raise_server_exceptions=False)
    yield test_client
    test_client.close()


def test_canonical_reads_never_enter_the_application(
    app: FastAPI, blog: str, front: TestClient, actions: Actions, admin: User
) -> None:
    routed = {path: front.get(path) for path in (LIST, f"{LIST}?limit=2&order=oldest", f"{LIST}/3")}
    with application_not_entered(app):
        for path, answer in routed.items():
            cached = front.get(path)
            assert (cached.status_code, cached.content) == (200, answer.content)
            assert cached.headers["etag"] == answer.headers["etag"]
            tag = {"If-None-Match": answer.headers["etag"]}
            assert front.get(path, headers=tag).status_code == 304
        actions.create_entry(admin, "storm", body="Seen at once")
        assert front.get(LIST).json()["items"][0]["body"] == "Seen at once"
    # Everything else is the application's: problems, bad cursors, unknown parameters.
    assert_problem(front.get("/api/v1/blogs/nope/entries"), 404)
    assert_problem(front.get(f"{LIST}?cursor=forged.cursor"), 422, "cursor")
    assert front.get(f"{LIST}?limit=2&extra=1").status_code == 200
