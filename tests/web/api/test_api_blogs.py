"""``/api/v1/blogs``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from tests.web.api.helpers import assert_problem, new_blog


def test_create_list_get_and_patch_a_blog(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = new_blog(client, admin_headers, summary="All developments.", language="en")
    assert created["slug"] == "storm"
    assert created["language"] == "en"
    assert created["timezone"] == "Europe/Berlin"
    assert created["status"] == "open"
    assert created["version"] == 1
    assert created["created_at"].endswith("+00:00")

    listed = client.get("/api/v1/blogs").json()["items"]
    assert [b["slug"] for b in listed] == ["storm"]

    got = client.get("/api/v1/blogs/storm")
    assert got.status_code == 200
    assert got.json() == created

    patched = client.patch(
        "/api/v1/blogs/storm",
        json={"summary": "New teaser.", "timezone": "Europe/London"},
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["summary"] == "New teaser."
    assert patched.json()["timezone"] == "Europe/London"
    assert patched.json()["version"] == 2


def test_defaults_come_from_settings(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = new_blog(client, admin_headers)
    assert created["language"] == "de"
    assert created["summary"] == ""


def test_closing_a_blog_stops_new_entries(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    new_blog(client, admin_headers)
    closed = client.patch("/api/v1/blogs/storm", json={"status": "closed"}, headers=admin_headers)
    assert closed.json()["status"] == "closed"
    refused = client.post(
        "/api/v1/blogs/storm/entries", json={"body": "late"}, headers=admin_headers
    )
    assert_problem(refused, 409)
    reopened = client.patch("/api/v1/blogs/storm", json={"status": "open"}, headers=admin_headers)
    assert reopened.json()["status"] == "open"


def test_writes_need_a_valid_token(client: TestClient) -> None:
    missing = client.post("/api/v1/blogs", json={"slug": "x", "title": "X"})
    assert_problem(missing, 401)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post(
        "/api/v1/blogs", json={"slug": "x", "title": "X"}, headers={"Authorization": "Bearer no"}
    )
    assert_problem(wrong, 401)


def test_only_admins_open_blogs_and_only_owners_change_them(
    client: TestClient,
    admin_headers: dict[str, str],
    editor_headers: dict[str, str],
    writer: Actions,
    admin: User,
    editor: User,
) -> None:
    assert_problem(
        client.post("/api/v1/blogs", json={"slug": "x", "title": "X"}, headers=editor_headers),
        403,
    )
    new_blog(client, admin_headers)
    # Without a role in the blog, its settings do not exist for the user.
    assert_problem(
        client.patch("/api/v1/blogs/storm", json={"title": "Y"}, headers=editor_headers), 404
    )
    writer.add_member(admin, "storm", editor.email, "editor")
    assert_problem(
        client.patch("/api/v1/blogs/storm", json={"title": "Y"}, headers=editor_headers), 403
    )
    writer.add_member(admin, "storm", editor.email, "owner")
    changed = client.patch("/api/v1/blogs/storm", json={"title": "Y"}, headers=editor_headers)
    assert changed.status_code == 200
    assert changed.json()["title"] == "Y"


def test_unknown_blog_is_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/blogs/nope"), 404)
    assert_problem(client.get("/api/v1/blogs/nope/entries"), 404)


def test_openapi_and_docs_are_served_without_cdn(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/blogs/{slug}/entries/{entry_id}" in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/api/v1/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_health_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_readyz_reports_an_unreachable_database(settings: object) -> None:
    from liveblog.config import Settings
    from liveblog.storage.database import Database
    from liveblog.web import create_app

    assert isinstance(settings, Settings)
    broken = Database("sqlite:////nonexistent-dir/liveblog.db")
    app = create_app(settings, db=broken, migrate=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
