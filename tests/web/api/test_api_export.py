"""``GET /api/v1/blogs/{slug}/export``: the blog's export document, the same bytes as
``liveblog export``, for its owners and admins only, as a download no cache keeps."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.export import encode
from liveblog.domain.models import User
from liveblog.storage import export as export_rows
from liveblog.storage.database import Database
from tests.conftest import FakeClock
from tests.web.desk.sessions import bearer, team

URL = "/api/v1/blogs/storm/export"


def test_owners_and_admins_download_the_document(
    app: FastAPI, client: TestClient, admin: User, db: Database, clock: FakeClock
) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    actions.create_entry(t.editor, "storm", body="The dam holds.")
    actions.create_entry(t.contributor, "storm", body="A draft.")
    clock.advance(minutes=5)
    with db.read() as conn:
        document = export_rows.document(conn, "storm", exported_at=clock.now)
    assert document is not None
    for user in (t.owner, admin):
        reply = client.get(URL, headers=bearer(app, user))
        assert reply.status_code == 200, reply.text
        assert reply.content == encode(document)
        assert reply.headers["content-type"] == "application/json"
        assert reply.headers["cache-control"] == "private, no-store"
        assert reply.headers["content-disposition"] == (
            'attachment; filename="storm.liveblog.json"'
        )
    body = json.loads(reply.content)
    assert [e["status"] for e in body["entries"]] == ["published", "draft"]
    assert {u["email"] for u in body["users"]} >= {t.owner.email, t.contributor.email}


def test_others_learn_nothing(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    for user, status in ((t.editor, 403), (t.contributor, 403), (t.outsider, 404)):
        reply = client.get(URL, headers=bearer(app, user))
        assert reply.status_code == status, (user.email, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert "entries" not in reply.text
    anonymous = client.get(URL)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_blog_is_404(
    app: FastAPI, client: TestClient, admin: User, admin_headers: dict[str, str]
) -> None:
    reply = client.get("/api/v1/blogs/nothing/export", headers=admin_headers)
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")
