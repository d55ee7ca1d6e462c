"""CSRF: a state-changing request that a session cookie authenticates needs the session's token
and this site's Origin, else 403; the login form its double-submit token; bearer-token API
requests need neither."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from tests.web.desk.logins import ORIGIN, account_csrf, log_in, login_token

EVIL = {"Origin": "https://evil.example"}


@pytest.fixture
def blog(writer: Actions, admin: User) -> str:
    writer.create_blog(admin, slug="sturm", title="Sturmflut")
    return "sturm"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/account/profile", {"display_name": "Mallory", "language": "en"}),
        ("/admin/account/tokens", {}),
        ("/admin/logout", {}),
    ],
)
def test_a_desk_form_without_the_token_or_from_another_origin_is_403(
    client: TestClient, admin: User, path: str, data: dict[str, str]
) -> None:
    log_in(client, admin.email)
    token = account_csrf(client)
    assert client.post(path, data=data, headers=ORIGIN).status_code == 403
    assert (
        client.post(path, data={**data, "csrf_token": "forged"}, headers=ORIGIN).status_code == 403
    )
    assert client.post(path, data={**data, "csrf_token": token}, headers=EVIL).status_code == 403
    assert client.post(path, data={**data, "csrf_token": token}).status_code == 403  # no Origin
    reply = client.get("/admin/account")
    assert reply.status_code == 200
    assert "Mallory" not in reply.text


def test_a_desk_form_with_token_and_origin_passes(client: TestClient, admin: User) -> None:
    log_in(client, admin.email)
    reply = client.post(
        "/admin/account/profile",
        data={"display_name": "Ada", "language": "en", "csrf_token": account_csrf(client)},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert reply.status_code == 303


def test_a_cookie_authenticated_api_write_needs_the_header_and_origin(
    client: TestClient, admin: User, blog: str
) -> None:
    log_in(client, admin.email)
    token = account_csrf(client)
    path = f"/api/v1/blogs/{blog}/entries"
    body = {"body": "Pegel steigt"}
    missing = client.post(path, json=body, headers=ORIGIN)
    assert missing.status_code == 403
    assert missing.headers["content-type"] == "application/problem+json"
    foreign = client.post(path, json=body, headers={**EVIL, "X-CSRF-Token": token})
    assert foreign.status_code == 403
    wrong = client.post(path, json=body, headers={**ORIGIN, "X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    good = client.post(path, json=body, headers={**ORIGIN, "X-CSRF-Token": token})
    assert good.status_code == 201, good.text


def test_a_bearer_token_api_write_needs_no_csrf_token(
    app: FastAPI, admin_headers: dict[str, str], blog: str
) -> None:
    with TestClient(app) as anonymous:
        reply = anonymous.post(
            f"/api/v1/blogs/{blog}/entries",
            json={"body": "Pegel steigt"},
            headers={**admin_headers, **EVIL},
        )
    assert reply.status_code == 201, reply.text


def test_the_login_form_needs_its_token_and_origin(client: TestClient, admin: User) -> None:
    token = login_token(client)
    fields = {"email": admin.email, "password": "correct horse battery"}
    assert client.post("/admin/login", data=fields, headers=ORIGIN).status_code == 403
    forged = client.post("/admin/login", data={**fields, "csrf_token": "f" * 43}, headers=ORIGIN)
    assert forged.status_code == 403
    assert "expired" in forged.text or "abgelaufen" in forged.text  # the form again, to retry
    foreign = client.post("/admin/login", data={**fields, "csrf_token": token}, headers=EVIL)
    assert foreign.status_code == 403
    client.cookies.clear()
    no_cookie = client.post("/admin/login", data={**fields, "csrf_token": token}, headers=ORIGIN)
    assert no_cookie.status_code == 403
