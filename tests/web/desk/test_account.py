"""The account page: profile (display name, desk language), password, API tokens."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from tests.web.desk.logins import ORIGIN, PASSWORD, account_csrf, log_in


def _post(client: TestClient, path: str, **data: str) -> object:
    return client.post(
        path,
        data={"csrf_token": account_csrf(client), **data},
        headers=ORIGIN,
        follow_redirects=False,
    )


def test_the_page_needs_a_session(client: TestClient) -> None:
    reply = client.get("/admin/account", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/admin/login?next=/admin/account")


def test_the_page_is_private_and_in_the_users_language(client: TestClient, admin: User) -> None:
    log_in(client, admin.email)
    reply = client.get("/admin/account")
    assert reply.status_code == 200
    assert reply.headers["cache-control"] == "no-store"
    assert '<html lang="de">' in reply.text
    assert "Ihr Konto" in reply.text


def test_a_new_display_name_and_language_are_saved_and_shown(
    client: TestClient, admin: User
) -> None:
    log_in(client, admin.email)
    reply = _post(client, "/admin/account/profile", display_name="Ada Lovelace", language="en")
    assert reply.status_code == 303  # type: ignore[attr-defined]
    assert reply.headers["location"] == "/admin/account?done=profile"  # type: ignore[attr-defined]
    page = client.get("/admin/account?done=profile")
    assert '<html lang="en">' in page.text
    assert "Your profile was saved." in page.text
    assert 'value="Ada Lovelace"' in page.text
    assert '<option value="en" selected' in page.text


def test_a_bad_profile_is_shown_next_to_its_field(client: TestClient, admin: User) -> None:
    log_in(client, admin.email)
    reply = _post(client, "/admin/account/profile", display_name="x" * 101, language="en")
    assert reply.status_code == 422  # type: ignore[attr-defined]
    text = reply.text  # type: ignore[attr-defined]
    assert 'aria-describedby="display_name-error display_name-hint"' in text
    assert 'id="display_name-error">Höchstens 100 Zeichen, in einer Zeile.' in text
    assert 'aria-invalid="true"' in text


def test_a_password_change_needs_the_current_password(
    client: TestClient, admin: User, actions: Actions
) -> None:
    log_in(client, admin.email)
    wrong = _post(
        client,
        "/admin/account/password",
        current_password="not my password",
        new_password="a new password 42",
    )
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert 'id="current_password-error"' in wrong.text  # type: ignore[attr-defined]
    short = _post(
        client, "/admin/account/password", current_password=PASSWORD, new_password="short"
    )
    assert short.status_code == 422  # type: ignore[attr-defined]
    assert 'id="new_password-error">Mindestens 10 Zeichen.' in short.text  # type: ignore[attr-defined]
    done = _post(
        client,
        "/admin/account/password",
        current_password=PASSWORD,
        new_password="a new password 42",
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/admin/account?done=password"  # type: ignore[attr-defined]
    assert actions.log_in(admin.email, "a new password 42").user.id == admin.id


def test_a_token_is_shown_once_listed_by_prefix_and_revoked(
    app: FastAPI, client: TestClient, admin: User, writer: Actions
) -> None:
    log_in(client, admin.email)
    created = _post(client, "/admin/account/tokens")
    assert created.status_code == 200  # type: ignore[attr-defined]
    text = created.text  # type: ignore[attr-defined]
    token = re.search(r'<code id="new-token">([^<]+)</code>', text).group(1)  # type: ignore[union-attr]
    assert created.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    writer.create_blog(admin, slug="sturm", title="Sturmflut")
    bearer = TestClient(app)
    path = "/api/v1/blogs/sturm/entries"
    auth = {"Authorization": f"Bearer {token}"}
    assert bearer.post(path, json={"body": "eins"}, headers=auth).status_code == 201
    page = client.get("/admin/account").text
    assert token not in page
    stored = writer.tokens(admin)
    assert len(stored) == 1
    assert stored[0].prefix is not None
    assert f"<code>{stored[0].prefix}…</code>" in page
    revoked = _post(client, f"/admin/account/tokens/{stored[0].id}/revoke")
    assert revoked.status_code == 303  # type: ignore[attr-defined]
    assert revoked.headers["location"] == "/admin/account?done=revoked"  # type: ignore[attr-defined]
    assert bearer.post(path, json={"body": "zwei"}, headers=auth).status_code == 401
    assert writer.tokens(admin) == []


def test_nobody_revokes_another_users_token(
    client: TestClient, admin: User, editor: User, writer: Actions
) -> None:
    writer.create_token(admin.email)
    theirs = writer.tokens(admin)[0]
    log_in(client, editor.email)
    reply = _post(client, f"/admin/account/tokens/{theirs.id}/revoke")
    assert reply.status_code == 404  # type: ignore[attr-defined]
    assert writer.tokens(admin) == [theirs]
