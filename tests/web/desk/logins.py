"""Logging in through the desk's form with a TestClient, for the desk and session tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx2 import Response

from liveblog.web.desk.login import LOGIN_CSRF_COOKIE
from liveblog.web.sessions import BASE_NAME

ORIGIN = {"Origin": "http://testserver"}
PASSWORD = "correct horse battery"


def hidden(html: str, name: str = "csrf_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name} in the page"
    return found.group(1)


def cookie(client: TestClient, name: str) -> str | None:
    """The value of the client's cookie ``name``, if it has one."""
    return next((c.value for c in client.cookies.jar if c.name == name), None)


def login_token(client: TestClient) -> str:
    """The login form's CSRF token (its cookie is now in the client's jar)."""
    reply = client.get("/admin/login")
    assert reply.status_code == 200, reply.text
    return hidden(reply.text)


def post_login(
    client: TestClient,
    email: str,
    password: str = PASSWORD,
    *,
    next_path: str = "/admin",
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if token is None:
        token = cookie(client, LOGIN_CSRF_COOKIE) or login_token(client)
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token, "next": next_path},
        headers={**ORIGIN, **(headers or {})},
        follow_redirects=False,
    )


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in; the new session id (the cookie's value)."""
    reply = post_login(client, email, password)
    assert reply.status_code == 303, reply.text
    session = cookie(client, BASE_NAME)
    assert session
    return session


def account_csrf(client: TestClient) -> str:
    reply = client.get("/admin/account", follow_redirects=False)
    assert reply.status_code == 200, reply.text
    return hidden(reply.text)
