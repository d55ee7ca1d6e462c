"""The API's ``unverified`` field: posted (false by default), answered, edited with If-Match
(an edit kept in the history), and anything but a boolean refused with a field-level 422 and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.storage.database import Database
from tests.web.api.helpers import assert_problem, new_blog, new_entry, snapshot

ENTRIES = "/api/v1/blogs/storm/entries"


@pytest.fixture
def blog(client: TestClient, admin_headers: dict[str, str]) -> str:
    new_blog(client, admin_headers)
    return "storm"


def test_entries_are_verified_by_default_and_flagged_on_request(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    plain = new_entry(client, admin_headers)
    flagged = new_entry(client, admin_headers, body="Angeblich.", unverified=True)

    assert (plain["unverified"], flagged["unverified"]) == (False, True)
    read = client.get(f"{ENTRIES}/{flagged['id']}")
    assert read.json()["unverified"] is True
    listed = {e["id"]: e["unverified"] for e in client.get(ENTRIES).json()["items"]}
    assert listed == {plain["id"]: False, flagged["id"]: True}


def test_an_edit_sets_and_clears_the_flag_and_the_history_keeps_it(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    entry = new_entry(client, admin_headers)
    url = f"{ENTRIES}/{entry['id']}"

    marked = client.patch(
        url, json={"unverified": True}, headers={**admin_headers, "If-Match": '"1-1"'}
    )
    assert marked.status_code == 200, marked.text
    assert (marked.json()["unverified"], marked.headers["ETag"]) == (True, f'"{entry["id"]}-2"')
    cleared = client.patch(
        url, json={"unverified": False}, headers={**admin_headers, "If-Match": "*"}
    )
    assert cleared.json()["unverified"] is False

    history = client.get(f"{url}/revisions", headers=admin_headers).json()["items"]
    assert [(r["number"], r["unverified"]) for r in history] == [(1, False), (2, True), (3, False)]


BAD_POSTS: list[tuple[str, Any]] = [
    ("a string", "true"),
    ("a number", 1),
    ("null", None),
    ("a list", [True]),
]


@pytest.mark.parametrize(("name", "value"), BAD_POSTS, ids=[n for n, _ in BAD_POSTS])
def test_a_post_with_a_flag_that_is_no_boolean_is_refused(
    client: TestClient,
    admin_headers: dict[str, str],
    blog: str,
    db: Database,
    name: str,
    value: Any,
) -> None:
    before = snapshot(db)
    response = client.post(
        ENTRIES, json={"body": "Text.", "unverified": value}, headers=admin_headers
    )
    assert_problem(response, 422, "unverified")
    assert snapshot(db) == before


@pytest.mark.parametrize(("name", "value"), BAD_POSTS, ids=[n for n, _ in BAD_POSTS])
def test_an_edit_with_a_flag_that_is_no_boolean_is_refused(
    client: TestClient,
    admin_headers: dict[str, str],
    blog: str,
    db: Database,
    name: str,
    value: Any,
) -> None:
    entry = new_entry(client, admin_headers)
    before = snapshot(db)
    response = client.patch(
        f"{ENTRIES}/{entry['id']}",
        json={"unverified": value},
        headers={**admin_headers, "If-Match": "*"},
    )
    assert_problem(response, 422, "unverified")
    assert snapshot(db) == before


def test_the_openapi_document_describes_the_field(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("EntryCreate", "EntryPatch", "EntryOut", "RevisionOut"):
        assert "unverified" in schemas[name]["properties"], name
    assert schemas["EntryCreate"]["properties"]["unverified"]["default"] is False
