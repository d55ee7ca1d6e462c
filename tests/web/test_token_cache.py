"""Checked API tokens are remembered for ``LIVEBLOG_TOKEN_CACHE_SECONDS``, per process."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.token_cache import MAX_TOKENS, TokenCache
from tests.conftest import FakeClock

USER = User(id=1, email="a@example.org", role="user", created_at=None)  # type: ignore[arg-type]


def test_a_token_is_remembered_until_it_expires() -> None:
    now = [0.0]
    cache = TokenCache(30, clock=lambda: now[0])
    assert cache.get("h") is None
    cache.put("h", USER, 0, 0.0)
    now[0] = 29.9
    cache.saw(0, 29.9)  # no revocation meanwhile
    assert cache.get("h") is USER
    now[0] = 30.0
    assert cache.get("h") is None


def test_zero_seconds_remembers_nothing_and_the_cache_stays_bounded() -> None:
    off = TokenCache(0)
    off.put("h", USER, 0, off.clock())
    assert off.get("h") is None
    cache = TokenCache(30)
    for i in range(MAX_TOKENS + 5):
        cache.put(str(i), USER, 0, cache.clock())
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


# -- revocation ----------------------------------------------------------------------------------


def test_revocations_are_checked_at_most_once_a_second_and_forget_every_token() -> None:
    now = [0.0]
    cache = TokenCache(30, clock=lambda: now[0])
    assert not cache.check_due()  # nothing remembered: nothing to check
    cache.put("a", USER, 4, 0.0)
    cache.put("b", USER, 4, 0.0)
    now[0] = 0.999
    assert not cache.check_due()
    assert cache.get("a") is USER
    now[0] = 1.0
    assert cache.check_due()
    cache.saw(4, 1.0)  # the generation read begun at 1.0: unchanged
    assert not cache.check_due()
    assert cache.get("a") is USER
    now[0] = 2.5
    assert cache.check_due()
    cache.saw(5, 2.5)  # a revocation since: every remembered token is checked again
    assert cache.get("a") is None
    assert cache.get("b") is None
    assert not cache.check_due()


def test_a_lookup_older_than_a_seen_revocation_is_not_remembered() -> None:
    """A lookup whose snapshot predates a revocation the cache has already seen may have found
    a token that is revoked now: it serves its own request, but is not remembered."""
    now = [10.0]
    cache = TokenCache(30, clock=lambda: now[0])
    cache.put("a", USER, 2, 9.0)  # a check meanwhile saw generation 2
    cache.put("b", USER, 1, 8.0)  # the slow lookup of b, begun at 8.0, saw generation 1
    assert cache.get("a") is USER
    assert cache.get("b") is None
    cache.saw(1, 9.5)  # an older read finishing late changes nothing
    assert cache.get("a") is USER


def test_a_token_cached_for_a_second_or_less_needs_no_revocation_check() -> None:
    now = [0.0]
    cache = TokenCache(1.0, clock=lambda: now[0])
    cache.put("a", USER, 0, 0.0)
    now[0] = 0.99
    assert not cache.check_due()
    assert cache.get("a") is USER
    now[0] = 1.0
    assert cache.get("a") is None  # expired: within a second of any revocation anyway


def _generation_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = user_rows.revocation_generation

    def counting(conn: Any) -> int:
        value = original(conn)
        calls.append(value)
        return value

    monkeypatch.setattr(user_rows, "revocation_generation", counting)
    return calls


def test_a_revoked_token_is_refused_within_a_second_by_a_process_that_remembers_it(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    admin: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server remembers the token (30 s); another connection revokes it, as the
    ``liveblog token revoke`` command does; a second after the server last read the revocation
    generation, its next request with that token reads it again and gets 401."""
    app: FastAPI = create_app(settings, db=db, clock=clock, migrate=False)
    now = [100.0]
    app.state.services.tokens = TokenCache(30.0, clock=lambda: now[0])
    _, token = app.state.services.actions.create_token(admin.email)
    _, other_token = app.state.services.actions.create_token(admin.email)
    headers = {"Authorization": f"Bearer {token}"}
    lookups = _lookups(monkeypatch)
    generations = _generation_reads(monkeypatch)
    elsewhere = Database(db.url)  # the command's own connection, not the server's
    try:
        with TestClient(app) as client:

            def post(slug: str) -> int:
                reply = client.post(
                    "/api/v1/blogs", json={"slug": slug, "title": "T"}, headers=headers
                )
                return reply.status_code

            assert post("a") == 201
            assert (len(lookups), len(generations)) == (1, 1)  # one snapshot: token + generation
            _, revoked = Actions(elsewhere).revoke_tokens(admin.email, prefix=token[:11])
            assert revoked == 1
            now[0] = 100.9
            assert post("b") == 201  # remembered, and checked less than a second ago
            assert (len(lookups), len(generations)) == (1, 1)  # no database read at all
            now[0] = 101.0
            assert post("c") == 401
            assert (len(lookups), len(generations)) == (2, 3)  # the check, then a lookup
            other = {"Authorization": f"Bearer {other_token}"}
            assert (
                client.post("/api/v1/blogs", json={"slug": "d", "title": "T"}, headers=other)
            ).status_code == 201  # the user's other token still works
    finally:
        elsewhere.dispose()
