"""``POST .../entries`` with ``Idempotency-Key``: a repeated request posts once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.storage.database import Database
from tests.web.api.helpers import assert_problem, new_blog, snapshot

URL = "/api/v1/blogs/storm/entries"


def _post(client: TestClient, headers: dict[str, str], key: str | None, **fields: Any) -> Any:
    sent = {**headers, "Idempotency-Key": key} if key is not None else headers
    return client.post(URL, json={"body": "Water is rising.", **fields}, headers=sent)


def _entry_count(client: TestClient) -> int:
    return len(client.get(URL).json()["items"])


def test_the_same_key_twice_posts_one_entry_and_answers_the_same(
    client: TestClient, admin_headers: dict[str, str], db: Database
) -> None:
    new_blog(client, admin_headers)
    first = _post(client, admin_headers, "3f1c9a4e-key", headline="Dam", key_event=True)
    assert first.status_code == 201, first.text
    before = snapshot(db)
    again = _post(client, admin_headers, "3f1c9a4e-key", headline="Dam", key_event=True)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert snapshot(db) == before  # nothing written: no entry, no event
    assert _entry_count(client) == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(
    client: TestClient, admin_headers: dict[str, str], db: Database
) -> None:
    new_blog(client, admin_headers)
    assert _post(client, admin_headers, "k-1").status_code == 201
    before = snapshot(db)
    other = _post(client, admin_headers, "k-1", body="Another text.")
    assert_problem(other, 422, "Idempotency-Key")
    flagged = _post(client, admin_headers, "k-1", pinned=True)
    assert_problem(flagged, 422, "Idempotency-Key")
    assert snapshot(db) == before


def test_keys_are_per_user(
    client: TestClient,
    app: Any,
    admin: User,
    admin_headers: dict[str, str],
    editor: User,
    writer: Actions,
) -> None:
    new_blog(client, admin_headers)
    writer.add_member(admin, "storm", editor.email, "editor")
    _, token = writer.create_token(editor.email)
    editor_headers = {"Authorization": f"Bearer {token}"}
    mine = _post(client, admin_headers, "shared-key")
    theirs = _post(client, editor_headers, "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert _entry_count(client) == 2
    # Another user's key with another body is not a reuse either.
    assert _post(client, editor_headers, "admin-only", body="Mine.").status_code == 201
    assert _post(client, admin_headers, "admin-only", body="Yours.").status_code == 201


def test_without_a_key_every_post_is_new(client: TestClient, admin_headers: dict[str, str]) -> None:
    new_blog(client, admin_headers)
    assert _post(client, admin_headers, None).status_code == 201
    assert _post(client, admin_headers, None).status_code == 201
    assert _entry_count(client) == 2


def test_a_bad_key_is_422_naming_the_header(
    client: TestClient, admin_headers: dict[str, str], db: Database
) -> None:
    new_blog(client, admin_headers)
    before = snapshot(db)
    for bad in ["", "   ", "x" * 201, "tab\tkey"]:
        assert_problem(_post(client, admin_headers, bad), 422, "Idempotency-Key")
    raw = [(k.encode(), v.encode()) for k, v in admin_headers.items()]
    latin = client.post(
        URL,
        json={"body": "Water is rising."},
        headers=[*raw, (b"Idempotency-Key", "schlüssel".encode("latin-1"))],
    )
    assert_problem(latin, 422, "Idempotency-Key")
    assert snapshot(db) == before


def test_a_repeat_after_an_edit_answers_the_entry_as_it_is_now(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    first = _post(client, admin_headers, "k-edit").json()
    edited = client.patch(
        f"{URL}/{first['id']}",
        json={"body": "Water is falling."},
        headers={**admin_headers, "If-Match": f'"{first["id"]}-1"'},
    )
    assert edited.status_code == 200
    again = _post(client, admin_headers, "k-edit")
    assert again.status_code == 201
    assert again.json()["id"] == first["id"]
    assert again.json()["body"] == "Water is falling."
    assert again.headers["ETag"] == f'"{first["id"]}-2"'


def test_the_header_is_documented(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"][URL.replace("storm", "{slug}")][
        "post"
    ]
    names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    assert "Idempotency-Key" in names
