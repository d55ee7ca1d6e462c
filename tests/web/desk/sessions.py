"""Logged-in test clients for desk pages and the API (session cookie + CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.models import User
from liveblog.web.sessions import cookie_name

PASSWORD = "correct horse battery"
ORIGIN = "http://testserver"


@dataclass
class DeskClient:
    """A TestClient carrying one user's session cookie; posts send its CSRF token and Origin."""

    client: TestClient
    csrf_token: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post_form(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        fields = {"csrf_token": self.csrf_token, **(data or {})}
        return self.client.post(path, data=fields, headers={"Origin": ORIGIN})

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Origin": ORIGIN, "X-CSRF-Token": self.csrf_token, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def log_in(app: FastAPI, email: str, password: str = PASSWORD) -> DeskClient:
    """A client logged in as ``email`` (through the app's own actions)."""
    services = app.state.services
    new = services.actions.log_in(email, password)
    client = anonymous(app)
    client.cookies.set(cookie_name(services.settings), new.session_id)
    return DeskClient(client, new.csrf_token)


@dataclass(frozen=True)
class Team:
    """A blog with one user of each kind: its owner, editor and contributor, an outsider
    (a user without a role there) and an admin (who is not a member)."""

    slug: str
    admin: User
    owner: User
    editor: User
    contributor: User
    outsider: User


def team(app: FastAPI, admin: User, slug: str = "storm") -> Team:
    """Make the blog ``slug`` (through the app's own actions) and its team; the admin created
    the blog but hands ownership to ``owner`` and leaves."""
    actions = app.state.services.actions
    actions.create_blog(admin, slug=slug, title="Storm surge", summary="Water is rising.")
    users = {}
    for kind in ("owner", "editor", "contributor", "outsider"):
        email = f"{kind}-{slug}@example.org"
        users[kind] = actions.create_user(email, "user", PASSWORD, language="en")
        if kind != "outsider":
            actions.add_member(admin, slug, email, kind)
    actions.remove_member(admin, slug, admin.id)
    return Team(slug, admin, **users)


def bearer(app: FastAPI, user: User) -> dict[str, str]:
    _, token = app.state.services.actions.create_token(user.email)
    return {"Authorization": f"Bearer {token}"}
