"""Desk sessions through the login form: a new id at every login, idle and absolute expiry,
logout, a password change and disabling end them, the cookie's flags, one message for every
failed login, local return paths only, and a bounded form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.actions.sessions import LOGIN_FAILED
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.desk.login import LOGIN_CSRF_COOKIE
from liveblog.web.sessions import BASE_NAME
from tests.conftest import FakeClock
from tests.web.desk.logins import ORIGIN, PASSWORD, account_csrf, log_in, post_login


def _works(client: TestClient, session_id: str) -> bool:
    """Whether ``session_id`` opens the desk (asked with a jar of its own)."""
    other = TestClient(client.app, cookies={BASE_NAME: session_id})  # no second lifespan
    return other.get("/admin/account", follow_redirects=False).status_code == 200


def test_a_login_issues_a_new_session_id_and_the_old_one_ends(
    client: TestClient, admin: User
) -> None:
    planted = log_in(client, admin.email)
    assert _works(client, planted)
    again = log_in(client, admin.email)  # the browser still sends the first id
    assert again != planted
    assert _works(client, again)
    assert not _works(client, planted)


def test_a_successful_login_redirects_to_the_local_return_path(
    client: TestClient, admin: User
) -> None:
    reply = post_login(client, admin.email, next_path="/admin/account?x=1")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/account?x=1"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil", "/%0d%0aX", ""],
)
def test_the_return_path_never_leaves_the_site(
    client: TestClient, admin: User, target: str
) -> None:
    reply = post_login(client, admin.email, next_path=target)
    assert reply.status_code == 303
    location = reply.headers["location"]
    assert location == "/admin" or (location.startswith("/") and not location.startswith("//"))
    if target != "/%0d%0aX":
        assert location == "/admin"


def test_a_desk_page_without_a_session_goes_to_the_login_with_its_path(
    client: TestClient,
) -> None:
    reply = client.get("/admin/account", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/login?next=/admin/account"
    form = client.get(reply.headers["location"])
    assert 'name="next" value="/admin/account"' in form.text


def test_the_login_page_keeps_a_hostile_next_off_the_form(client: TestClient) -> None:
    form = client.get("/admin/login", params={"next": "//evil.example/x"})
    assert 'name="next" value="/admin"' in form.text
    assert "evil" not in form.text


def test_unknown_wrong_and_disabled_get_one_message(
    client: TestClient, actions: Actions, admin: User
) -> None:
    actions.create_user("gone@example.org", "user", PASSWORD)
    actions.disable_user("gone@example.org")
    english = {"Accept-Language": "en"}
    answers = [
        post_login(client, "nobody@example.org", headers=english),
        post_login(client, admin.email, "wrong password 123", headers=english),
        post_login(client, "gone@example.org", headers=english),
    ]
    assert {a.status_code for a in answers} == {401}
    message = LOGIN_FAILED[:1].upper() + LOGIN_FAILED[1:]
    errors = set()
    for answer in answers:
        assert message in answer.text
        assert BASE_NAME not in answer.headers.get("set-cookie", "")
        errors.add(re.search(r'<p class="auth-error"[^>]*>[^<]*</p>', answer.text).group(0))  # type: ignore[union-attr]
    assert len(errors) == 1


def test_the_form_says_it_in_german_for_a_german_browser(client: TestClient) -> None:
    reply = post_login(client, "nobody@example.org", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert reply.status_code == 401
    assert "Die E-Mail-Adresse oder das Passwort ist falsch" in reply.text
    assert '<html lang="de">' in reply.text


def test_a_session_ends_after_its_idle_lifetime(
    client: TestClient, admin: User, clock: FakeClock
) -> None:
    session = log_in(client, admin.email)
    clock.advance(hours=11, minutes=59)
    assert _works(client, session)  # and used: idle time starts again
    clock.advance(hours=11, minutes=59)
    assert _works(client, session)
    clock.advance(hours=12)
    assert not _works(client, session)


def test_a_session_ends_after_its_absolute_lifetime_however_used(
    client: TestClient, admin: User, clock: FakeClock
) -> None:
    session = log_in(client, admin.email)
    for _ in range(13):
        clock.advance(hours=12, seconds=-1)
        assert _works(client, session)
    clock.advance(hours=12)
    assert not _works(client, session)


def test_logout_ends_the_session_and_clears_the_cookie(client: TestClient, admin: User) -> None:
    session = log_in(client, admin.email)
    csrf_token = account_csrf(client)
    reply = client.post(
        "/admin/logout", data={"csrf_token": csrf_token}, headers=ORIGIN, follow_redirects=False
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/login"
    assert f'{BASE_NAME}=""' in reply.headers["set-cookie"]
    assert not _works(client, session)


def test_logout_without_its_csrf_token_is_refused(client: TestClient, admin: User) -> None:
    session = log_in(client, admin.email)
    reply = client.post("/admin/logout", data={}, headers=ORIGIN, follow_redirects=False)
    assert reply.status_code == 403
    assert _works(client, session)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(
    app: FastAPI, client: TestClient, admin: User
) -> None:
    other = log_in(TestClient(app), admin.email)
    mine = log_in(client, admin.email)
    reply = client.post(
        "/admin/account/password",
        data={
            "csrf_token": account_csrf(client),
            "current_password": PASSWORD,
            "new_password": "a new password 42",
        },
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    assert _works(client, mine)
    assert not _works(client, other)


def test_disabling_a_user_ends_their_sessions(
    client: TestClient, writer: Actions, admin: User
) -> None:
    session = log_in(client, admin.email)
    writer.disable_user(admin.email)
    assert not _works(client, session)


def test_the_cookie_flags_on_plain_http(client: TestClient, admin: User) -> None:
    reply = post_login(client, admin.email)
    cookie = next(c for c in reply.headers.get_list("set-cookie") if c.startswith(f"{BASE_NAME}="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "path=/", "samesite=lax"} <= flags
    assert "secure" not in flags


def test_the_cookie_is_secure_with_the_host_prefix_behind_https(
    db: Database, tmp_path: Path, clock: FakeClock, actions: Actions, admin: User
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}", public_url="https://live.example.org"
    )
    app = create_app(settings, db=db, clock=clock, migrate=False)
    with TestClient(app, base_url="https://live.example.org") as client:
        form = client.get("/admin/login")
        login_cookie = form.headers["set-cookie"]
        assert login_cookie.startswith(f"__Host-{LOGIN_CSRF_COOKIE}=")
        assert "secure" in login_cookie.lower()
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        reply = client.post(
            "/admin/login",
            data={"email": admin.email, "password": PASSWORD, "csrf_token": token},
            headers={"Origin": "https://live.example.org"},
            follow_redirects=False,
        )
    assert reply.status_code == 303, reply.text
    cookie = next(
        c for c in reply.headers.get_list("set-cookie") if c.startswith(f"__Host-{BASE_NAME}=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "path=/", "samesite=lax", "secure"} <= flags
    assert not any(f.startswith("domain=") for f in flags)


def test_an_oversized_login_form_is_413(client: TestClient, settings: Settings) -> None:
    reply = client.post(
        "/admin/login",
        data={"email": "x" * (settings.max_request_bytes + 1), "password": "p"},
        headers=ORIGIN,
    )
    assert reply.status_code == 413


def test_an_oversized_chunked_form_is_413(client: TestClient, settings: Settings) -> None:
    def chunks() -> object:
        for _ in range(settings.max_request_bytes // 4096 + 2):
            yield b"e" * 4096

    reply = client.post(
        "/admin/login",
        content=chunks(),  # type: ignore[arg-type]
        headers={**ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 413
