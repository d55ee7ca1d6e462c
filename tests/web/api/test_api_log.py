"""``GET /api/v1/blogs/{slug}/log``: the audit log, newest first, paged by signed cursor;
owners and admins only."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.models import User
from tests.conftest import FakeClock
from tests.web.desk.sessions import bearer, team

URL = "/api/v1/blogs/storm/log"


def test_owners_read_who_did_what(
    app: FastAPI, client: TestClient, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    clock.advance(minutes=1)
    entry = actions.create_entry(t.editor, "storm", body="The dam holds.", headline="Dam")
    clock.advance(minutes=1)
    actions.update_blog(t.owner, "storm", {"title": "Storm surge 2023"})
    reply = client.get(URL, headers=bearer(app, t.owner))
    assert reply.status_code == 200, reply.text
    items = reply.json()["items"]
    assert [r["action"] for r in items] == [
        "blog.updated",
        "entry.created",
        "member.removed",
        "member.added",
        "member.added",
        "member.added",
        "blog.created",
    ]
    assert reply.json()["next_cursor"] is None
    updated, created = items[0], items[1]
    assert updated["actor"] == {"id": t.owner.id, "name": "owner-storm"}
    assert updated["detail"]["title"] == "Storm surge 2023"
    assert created["entry_id"] == entry.id
    assert created["detail"]["entry"] == "Dam"
    assert created["actor"]["name"] == "editor-storm"
    assert created["created_at"] == "2023-10-12T03:16:00+00:00"
    assert items[-1]["actor"]["id"] == admin.id
    assert [r["id"] for r in items] == sorted((r["id"] for r in items), reverse=True)


def test_pages_follow_the_cursor(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    everything = client.get(URL, headers=headers).json()["items"]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, params=params, headers=headers).json()
        seen += [r["id"] for r in page["items"]]
        assert len(page["items"]) <= 2
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in everything]


def test_bad_paging_names_the_field(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    first = client.get(URL, params={"limit": "1"}, headers=headers).json()
    forged = first["next_cursor"][:-2] + ("AA" if not first["next_cursor"].endswith("AA") else "BB")
    for params, field in (
        ({"cursor": "nonsense"}, "cursor"),
        ({"cursor": forged}, "cursor"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
    ):
        reply = client.get(URL, params=params, headers=headers)
        assert reply.status_code == 422, params
        assert [e["field"] for e in reply.json()["errors"]] == [field]


def test_only_owners_and_admins_read_it(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    assert client.get(URL).status_code == 401
    for user, status in (
        (t.owner, 200),
        (admin, 200),
        (t.editor, 403),
        (t.contributor, 403),
        (t.outsider, 404),
    ):
        reply = client.get(URL, headers=bearer(app, user))
        assert reply.status_code == status, user.email
    missing = client.get("/api/v1/blogs/nowhere/log", headers=bearer(app, admin))
    assert missing.status_code == 404
