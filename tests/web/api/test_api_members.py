"""``/api/v1/blogs/{slug}/members``: list, add, change and remove members, with the roles
that may do each, problems for bad input, and a blog that always keeps an owner."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.models import User
from tests.web.api.helpers import snapshot
from tests.web.desk.sessions import ORIGIN, bearer, log_in, team

URL = "/api/v1/blogs/storm/members"


def _emails(reply_json: dict[str, list[dict[str, object]]]) -> dict[object, object]:
    return {m["email"]: m["role"] for m in reply_json["items"]}


def test_members_see_the_members(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    reply = client.get(URL, headers=bearer(app, t.contributor))
    assert reply.status_code == 200, reply.text
    assert _emails(reply.json()) == {
        t.contributor.email: "contributor",
        t.editor.email: "editor",
        t.owner.email: "owner",
    }
    first = reply.json()["items"][0]
    assert set(first) == {"user_id", "email", "name", "role", "since"}
    assert first["since"].endswith("+00:00")


def test_others_learn_nothing(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    assert client.get(URL).status_code == 401
    outsider = client.get(URL, headers=bearer(app, t.outsider))
    assert outsider.status_code == 404
    assert outsider.headers["content-type"] == "application/problem+json"
    missing = client.get("/api/v1/blogs/nowhere/members", headers=bearer(app, t.outsider))
    assert missing.json()["detail"] == outsider.json()["detail"].replace("storm", "nowhere")
    assert client.get(URL, headers=bearer(app, admin)).status_code == 200


def test_an_owner_adds_changes_and_removes(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    added = client.post(URL, json={"email": t.outsider.email, "role": "editor"}, headers=headers)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["user_id"] == t.outsider.id
    assert (body["email"], body["name"], body["role"]) == (
        t.outsider.email,
        "outsider-storm",
        "editor",
    )
    assert added.headers["location"] == f"{URL}/{t.outsider.id}"

    changed = client.patch(f"{URL}/{t.outsider.id}", json={"role": "owner"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "owner"

    removed = client.delete(f"{URL}/{t.outsider.id}", headers=headers)
    assert removed.status_code == 204
    assert removed.content == b""
    assert t.outsider.email not in _emails(client.get(URL, headers=headers).json())
    log = client.get("/api/v1/blogs/storm/log", headers=headers).json()["items"]
    assert [r["action"] for r in log[:3]] == ["member.removed", "member.changed", "member.added"]
    assert log[0]["actor"] == {"id": t.owner.id, "name": "owner-storm"}


def test_adding_a_member_again_changes_the_role(
    app: FastAPI, client: TestClient, admin: User
) -> None:
    t = team(app, admin)
    reply = client.post(
        URL,
        json={"email": t.editor.email.upper(), "role": "contributor"},
        headers=bearer(app, admin),
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["role"] == "contributor"


def test_smaller_roles_may_not_manage(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    new = {"email": t.outsider.email, "role": "editor"}
    for user, status in ((t.editor, 403), (t.contributor, 403), (t.outsider, 404)):
        headers = bearer(app, user)
        assert client.post(URL, json=new, headers=headers).status_code == status
        assert (
            client.patch(
                f"{URL}/{t.editor.id}", json={"role": "owner"}, headers=headers
            ).status_code
            == status
        )
        assert client.delete(f"{URL}/{t.contributor.id}", headers=headers).status_code == status
    assert t.outsider.email not in _emails(client.get(URL, headers=bearer(app, t.owner)).json())


def test_unknown_email_and_role_name_the_field(
    app: FastAPI, client: TestClient, admin: User
) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    before = snapshot(app.state.services.db)
    for body, field in (
        ({"email": "nobody@example.org", "role": "editor"}, "email"),
        ({"email": "not an address", "role": "editor"}, "email"),
        ({"email": t.outsider.email, "role": "boss"}, "role"),
        ({"email": t.outsider.email, "role": "admin"}, "role"),
        ({"email": t.outsider.email}, "role"),
        ({"email": t.outsider.email, "role": "editor", "extra": 1}, "extra"),
        ({"email": 7, "role": "editor"}, "email"),
    ):
        reply = client.post(URL, json=body, headers=headers)
        assert reply.status_code == 422, (body, reply.text)
        assert reply.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in reply.json()["errors"]] == [field], body
    bad_role = client.patch(f"{URL}/{t.editor.id}", json={"role": "chief"}, headers=headers)
    assert bad_role.status_code == 422
    assert [e["field"] for e in bad_role.json()["errors"]] == ["role"]
    assert snapshot(app.state.services.db) == before


def test_a_blog_keeps_an_owner(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    before = snapshot(app.state.services.db)
    demote = client.patch(f"{URL}/{t.owner.id}", json={"role": "editor"}, headers=headers)
    assert demote.status_code == 409
    assert "owner" in demote.json()["detail"]
    assert client.delete(f"{URL}/{t.owner.id}", headers=headers).status_code == 409
    assert snapshot(app.state.services.db) == before
    # With a second owner, the first may step down.
    client.patch(f"{URL}/{t.editor.id}", json={"role": "owner"}, headers=headers)
    assert client.delete(f"{URL}/{t.owner.id}", headers=headers).status_code == 204


def test_non_members_and_bad_ids_are_404(app: FastAPI, client: TestClient, admin: User) -> None:
    t = team(app, admin)
    headers = bearer(app, t.owner)
    assert client.delete(f"{URL}/{t.outsider.id}", headers=headers).status_code == 404
    assert (
        client.patch(f"{URL}/999999", json={"role": "editor"}, headers=headers).status_code == 404
    )
    assert client.delete(f"{URL}/0", headers=headers).status_code == 422
    assert client.delete(f"{URL}/abc", headers=headers).status_code == 422


def test_the_desk_session_needs_its_csrf_token(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    new = {"email": t.outsider.email, "role": "contributor"}
    assert owner.client.get(URL).status_code == 200
    assert owner.client.post(URL, json=new, headers={"Origin": ORIGIN}).status_code == 403
    foreign = {"Origin": "https://evil.example", "X-CSRF-Token": owner.csrf_token}
    assert owner.client.post(URL, json=new, headers=foreign).status_code == 403
    assert owner.api("POST", URL, json=new).status_code == 201


def test_openapi_documents_the_members_routes(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths[URL.replace("storm", "{slug}")]) == {"get", "post"}
    item = paths[URL.replace("storm", "{slug}") + "/{user_id}"]
    assert set(item) == {"patch", "delete"}
    assert {"403", "404", "409", "422"} <= set(item["delete"]["responses"])
