"""``GET .../entries/{id}/revisions`` and the edit fields ``correction`` and ``minor``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.storage.database import Database
from tests.conftest import FakeClock
from tests.web.api.helpers import assert_problem, new_blog, new_entry, snapshot


@pytest.fixture
def entry(client: TestClient, admin_headers: dict[str, str]) -> Any:
    new_blog(client, admin_headers)
    return new_entry(client, admin_headers, body="Der Pegel steigt.")


def patch(client: TestClient, headers: dict[str, str], entry_id: int, **changes: Any) -> Any:
    return client.patch(
        f"/api/v1/blogs/storm/entries/{entry_id}",
        json=changes,
        headers={**headers, "If-Match": "*"},
    )


def revisions(client: TestClient, headers: dict[str, str], entry_id: int) -> Any:
    return client.get(f"/api/v1/blogs/storm/entries/{entry_id}/revisions", headers=headers)


def test_edits_show_in_the_entry_and_its_history(
    client: TestClient, admin_headers: dict[str, str], entry: Any, clock: FakeClock
) -> None:
    clock.advance(minutes=5)
    minor = patch(client, admin_headers, entry["id"], body="Der Pegel steigt!", minor=True)
    assert minor.status_code == 200
    assert (minor.json()["edited_at"], minor.json()["revision"]) == (None, 2)
    clock.advance(minutes=5)
    note = "In einer früheren Fassung stand ein falscher Ort."
    corrected = patch(client, admin_headers, entry["id"], correction=note)
    assert corrected.status_code == 200
    body = corrected.json()
    assert body["correction"] == note
    assert body["edited_at"] == body["corrected_at"] == body["updated_at"]
    assert body["revision"] == 3
    # Readers get the same through the public read.
    public = client.get(f"/api/v1/blogs/storm/entries/{entry['id']}").json()
    assert (public["correction"], public["revision"]) == (note, 3)

    listed = revisions(client, admin_headers, entry["id"])
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(r["number"], r["minor"], r["correction"]) for r in items] == [
        (1, False, None),
        (2, True, None),
        (3, False, note),
    ]
    assert [r["body"] for r in items] == [
        "Der Pegel steigt.",
        "Der Pegel steigt!",
        "Der Pegel steigt!",
    ]
    assert items[0]["created_at"] == entry["published_at"]
    assert all(r["editor"]["name"] == "admin" for r in items)
    assert listed.headers["cache-control"] == "private, no-store"


def test_every_member_reads_the_history_and_nobody_else(
    client: TestClient,
    app: Any,
    admin_headers: dict[str, str],
    entry: Any,
    actions: Actions,
    admin: User,
) -> None:
    writer: Actions = app.state.services.actions
    contributor = writer.create_user("anna@example.org", "user", "correct horse battery")
    outsider = writer.create_user("ben@example.org", "user", "correct horse battery")
    writer.add_member(admin, "storm", contributor.email, "contributor")
    tokens = {u.email: writer.create_token(u.email)[1] for u in (contributor, outsider)}
    as_contributor = {"Authorization": f"Bearer {tokens[contributor.email]}"}
    as_outsider = {"Authorization": f"Bearer {tokens[outsider.email]}"}
    assert revisions(client, as_contributor, entry["id"]).status_code == 200
    assert_problem(revisions(client, as_outsider, entry["id"]), 404)
    assert_problem(revisions(client, {}, entry["id"]), 401)
    assert_problem(revisions(client, admin_headers, entry["id"] + 100), 404)


def test_a_deleted_entry_keeps_its_history(
    client: TestClient, admin_headers: dict[str, str], entry: Any
) -> None:
    patch(client, admin_headers, entry["id"], body="Der Pegel fällt.")
    gone = client.delete(
        f"/api/v1/blogs/storm/entries/{entry['id']}", headers={**admin_headers, "If-Match": "*"}
    )
    assert gone.status_code == 204
    items = revisions(client, admin_headers, entry["id"]).json()["items"]
    assert [r["body"] for r in items] == ["Der Pegel steigt.", "Der Pegel fällt."]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"correction": "x" * 501}, "correction"),
        ({"correction": "eins\nzwei"}, "correction"),
        ({"correction": 7}, "correction"),
        ({"correction": "Falscher Ort.", "minor": True}, "minor"),
        ({"body": "Neu.", "minor": None}, "minor"),
        ({"body": "Neu.", "minor": "yes"}, "minor"),
    ],
)
def test_bad_edit_fields_are_422_and_change_nothing(
    client: TestClient,
    admin_headers: dict[str, str],
    entry: Any,
    db: Database,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = snapshot(db)
    assert_problem(patch(client, admin_headers, entry["id"], **changes), 422, field)
    assert snapshot(db) == before
