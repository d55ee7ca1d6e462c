"""Revocation reaches every server process within a second: two real ``liveblog serve``
processes on one PostgreSQL database with the Redis broker. A token that process B has
checked (and remembers for 30 s) is revoked on process A's account page, or its user is
disabled with the CLI; B refuses it within 1 s, and the user's desk session on B ends at once.
The latencies are printed (``pytest -s``)."""

from __future__ import annotations

import http.client
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from liveblog.actions import Actions
from liveblog.storage.database import Database
from tests.web.live.processes import (
    LIVEBLOG,
    PASSWORD,
    Cluster,
    Server,
    postgres_redis_cluster,
    server_env,
)
from tests.web.live.sse_reading import HOST

pytestmark = pytest.mark.postgres

BOUND = 1.0  # seconds: the figure


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with postgres_redis_cluster(tmp_path_factory.mktemp("revocation")) as started:
        yield started


class Browser:
    """Form posts with cookies against one server, as a browser would send them."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(HOST, self.server.port, timeout=10)
        try:
            headers = {"Origin": f"http://{HOST}:{self.server.port}"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0].strip('"')
            return response.status, text
        finally:
            conn.close()

    def log_in(self, email: str) -> None:
        status, page = self.send("GET", "/admin/login")
        assert status == 200, page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = {"email": email, "password": PASSWORD, "csrf_token": token, "next": "/admin"}
        status, page = self.send("POST", "/admin/login", form)
        assert status == 303, page

    def account(self) -> tuple[int, str]:
        return self.send("GET", "/admin/account")


def _writes(server: Server, token: str, slug: str) -> bool:
    """Whether ``server`` accepts ``token`` for a write (a new entry); 401 if not."""
    reply = server.request(
        "POST",
        f"/api/v1/blogs/{slug}/entries",
        body={"body": "Pegel"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status in (201, 401), reply.body
    return reply.status == 201


def _refused_within(server: Server, token: str, slug: str, started: float) -> float:
    """Seconds from ``started`` until ``server`` refuses ``token``; fails past the bound."""
    while _writes(server, token, slug):
        assert time.perf_counter() - started < BOUND, "the revoked token still works"
        time.sleep(0.01)
    return time.perf_counter() - started


def _new_admin(servers: Cluster) -> tuple[str, str]:
    email = f"rev-{uuid.uuid4().hex[:8]}@example.org"
    db = Database(servers.database_url)
    try:
        actions = Actions(db)
        actions.create_user(email, "admin", PASSWORD)
        _, token = actions.create_token(email)
    finally:
        db.dispose()
    return email, token


def _blog(servers: Cluster, token: str) -> str:
    slug = f"rev-{uuid.uuid4().hex[:8]}"
    reply = servers.servers[0].request(
        "POST",
        "/api/v1/blogs",
        body={"slug": slug, "title": "Widerruf"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status == 201, reply.body
    return slug


def test_a_token_revoked_on_a_is_refused_by_b_within_a_second(servers: Cluster) -> None:
    a, b = servers.servers
    email, token = _new_admin(servers)
    slug = _blog(servers, token)
    assert _writes(b, token, slug)  # B checked it and remembers it now (for 30 s)
    assert _writes(b, token, slug)
    desk = Browser(a)
    desk.log_in(email)
    status, page = desk.account()
    assert status == 200, page
    (token_id,) = re.findall(r"/admin/account/tokens/(\d+)/revoke", page)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    started = time.perf_counter()
    status, page = desk.send(
        "POST", f"/admin/account/tokens/{token_id}/revoke", {"csrf_token": csrf_token}
    )
    assert status == 303, page
    seconds = _refused_within(b, token, slug, started)
    print(f"\nrevoked on A's account page, refused by B after {seconds * 1000:.0f} ms")


def test_a_user_disabled_with_the_cli_loses_token_and_session_on_b(
    servers: Cluster, tmp_path: Path
) -> None:
    b = servers.servers[1]
    email, token = _new_admin(servers)
    slug = _blog(servers, token)
    assert _writes(b, token, slug)
    desk = Browser(b)
    desk.log_in(email)
    assert desk.account()[0] == 200
    env = server_env(database_url=servers.database_url, broker_url=servers.broker_url)
    done = subprocess.run(
        [str(LIVEBLOG), "user", "disable", email],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    started = time.perf_counter()
    assert done.returncode == 0, done.stderr
    status, _ = desk.account()
    assert status == 303  # the session ended at once: sessions are read on every request
    seconds = _refused_within(b, token, slug, started)
    print(f"\ndisabled with the CLI, token refused by B {seconds * 1000:.0f} ms after it exited")
