"""Checked API tokens are remembered for ``LIVEBLOG_TOKEN_CACHE_SECONDS``, per process."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.token_cache import MAX_TOKENS, TokenCache
from tests.conftest import FakeClock

USER = User(id=1, email="a@example.org", role="editor", created_at=None)  # type: ignore[arg-type]


def test_a_token_is_remembered_until_it_expires() -> None:
    now = [0.0]
    cache = TokenCache(30, clock=lambda: now[0])
    assert cache.get("h") is None
    cache.put("h", USER)
    now[0] = 29.9
    assert cache.get("h") is USER
    now[0] = 30.0
    assert cache.get("h") is None


def test_zero_seconds_remembers_nothing_and_the_cache_stays_bounded() -> None:
    off = TokenCache(0)
    off.put("h", USER)
    assert off.get("h") is None
    cache = TokenCache(30)
    for i in range(MAX_TOKENS + 5):
        cache.put(str(i), USER)
    assert len(cache._users) <= MAX_TOKENS
    cache.forget(str(MAX_TOKENS + 4))
    assert cache.get(str(MAX_TOKENS + 4)) is None


def _lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = user_rows.by_token_hash

    def counting(conn: Any, hashed: str) -> User | None:
        calls.append(hashed)
        return original(conn, hashed)

    monkeypatch.setattr(user_rows, "by_token_hash", counting)
    return calls


@pytest.mark.parametrize(("seconds", "expected"), [(30.0, 1), (0.0, 3)])
def test_writes_check_a_token_in_the_database_once_per_expiry(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    admin: User,
    monkeypatch: pytest.MonkeyPatch,
    seconds: float,
    expected: int,
) -> None:
    app: FastAPI = create_app(
        replace(settings, token_cache_seconds=seconds), db=db, clock=clock, migrate=False
    )
    _, token = app.state.services.actions.create_token(admin.email)
    headers = {"Authorization": f"Bearer {token}"}
    calls = _lookups(monkeypatch)
    with TestClient(app) as client:
        for slug in ("a", "b", "c"):
            response = client.post(
                "/api/v1/blogs", json={"slug": slug, "title": slug.upper()}, headers=headers
            )
            assert response.status_code == 201, response.text
        bad = client.post(
            "/api/v1/blogs", json={"slug": "d", "title": "D"}, headers={"Authorization": "Bearer x"}
        )
        assert bad.status_code == 401
    assert len(calls) == expected + 1  # the invalid token is looked up, and never remembered
