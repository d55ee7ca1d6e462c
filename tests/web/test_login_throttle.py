"""Login throttling: failed logins per account and per address; past a limit 429 with
Retry-After, on the form and as problem+json, without the password even being checked; bad
limits stop the app with one clear error; with Redis, processes share the counts."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions.users import UserActions
from liveblog.config import Settings, SettingsError
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.login_throttle import LoginThrottle
from tests.conftest import FakeClock
from tests.local_servers import REDIS_HINT, REDIS_URL
from tests.web.desk.logins import PASSWORD, post_login

ENGLISH = {"Accept-Language": "en"}


def _app(db: Database, tmp_path: Path, clock: FakeClock, **settings: str) -> FastAPI:
    values: dict[str, str] = {
        "login_limit_per_account": "3 per minute",
        "login_limit_per_address": "5 per minute",
        **settings,
    }
    configured = Settings.from_env({}, database_url=f"sqlite:///{tmp_path / 'unused.db'}", **values)
    return create_app(configured, db=db, clock=clock, migrate=False)


@pytest.fixture
def throttled(db: Database, tmp_path: Path, clock: FakeClock) -> FastAPI:
    return _app(db, tmp_path, clock)


def test_past_the_account_limit_a_login_gets_429_with_retry_after(
    throttled: FastAPI, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(throttled)
    for _ in range(3):
        assert post_login(client, admin.email, "wrong password 1").status_code == 401
    verified: list[str] = []
    real = UserActions.verify

    def counting(self: UserActions, password_hash: str, password: str) -> bool:
        verified.append(password)
        return real(self, password_hash, password)

    monkeypatch.setattr(UserActions, "verify", counting)
    reply = post_login(client, admin.email, PASSWORD, headers=ENGLISH)  # right, but too late
    assert reply.status_code == 429
    assert 1 <= int(reply.headers["retry-after"]) <= 60
    assert "Too many failed logins. Try again in 1 minutes" in reply.text
    assert 'role="alert"' in reply.text
    assert verified == []  # the password was not even checked
    assert "liveblog_session" not in reply.headers.get("set-cookie", "")


def test_the_limit_counts_the_account_in_any_case(throttled: FastAPI, admin: User) -> None:
    client = TestClient(throttled)
    for email in ("Admin@Example.org", " admin@example.org", "ADMIN@EXAMPLE.ORG"):
        assert post_login(client, email, "wrong password 1").status_code == 401
    assert post_login(client, admin.email).status_code == 429


def test_past_the_limit_json_clients_get_a_problem(throttled: FastAPI, admin: User) -> None:
    client = TestClient(throttled)
    for _ in range(3):
        post_login(client, admin.email, "wrong password 1")
    reply = post_login(client, admin.email, headers={"Accept": "application/json", **ENGLISH})
    assert reply.status_code == 429
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == 429
    assert problem["retry_after"] == int(reply.headers["retry-after"])
    assert "Try again in" in problem["detail"]


def test_the_address_limit_spans_accounts(throttled: FastAPI, admin: User) -> None:
    client = TestClient(throttled)
    for n in range(5):
        assert post_login(client, f"nobody{n}@example.org").status_code == 401
    assert post_login(client, admin.email).status_code == 429


def test_successful_logins_do_not_count(throttled: FastAPI, admin: User) -> None:
    client = TestClient(throttled)
    for _ in range(6):
        assert post_login(client, admin.email).status_code == 303


def test_other_accounts_are_not_throttled_by_one(throttled: FastAPI, admin: User) -> None:
    client = TestClient(throttled)
    for _ in range(3):
        post_login(client, "victim@example.org", "wrong password 1")
    assert post_login(client, "victim@example.org").status_code == 429
    assert post_login(client, admin.email).status_code == 303


@pytest.mark.parametrize("name", ["login_limit_per_account", "login_limit_per_address"])
def test_a_bad_limit_stops_the_app_with_a_clear_error(
    db: Database, tmp_path: Path, clock: FakeClock, name: str
) -> None:
    with pytest.raises(SettingsError, match=f"LIVEBLOG_{name.upper()}: 'often'"):
        _app(db, tmp_path, clock, **{name: "often"})


def test_with_redis_all_processes_share_the_counts(tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip(REDIS_HINT)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        broker_url=REDIS_URL,
        login_limit_per_account="2 per minute",
    )
    one, two = LoginThrottle(settings), LoginThrottle(settings)
    email = f"shared-{uuid.uuid4().hex}@example.org"
    one.failed(email, "192.0.2.1")
    assert two.check(email, "192.0.2.2") is None
    two.failed(email, "192.0.2.2")
    refused = one.check(email, "192.0.2.3")
    assert refused is not None
    assert 1 <= refused.retry_after <= 60


def test_without_redis_reachable_it_counts_in_memory(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        broker_url="redis://127.0.0.1:1/0",  # nothing listens there
        login_limit_per_account="1 per minute",
    )
    throttle = LoginThrottle(settings)
    throttle.failed("a@example.org", None)
    refused = throttle.check("a@example.org", None)
    assert refused is not None
