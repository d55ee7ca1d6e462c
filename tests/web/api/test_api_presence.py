"""``PUT /api/v1/blogs/{slug}/presence``: a desk page marks the entry it edits (or clears the
mark). Members only (404 for others, 401 anonymous); the entry must be one of the blog's (422
naming ``editing``), the client a valid id (422 naming ``client``); with the session cookie it
needs the CSRF token. Nothing of the blog changes: no event, no audit record."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain import presence
from liveblog.domain.models import User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import presence as presence_rows
from liveblog.storage.tables import audit_log, events
from tests.conftest import FakeClock
from tests.web.api.helpers import (
    assert_problem,
    member_headers,
    new_blog,
    new_entry,
    snapshot,
)
from tests.web.desk.sessions import ORIGIN, log_in

PRESENCE = "/api/v1/blogs/storm/presence"
PAGE = "desk-page-0123456789"


@pytest.fixture
def people(
    client: TestClient, writer: Actions, admin: User, admin_headers: dict[str, str]
) -> dict[str, dict[str, str]]:
    new_blog(client, admin_headers)
    return {
        "admin": admin_headers,
        **member_headers(writer, admin, {"eva": "editor", "cora": "contributor"}),
    }


def marks(writer: Actions, clock: FakeClock) -> list[tuple[str, int | None]]:
    with writer.db.read() as conn:
        blog = blog_rows.by_slug(conn, "storm")
        assert blog is not None
        found = presence_rows.signs(conn, blog.id, clock.now - presence.TTL)
    return [(s.name, s.entry_id) for s in found]


def test_members_mark_and_clear_what_they_edit(
    client: TestClient,
    writer: Actions,
    clock: FakeClock,
    people: dict[str, dict[str, str]],
) -> None:
    entry = new_entry(client, people["admin"])
    for who in ("eva", "cora", "admin"):
        put = client.put(
            PRESENCE, json={"client": PAGE, "editing": entry["id"]}, headers=people[who]
        )
        assert put.status_code == 204, put.text
        assert put.content == b""
    assert sorted(marks(writer, clock)) == [
        ("admin", entry["id"]),
        ("cora", entry["id"]),
        ("eva", entry["id"]),
    ]
    cleared = client.put(PRESENCE, json={"client": PAGE, "editing": None}, headers=people["eva"])
    assert cleared.status_code == 204
    assert ("eva", None) in marks(writer, clock)


def test_nothing_of_the_blog_changes(
    client: TestClient, writer: Actions, people: dict[str, dict[str, str]]
) -> None:
    entry = new_entry(client, people["admin"])
    before = snapshot(writer.db)
    client.put(PRESENCE, json={"client": PAGE, "editing": entry["id"]}, headers=people["eva"])
    after = snapshot(writer.db)
    assert after["events"] == before["events"]
    assert after["entries"] == before["entries"]
    for table in (audit_log.name, events.name):
        assert after["counts"][table] == before["counts"][table]


def test_outsiders_get_404_and_anonymous_callers_401(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    entry = new_entry(client, people["admin"])
    body = {"client": PAGE, "editing": entry["id"]}
    assert_problem(client.put(PRESENCE, json=body, headers=people["otto"]), 404)
    assert_problem(client.put(PRESENCE, json=body), 401)
    nowhere = "/api/v1/blogs/nowhere/presence"
    assert_problem(client.put(nowhere, json=body, headers=people["eva"]), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client": PAGE, "editing": 999_999}, "editing"),
        ({"client": PAGE, "editing": 0}, "editing"),
        ({"client": PAGE, "editing": 2**63}, "editing"),
        ({"client": PAGE, "editing": "1"}, "editing"),
        ({"client": PAGE, "editing": True}, "editing"),
        ({"client": PAGE}, "editing"),
        ({"client": "short", "editing": None}, "client"),
        ({"client": "x" * 65, "editing": None}, "client"),
        ({"client": "with space 0000000000", "editing": None}, "client"),
        ({"client": 12345678901234567, "editing": None}, "client"),
        ({"editing": None}, "client"),
        ({"client": PAGE, "editing": None, "extra": 1}, "extra"),
    ],
)
def test_bad_input_names_its_field(
    client: TestClient, people: dict[str, dict[str, str]], body: dict[str, Any], field: str
) -> None:
    assert_problem(client.put(PRESENCE, json=body, headers=people["eva"]), 422, field)


def test_an_entry_of_another_blog_or_a_deleted_one_is_no_mark(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    new_blog(client, people["admin"], slug="other")
    elsewhere = new_entry(client, people["admin"], slug="other")
    gone = new_entry(client, people["admin"])
    deleted = client.delete(
        f"/api/v1/blogs/storm/entries/{gone['id']}",
        headers={**people["admin"], "If-Match": "*"},
    )
    assert deleted.status_code == 204
    for entry_id in (elsewhere["id"], gone["id"]):
        body = {"client": PAGE, "editing": entry_id}
        assert_problem(client.put(PRESENCE, json=body, headers=people["eva"]), 422, "editing")


def test_the_desk_page_marks_with_its_session_and_csrf_token(
    app: FastAPI, client: TestClient, writer: Actions, admin: User, admin_headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    entry = new_entry(client, admin_headers)
    desk = log_in(app, admin.email)
    body = {"client": PAGE, "editing": entry["id"]}
    assert desk.api("PUT", PRESENCE, json=body).status_code == 204
    forged = desk.client.put(PRESENCE, json=body, headers={"Origin": ORIGIN})
    assert_problem(forged, 403)
    other_site = desk.client.put(
        PRESENCE,
        json=body,
        headers={"Origin": "https://evil.example", "X-CSRF-Token": desk.csrf_token},
    )
    assert_problem(other_site, 403)
