"""``/api/v1/blogs/{slug}/entries``: post, list, read, edit, delete."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.domain.pagination import Cursor, cursor_key
from liveblog.storage.database import Database
from liveblog.web.app import create_app
from tests.conftest import FakeClock
from tests.web.api.helpers import assert_problem, new_blog, new_entry, snapshot


@pytest.fixture
def blog(client: TestClient, admin_headers: dict[str, str]) -> str:
    new_blog(client, admin_headers)
    return "storm"


def test_post_returns_the_entry_with_rendered_html_and_etag(
    client: TestClient, admin_headers: dict[str, str], blog: str, clock: FakeClock
) -> None:
    response = client.post(
        f"/api/v1/blogs/{blog}/entries",
        json={
            "body": "Dikes **hold** in [Nordhafen](https://example.org/n).",
            "headline": "Dikes hold",
            "key_event": True,
            "source": "according to the fire brigade",
        },
        headers=admin_headers,
    )
    assert response.status_code == 201
    entry = response.json()
    assert set(entry) == {
        "id", "version", "headline", "body", "body_html", "key_event", "pinned", "unverified",
        "source", "published_at", "updated_at", "edited_at", "correction", "corrected_at",
        "revision", "status", "publish_at", "authors",
    }  # fmt: skip
    assert (entry["status"], entry["publish_at"]) == ("published", None)
    assert (entry["edited_at"], entry["correction"], entry["revision"]) == (None, None, 1)
    assert entry["version"] == 1
    assert entry["body_html"] == (
        '<p>Dikes <strong>hold</strong> in <a href="https://example.org/n" '
        'rel="noopener noreferrer">Nordhafen</a>.</p>'
    )
    assert entry["published_at"] == "2023-10-12T03:15:00+00:00"
    assert entry["updated_at"] == entry["published_at"]
    assert response.headers["etag"] == f'"{entry["id"]}-1"'
    assert response.headers["location"] == f"/api/v1/blogs/{blog}/entries/{entry['id']}"


def test_past_published_at_is_kept_with_its_instant(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    entry = new_entry(client, admin_headers, published_at="2023-10-11T23:30:00+02:00")
    assert entry["published_at"] == "2023-10-11T21:30:00+00:00"
    assert entry["updated_at"] == entry["published_at"]


def test_edit_bumps_version_and_updated_at_and_needs_if_match(
    client: TestClient, admin_headers: dict[str, str], blog: str, clock: FakeClock
) -> None:
    entry = new_entry(client, admin_headers)
    url = f"/api/v1/blogs/{blog}/entries/{entry['id']}"
    tag = client.get(url).headers["etag"]
    clock.advance(minutes=5)
    edited = client.patch(
        url,
        json={"body": "Water is falling.", "headline": None},
        headers={**admin_headers, "If-Match": tag},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["version"] == 2
    assert body["body_html"] == "<p>Water is falling.</p>"
    assert body["updated_at"] == "2023-10-12T03:20:00+00:00"
    assert body["published_at"] == entry["published_at"]
    assert edited.headers["etag"] == f'"{entry["id"]}-2"'

    stale = client.patch(url, json={"body": "x"}, headers={**admin_headers, "If-Match": tag})
    problem = assert_problem(stale, 412)
    assert problem["current_version"] == 2
    assert_problem(client.patch(url, json={"body": "x"}, headers=admin_headers), 428)
    assert client.get(url).json()["body"] == "Water is falling."


def test_get_supports_if_none_match(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    entry = new_entry(client, admin_headers)
    url = f"/api/v1/blogs/{blog}/entries/{entry['id']}"
    tag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304


def test_delete_leaves_a_tombstone(
    client: TestClient, admin_headers: dict[str, str], blog: str, db: Database
) -> None:
    keep = new_entry(client, admin_headers, body="stays")
    gone = new_entry(client, admin_headers, body="goes")
    url = f"/api/v1/blogs/{blog}/entries/{gone['id']}"
    assert_problem(client.delete(url, headers=admin_headers), 428)
    assert_problem(client.delete(url, headers={**admin_headers, "If-Match": '"1-9"'}), 412)
    deleted = client.delete(url, headers={**admin_headers, "If-Match": f'"{gone["id"]}-1"'})
    assert deleted.status_code == 204
    assert_problem(client.get(url), 410)
    listed = client.get(f"/api/v1/blogs/{blog}/entries").json()["items"]
    assert [e["id"] for e in listed] == [keep["id"]]
    rows = snapshot(db)["entries"]
    assert len(rows) == 2  # the row stays as a tombstone


def test_keyset_pagination_walks_every_entry_once(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    base = datetime(2023, 10, 11, 12, 0, tzinfo=UTC)
    ids = []
    for i in range(7):
        when = base + timedelta(minutes=10 * (i // 2))  # pairs share a timestamp
        ids.append(
            new_entry(client, admin_headers, body=f"n{i}", published_at=when.isoformat())["id"]
        )
    for order, expected in (("newest", ids[::-1]), ("oldest", ids)):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 3, "order": order}
            if cursor:
                params["cursor"] = cursor
            page = client.get(f"/api/v1/blogs/{blog}/entries", params=params).json()
            seen += [e["id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        # Entries with equal published_at come in id order (oldest) or reverse (newest).
        assert seen == expected, order


def first_cursor(client: TestClient, admin_headers: dict[str, str], blog: str) -> str:
    for i in range(3):
        new_entry(client, admin_headers, body=f"n{i}")
    page = client.get(f"/api/v1/blogs/{blog}/entries", params={"limit": 1}).json()
    cursor: str = page["next_cursor"]
    return cursor


def test_a_cursor_the_server_did_not_make_is_422(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    given = first_cursor(client, admin_headers, blog)
    position, signature = given.split(".")
    made_up = Cursor(datetime(2023, 10, 12, tzinfo=UTC), 1)
    forged = [
        position,  # unsigned, as cursors were before
        made_up.position,  # a made-up position, unsigned
        made_up.encode(cursor_key("a guess")),
        f"{made_up.encode(cursor_key('a guess')).split('.')[0]}.{signature}",  # another position under this signature
        f"{position}.{signature[::-1]}",
        given + "A",
    ]
    for cursor in forged:
        response = client.get(f"/api/v1/blogs/{blog}/entries", params={"cursor": cursor})
        assert_problem(response, 422, "cursor")
    assert client.get(f"/api/v1/blogs/{blog}/entries", params={"cursor": given}).status_code == 200


def test_cursors_are_good_in_every_process_of_one_database(
    client: TestClient, admin_headers: dict[str, str], blog: str, db: Database, settings: Settings
) -> None:
    """The secret is the database's, so another server process takes this one's cursors."""
    given = first_cursor(client, admin_headers, blog)
    with TestClient(create_app(settings, db=db, migrate=False)) as other:
        response = other.get(f"/api/v1/blogs/{blog}/entries", params={"cursor": given})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


def test_the_secret_key_setting_replaces_the_stored_secret(
    client: TestClient, admin_headers: dict[str, str], blog: str, db: Database, settings: Settings
) -> None:
    stored = first_cursor(client, admin_headers, blog)
    configured = replace(settings, secret_key="configured secret")
    position = Cursor.decode(stored, client.app.state.services.cursor_key)  # type: ignore[attr-defined]
    with TestClient(create_app(configured, db=db, migrate=False)) as other:
        url = f"/api/v1/blogs/{blog}/entries"
        assert_problem(other.get(url, params={"cursor": stored}), 422, "cursor")
        own = position.encode(cursor_key("configured secret"))
        assert other.get(url, params={"cursor": own}).status_code == 200
        assert other.get(url, params={"limit": 1}).json()["next_cursor"] == own


def test_key_events_filter(client: TestClient, admin_headers: dict[str, str], blog: str) -> None:
    new_entry(client, admin_headers, body="plain")
    key = new_entry(client, admin_headers, body="big", headline="Big news", key_event=True)
    items = client.get(f"/api/v1/blogs/{blog}/entries?key_events=true").json()["items"]
    assert [e["id"] for e in items] == [key["id"]]


def test_pin_and_unpin_events_and_single_pinned_entry(
    client: TestClient, admin_headers: dict[str, str], blog: str
) -> None:
    first = new_entry(client, admin_headers, pinned=True)
    second = new_entry(client, admin_headers)
    url = f"/api/v1/blogs/{blog}/entries/{second['id']}"
    pinned = client.patch(
        url, json={"pinned": True}, headers={**admin_headers, "If-Match": f'"{second["id"]}-1"'}
    )
    assert pinned.json()["pinned"] is True
    first_now = client.get(f"/api/v1/blogs/{blog}/entries/{first['id']}").json()
    assert first_now["pinned"] is False
    assert first_now["version"] == 2


def test_entry_of_another_blog_is_404(
    client: TestClient, admin_headers: dict[str, str], blog: str, db: Database
) -> None:
    new_blog(client, admin_headers, slug="other")
    foreign = new_entry(client, admin_headers, slug="other", body="secret draft")
    url = f"/api/v1/blogs/{blog}/entries/{foreign['id']}"
    before = snapshot(db)
    for response in (
        client.get(url),
        client.patch(
            url, json={"body": "x"}, headers={**admin_headers, "If-Match": f'"{foreign["id"]}-1"'}
        ),
        client.delete(url, headers={**admin_headers, "If-Match": f'"{foreign["id"]}-1"'}),
    ):
        problem = assert_problem(response, 404)
        assert "secret" not in response.text
        assert problem["detail"]
    assert snapshot(db) == before


def test_editor_can_write_entries(
    client: TestClient,
    admin_headers: dict[str, str],
    editor_headers: dict[str, str],
    blog: str,
    writer: Actions,
    admin: User,
    editor: User,
) -> None:
    outsider = client.post(
        f"/api/v1/blogs/{blog}/entries", json={"body": "x"}, headers=editor_headers
    )
    assert_problem(outsider, 403)  # the blog is public; writing it needs a role there
    writer.add_member(admin, blog, editor.email, "editor")
    entry = new_entry(client, editor_headers)
    assert entry["version"] == 1
