"""The role matrix: every route under ``/api`` and ``/admin``, and the publishing outputs (feeds,
sitemaps, robots.txt, the embed and oEmbed; from the app's own route table) answered for each
kind of user, with a valid request, so the status says what the user may do.

A route without a row in :data:`MATRIX` fails :func:`test_every_route_has_a_row`: whoever adds a
route decides who may use it. Users without a role in a blog learn nothing about its private
parts (404, not 403); writing entries concerns the public blog (403). Rows run in order against one app (module scope): the rows that end a
session (password, logout) come last.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.web import create_app
from liveblog.web.outputs.routes import OUTPUT_PATHS
from liveblog.web.reader.embed import EMBED_PATH
from liveblog.web.reader.embed_code import OEMBED_PATH
from tests import photos
from tests.web.desk.sessions import ORIGIN, PASSWORD, DeskClient, Team, anonymous, log_in, team

KINDS = ("anonymous", "outsider", "contributor", "editor", "owner", "admin")
"""The columns: nobody logged in, a user without a role in the blog, the blog's contributor,
editor and owner, and an admin (who is no member)."""

_counter = itertools.count(1)


@dataclass
class World:
    app: FastAPI
    team: Team
    target: User
    """A user whose membership the member routes change (made an editor before each)."""
    clients: dict[str, DeskClient | None]
    anonymous: TestClient

    @property
    def actions(self) -> Any:
        return self.app.state.services.actions

    def user(self, kind: str) -> User | None:
        return None if kind == "anonymous" else getattr(self.team, kind)


@dataclass(frozen=True)
class Call:
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    query: str = ""
    files: dict[str, tuple[str, bytes, str]] | None = None
    """A multipart form's files (``body`` then its other fields)."""


Prepare = Callable[[World, str], Call]


def _nothing(world: World, kind: str) -> Call:
    return Call()


def _entry(world: World, kind: str, body: dict[str, Any] | None = None) -> Call:
    entry = world.actions.create_entry(world.team.admin, "storm", body="Water is rising.")
    return Call({"entry_id": entry.id}, body)


def _member(body: dict[str, Any] | None) -> Prepare:
    def prepare(world: World, kind: str) -> Call:
        world.actions.add_member(world.team.admin, "storm", world.target.email, "editor")
        return Call({"user_id": world.target.id}, body)

    return prepare


def _body(body: Callable[[], dict[str, Any]]) -> Prepare:
    return lambda world, kind: Call(body=body())


def _new_blog() -> dict[str, Any]:
    n = next(_counter)
    return {"slug": f"matrix-{n}", "title": f"Blog {n}", "language": "en"}


def _own_token(world: World, kind: str) -> Call:
    user = world.user(kind) or world.team.owner
    world.actions.create_token(user.email)
    return Call({"token_id": world.actions.tokens(user)[0].id})


PUBLIC = (200,) * 6
API_OWNERS = (401, 404, 403, 403)
DESK_OWNERS = (303, 404, 403, 403)

# (method, path): (statuses in the order of KINDS, how to make a valid request)
MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], Prepare]] = {
    ("GET", "/api/v1/openapi.json"): (PUBLIC, _nothing),
    ("GET", "/api/v1/docs"): (PUBLIC, _nothing),
    ("GET", "/live/{slug}/feed.atom"): (PUBLIC, _nothing),
    ("GET", "/live/{slug}/feed.rss"): (PUBLIC, _nothing),
    ("GET", "/live/{slug}/feed.json"): (PUBLIC, _nothing),
    ("GET", "/sitemap.xml"): (PUBLIC, _nothing),
    ("GET", "/sitemap-news.xml"): (PUBLIC, _nothing),
    ("GET", "/robots.txt"): (PUBLIC, _nothing),
    ("GET", EMBED_PATH): (PUBLIC, _nothing),
    ("GET", OEMBED_PATH): (
        PUBLIC,
        lambda world, kind: Call(query="url=http://testserver/live/storm"),
    ),
    ("GET", "/api/v1/blogs"): (PUBLIC, _nothing),
    ("POST", "/api/v1/blogs"): ((401, 403, 403, 403, 403, 201), _body(_new_blog)),
    ("GET", "/api/v1/blogs/{slug}"): (PUBLIC, _nothing),
    ("PATCH", "/api/v1/blogs/{slug}"): (
        (*API_OWNERS, 200, 200),
        _body(lambda: {"summary": f"Water is rising ({next(_counter)})."}),
    ),
    ("GET", "/api/v1/blogs/{slug}/entries"): (PUBLIC, _nothing),
    ("POST", "/api/v1/blogs/{slug}/entries"): (
        (401, 403, 201, 201, 201, 201),
        _body(lambda: {"body": "The dam holds."}),
    ),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}"): (PUBLIC, _entry),
    ("PATCH", "/api/v1/blogs/{slug}/entries/{entry_id}"): (
        (401, 403, 403, 200, 200, 200),
        lambda world, kind: _entry(world, kind, {"body": "The dam broke."}),
    ),
    ("DELETE", "/api/v1/blogs/{slug}/entries/{entry_id}"): ((401, 403, 403, 204, 204, 204), _entry),
    ("GET", "/api/v1/blogs/{slug}/events"): (PUBLIC, lambda world, kind: Call(query="after=0")),
    ("POST", "/api/v1/blogs/{slug}/preview"): (
        (401, 404, 200, 200, 200, 200),
        _body(lambda: {"body": "*Water*"}),
    ),
    ("GET", "/api/v1/blogs/{slug}/members"): ((401, 404, 200, 200, 200, 200), _nothing),
    ("POST", "/api/v1/blogs/{slug}/members"): (
        (*API_OWNERS, 201, 201),
        _body(lambda: {"email": "target@example.org", "role": "contributor"}),
    ),
    ("PATCH", "/api/v1/blogs/{slug}/members/{user_id}"): (
        (*API_OWNERS, 200, 200),
        _member({"role": "contributor"}),
    ),
    ("DELETE", "/api/v1/blogs/{slug}/members/{user_id}"): ((*API_OWNERS, 204, 204), _member(None)),
    ("GET", "/api/v1/blogs/{slug}/log"): ((*API_OWNERS, 200, 200), _nothing),
    ("GET", "/api/v1/blogs/{slug}/export"): ((*API_OWNERS, 200, 200), _nothing),
    ("GET", "/api/v1/blogs/{slug}/queue"): ((401, 404, 200, 200, 200, 200), _nothing),
    ("PUT", "/api/v1/blogs/{slug}/presence"): (
        (401, 404, 204, 204, 204, 204),
        _body(lambda: {"client": "matrix-page-0000000000", "editing": None}),
    ),
    ("POST", "/api/v1/blogs/{slug}/media"): (
        (401, 403, 201, 201, 201, 201),
        lambda world, kind: Call(
            body={"alt": "Deich"}, files={"file": ("a.png", photos.png(500, 300), "image/png")}
        ),
    ),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}/revisions"): (
        (401, 404, 200, 200, 200, 200),
        _entry,
    ),
    ("GET", "/api/v1/blogs/{slug}/entries/{entry_id}/authors"): (
        (401, 404, 200, 200, 200, 200),
        _entry,
    ),
    ("GET", "/admin"): ((303, 200, 200, 200, 200, 200), _nothing),
    ("GET", "/admin/login"): (PUBLIC, _nothing),
    ("GET", "/admin/account"): ((303, 200, 200, 200, 200, 200), _nothing),
    ("POST", "/admin/account/profile"): (
        (303,) * 6,
        _body(lambda: {"display_name": "Someone", "language": "en"}),
    ),
    ("POST", "/admin/account/tokens"): ((303, 200, 200, 200, 200, 200), _nothing),
    ("POST", "/admin/account/tokens/{token_id}/revoke"): ((303,) * 6, _own_token),
    ("GET", "/admin/blogs/new"): ((303, 403, 403, 403, 403, 200), _nothing),
    ("POST", "/admin/blogs/new"): (
        (303, 403, 403, 403, 403, 303),
        _body(lambda: {**_new_blog(), "summary": "", "timezone": "Europe/Berlin"}),
    ),
    ("GET", "/admin/blogs/{slug}"): ((303, 404, 200, 200, 200, 200), _nothing),
    ("GET", "/admin/blogs/{slug}/settings"): ((*DESK_OWNERS, 200, 200), _nothing),
    ("POST", "/admin/blogs/{slug}/settings"): (
        (*DESK_OWNERS, 303, 303),
        _body(
            lambda: {
                "title": "Storm surge",
                "summary": f"Water is rising ({next(_counter)}).",
                "language": "en",
                "timezone": "Europe/Berlin",
                "status": "open",
            }
        ),
    ),
    ("GET", "/admin/blogs/{slug}/members"): ((303, 404, 200, 200, 200, 200), _nothing),
    ("POST", "/admin/blogs/{slug}/members"): (
        (*DESK_OWNERS, 303, 303),
        _body(lambda: {"email": "target@example.org", "role": "contributor"}),
    ),
    ("POST", "/admin/blogs/{slug}/members/{user_id}"): (
        (*DESK_OWNERS, 303, 303),
        _member({"role": "contributor"}),
    ),
    ("POST", "/admin/blogs/{slug}/members/{user_id}/remove"): (
        (*DESK_OWNERS, 303, 303),
        _member(None),
    ),
    ("GET", "/admin/blogs/{slug}/log"): ((*DESK_OWNERS, 200, 200), _nothing),
    # An event stream: its status is read, then it is closed (see _send).
    ("GET", "/admin/blogs/{slug}/stream"): (
        (401, 404, 200, 200, 200, 200),
        lambda world, kind: Call(query="client=matrix-page-0000000000"),
    ),
    ("GET", "/admin/blogs/{slug}/entries/{entry_id}/history"): (
        (303, 404, 200, 200, 200, 200),
        _entry,
    ),
    # These end or replace sessions: last.
    ("POST", "/admin/login"): ((303,) * 6, _nothing),
    ("POST", "/admin/account/password"): (
        (303,) * 6,
        _body(lambda: {"current_password": PASSWORD, "new_password": "a new and long password"}),
    ),
    ("POST", "/admin/logout"): ((303,) * 6, _nothing),
}


EMBED_PATHS = (EMBED_PATH, OEMBED_PATH)
"""The embed and its oEmbed endpoint: public outputs too."""


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route under /api and /admin and of the publishing outputs
    (feeds, sitemaps, robots.txt); HEAD is answered as GET."""
    for route in iter_route_contexts(app.routes):
        path = route.path
        if isinstance(route.original_route, Mount) or not path:
            continue
        if not (path.startswith(("/api/", "/admin")) or path in (*OUTPUT_PATHS, *EMBED_PATHS)):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory: Path = tmp_path_factory.mktemp("matrix")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{directory / 'liveblog.db'}",
            media_dir=str(directory / "media"),
        )
    )
    actions = app.state.services.actions
    admin = actions.create_user("admin@example.org", "admin", PASSWORD, language="en")
    target = actions.create_user("target@example.org", "user", PASSWORD)
    the_team = team(app, admin)
    clients: dict[str, DeskClient | None] = {"anonymous": None}
    for kind in KINDS[1:]:
        clients[kind] = log_in(app, getattr(the_team, kind).email)
    with anonymous(app) as anon:
        yield World(app, the_team, target, clients, anon)
    app.state.services.db.dispose()


def _send(world: World, kind: str, method: str, path: str, call: Call) -> int:
    url = path.format(slug="storm", **call.params) + (f"?{call.query}" if call.query else "")
    desk = world.clients[kind]
    client = desk.client if desk else world.anonymous
    if (method, path) == ("POST", "/admin/login"):
        return _login(world, kind)
    if method == "GET" and path.endswith("/stream"):
        with client.stream("GET", url) as reply:
            return reply.status_code
    if method == "GET":
        return client.get(url).status_code
    headers = {"Origin": ORIGIN}
    if url.startswith("/admin"):
        form = {**(call.body or {}), **({"csrf_token": desk.csrf_token} if desk else {})}
        return client.post(url, data=form, headers=headers).status_code
    headers["If-Match"] = "*"
    if desk:
        headers["X-CSRF-Token"] = desk.csrf_token
    if call.files is not None:
        return client.post(url, data=call.body, files=call.files, headers=headers).status_code
    return client.request(method, url, json=call.body, headers=headers).status_code


def _login(world: World, kind: str) -> int:
    """A login (with a client of its own: a login replaces the browser's session)."""
    user = world.user(kind) or world.team.outsider
    fresh = anonymous(world.app)
    token = re.search(r'name="csrf_token" value="([^"]*)"', fresh.get("/admin/login").text)
    assert token
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)}
    return fresh.post("/admin/login", data=form, headers={"Origin": ORIGIN}).status_code


def test_every_route_has_a_row(world: World) -> None:
    missing = sorted(set(app_routes(world.app)) - set(MATRIX))
    assert not missing, f"routes without a row in the role matrix: {missing}"


def test_every_row_is_a_route(world: World) -> None:
    assert not set(MATRIX) - set(app_routes(world.app)), "rows of routes that no longer exist"


@pytest.mark.parametrize(("method", "path"), list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
def test_route_answers_each_kind_of_user(world: World, method: str, path: str) -> None:
    expected, prepare = MATRIX[(method, path)]
    got = []
    for kind in KINDS:
        got.append(_send(world, kind, method, path, prepare(world, kind)))
    assert dict(zip(KINDS, got, strict=True)) == dict(zip(KINDS, expected, strict=True))
