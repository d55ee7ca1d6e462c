"""Schemathesis fuzzes every API operation from the OpenAPI document: whatever it sends, with or
without a valid token, the server answers without a 5xx and every error is problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from liveblog.config import Settings
from liveblog.storage.database import Database
from liveblog.web import create_app


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    db = Database(f"sqlite:///{path}")
    media_dir = tmp_path_factory.mktemp("fuzz-media")
    app = create_app(Settings(database_url=f"sqlite:///{path}", media_dir=str(media_dir)), db=db)
    actions = app.state.services.actions
    admin = actions.create_user("fuzz@example.org", "admin", "correct horse battery")
    _, token = actions.create_token(admin.email)
    actions.create_blog(admin, slug="storm", title="Storm")
    actions.create_entry(admin, "storm", body="First entry.")
    anna = actions.create_user("anna@example.org", "user", "correct horse battery")
    actions.add_member(admin, "storm", anna.email, "editor")
    yield app, token
    db.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: tuple[FastAPI, str]) -> Any:
    app, _ = fuzz_app
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


OPERATIONS = [
    ("GET", "/api/v1/blogs"),
    ("POST", "/api/v1/blogs"),
    ("GET", "/api/v1/blogs/{slug}"),
    ("PATCH", "/api/v1/blogs/{slug}"),
    ("POST", "/api/v1/blogs/{slug}/entries"),
    ("GET", "/api/v1/blogs/{slug}/entries"),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}"),
    ("PATCH", "/api/v1/blogs/{slug}/entries/{entry_id}"),
    ("DELETE", "/api/v1/blogs/{slug}/entries/{entry_id}"),
    ("GET", "/api/v1/blogs/{slug}/events"),
    ("POST", "/api/v1/blogs/{slug}/preview"),
    ("GET", "/api/v1/blogs/{slug}/members"),
    ("POST", "/api/v1/blogs/{slug}/members"),
    ("PATCH", "/api/v1/blogs/{slug}/members/{user_id}"),
    ("DELETE", "/api/v1/blogs/{slug}/members/{user_id}"),
    ("GET", "/api/v1/blogs/{slug}/log"),
    ("GET", "/api/v1/blogs/{slug}/export"),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}/revisions"),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}/authors"),
    ("GET", "/api/v1/blogs/{slug}/queue"),
    ("PUT", "/api/v1/blogs/{slug}/presence"),
    ("POST", "/api/v1/blogs/{slug}/media"),
]


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == {(m, "/api/v1" + p.removeprefix("/api/v1")) for m, p in OPERATIONS}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_errors_and_problem_details(
    api_schema: Any, fuzz_app: tuple[FastAPI, str], method: str, path: str
) -> None:
    _, token = fuzz_app
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            content_type = response.headers["content-type"]
            if isinstance(content_type, list):
                content_type = content_type[0]
            assert content_type.startswith("application/problem+json"), response.text

    check()
