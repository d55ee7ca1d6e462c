"""The entry POST's fast route (``web.api.fast_post``) answers exactly as the FastAPI route it
stands in front of: the same problems for every kind of bad input, the same 201, and the FastAPI
route stays in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.web.api.fast_post import FastCreateEntry
from tests.web.api.helpers import new_blog

PATH = "/api/v1/blogs/storm/entries"
JSON = {"Content-Type": "application/json"}


class Counted:
    """Counts the requests the fast route answered itself (not declined)."""

    def __init__(self, route: FastCreateEntry) -> None:
        self.answered = 0
        self.declined = 0
        handle, decline = route.handle, route._decline

        async def counting_decline(*args: Any) -> None:
            self.declined += 1
            await decline(*args)

        async def counting_handle(*args: Any) -> None:
            self.answered += 1
            await handle(*args)

        route._decline = counting_decline  # type: ignore[method-assign,assignment]
        route.handle = counting_handle  # type: ignore[method-assign,assignment]


def fast_route(app: FastAPI) -> FastCreateEntry:
    found = [r for r in app.router.routes if isinstance(r, FastCreateEntry)]
    assert len(found) == 1, "create_app must install the fast entry POST (fast_post.install)"
    return found[0]


@contextmanager
def without_fast_route(app: FastAPI) -> Iterator[None]:
    route = fast_route(app)
    app.router.routes.remove(route)
    try:
        yield
    finally:
        app.router.routes.insert(0, route)


def answer(response: Any) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, headers, body


BAD: list[tuple[str, dict[str, Any]]] = [
    ("invalid JSON", {"content": b'{"body": ', "headers": JSON}),
    ("empty body", {"content": b"", "headers": JSON}),
    ("an array", {"json": [{"body": "x"}]}),
    ("no fields", {"json": {}}),
    ("body not a string", {"json": {"body": 1}}),
    ("unknown field", {"json": {"body": "x", "colour": "red"}}),
    ("flag not a bool", {"json": {"body": "x", "key_event": "yes"}}),
    ("naive time", {"json": {"body": "x", "published_at": "2023-10-12T05:15:00"}}),
    ("future time", {"json": {"body": "x", "published_at": "2999-01-01T00:00:00Z"}}),
    ("blank body", {"json": {"body": "   "}}),
    ("too long", {"json": {"body": "x" * 100_001}}),
    ("bad idempotency key", {"json": {"body": "x"}, "headers": {"Idempotency-Key": "k" * 201}}),
    ("unknown blog", {"json": {"body": "x"}, "path": "/api/v1/blogs/nope/entries"}),
    ("bad slug", {"json": {"body": "x"}, "path": "/api/v1/blogs/NOPE!/entries"}),
]


@pytest.mark.parametrize(("case", "request_"), BAD, ids=[c for c, _ in BAD])
def test_bad_input_gets_the_fastapi_routes_answer(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    case: str,
    request_: dict[str, Any],
) -> None:
    new_blog(client, admin_headers)
    request_ = dict(request_)  # the cases are shared by the parameters
    path = request_.pop("path", PATH)
    headers = {**admin_headers, **request_.pop("headers", {})}
    fast = answer(client.post(path, headers=headers, **request_))
    with without_fast_route(app):
        slow = answer(client.post(path, headers=headers, **request_))
    assert fast == slow
    assert 400 <= fast[0] < 500


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YTpi"}],
    ids=["none", "unknown token", "basic"],
)
def test_authentication_problems_are_the_same(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    for payload in ({"body": "x"}, {"body": 1}):
        fast = answer(client.post(PATH, json=payload, headers=headers))
        with without_fast_route(app):
            slow = answer(client.post(PATH, json=payload, headers=headers))
        assert fast == slow
        assert fast[0] in (401, 422)


def test_a_post_is_answered_by_the_fast_route_as_by_fastapi(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Same key, same fields: the second request (through FastAPI) answers with the entry the
    first (through the fast route) posted, and the two answers are the same bytes."""
    new_blog(client, admin_headers)
    counted = Counted(fast_route(app))
    headers = {**admin_headers, "Idempotency-Key": "k-1"}
    payload = {"body": "*Water* is rising.", "headline": "Flood", "key_event": True}
    first = client.post(PATH, json=payload, headers=headers)
    assert (counted.answered, counted.declined) == (1, 0)
    with without_fast_route(app):
        again = client.post(PATH, json=payload, headers=headers)
    assert first.status_code == 201
    assert answer(first) == answer(again)
    assert first.headers["location"] == f"{PATH}/{first.json()['id']}"


def test_desk_sessions_and_bad_input_go_to_the_fastapi_route(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    counted = Counted(fast_route(app))
    client.post(PATH, json={"body": "x"}, headers={"Cookie": "session=x"})
    client.post(PATH, json={"body": 1}, headers=admin_headers)
    assert counted.declined == 2


def test_the_openapi_document_still_has_the_post(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/blogs/{slug}/entries"][
        "post"
    ]
    assert operation["responses"]["201"]
    assert "requestBody" in operation
