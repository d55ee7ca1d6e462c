"""Small helpers for API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

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
