"""Small helpers for API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.storage.tables import metadata


def snapshot(db: Database) -> dict[str, Any]:
    """Row counts of every table plus the full event log: equal snapshots mean nothing changed."""
    with db.read() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }
        log = conn.execute(select(metadata.tables["events"])).all()
        blogs = conn.execute(select(metadata.tables["blogs"])).all()
        entries = conn.execute(select(metadata.tables["entries"])).all()
    return {"counts": counts, "events": log, "blogs": blogs, "entries": entries}


def new_blog(client: TestClient, headers: dict[str, str], slug: str = "storm", **extra: Any) -> Any:
    response = client.post(
        "/api/v1/blogs", json={"slug": slug, "title": "Storm surge", **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def new_entry(
    client: TestClient, headers: dict[str, str], slug: str = "storm", **fields: Any
) -> Any:
    response = client.post(
        f"/api/v1/blogs/{slug}/entries",
        json={"body": "Water is rising.", **fields},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert all(e["detail"] for e in body["errors"])
    return body


def member_headers(
    writer: Actions, admin: User, roles: dict[str, str], slug: str = "storm"
) -> dict[str, dict[str, str]]:
    """Bearer headers of new members of the blog ``slug`` by name (``{"eva": "editor"}`` makes
    eva@example.org an editor) and of ``otto``, a user without a role there."""
    headers: dict[str, dict[str, str]] = {}
    for name, role in roles.items():
        user = writer.create_user(f"{name}@example.org", "user", "correct horse battery")
        writer.add_member(admin, slug, user.email, role)
        headers[name] = bearer(writer, user)
    outsider = writer.create_user("otto@example.org", "user", "correct horse battery")
    headers["otto"] = bearer(writer, outsider)
    return headers


def bearer(writer: Actions, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {writer.create_token(user.email)[1]}"}
