"""Read-your-writes across processes: two real ``liveblog serve`` processes on one PostgreSQL
database with the Redis broker. Every write acknowledged by process A (post, edit, delete) is
in process B's very next answer of the entries API, list and single entry, although B keeps
both in its cache (it answered them, warm, just before the write) and hears nothing from A in
time: B asks the database for the blog's version on every request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.live.processes import (
    Cluster,
    Reply,
    Server,
    postgres_redis_cluster,
)

pytestmark = pytest.mark.postgres

ROUNDS = 10


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with postgres_redis_cluster(tmp_path_factory.mktemp("read-your-writes")) as started:
        yield started


def _get(server: Server, path: str, tag: str | None = None) -> Reply:
    """A GET, revalidating with ``tag`` when given (a stale cache would answer 304)."""
    return server.request("GET", path, headers={"If-None-Match": tag} if tag else {})


def _warm(server: Server, path: str) -> Reply:
    """Two GETs: the second is a cache hit on ``server``."""
    _get(server, path)
    reply = _get(server, path)
    assert reply.status in (200, 410), reply.body
    return reply


def _ids(reply: Reply) -> list[int]:
    assert reply.status == 200, reply.body
    return [item["id"] for item in reply.json()["items"]]


def _write(servers: Cluster, method: str, path: str, **options: Any) -> Reply:
    a = servers.servers[0]
    reply = a.request(method, path, headers={**servers.auth, "If-Match": "*"}, **options)
    assert reply.status in (200, 201, 204), (reply.status, reply.body, servers.logs())
    return reply


def test_b_reads_a_s_post_edit_and_delete_on_its_next_request(servers: Cluster) -> None:
    a, b = servers.servers
    slug = f"ryw-{uuid.uuid4().hex[:8]}"
    servers.create_blog(a, slug)
    entries = f"/api/v1/blogs/{slug}/entries"
    views = [entries, f"{entries}?limit=2", f"{entries}?order=oldest&limit=50"]
    for n in range(ROUNDS):
        # Post: B's warm list, first page and every other view, has it at once.
        lists = {view: _warm(b, view) for view in views}
        entry = _write(servers, "POST", entries, body={"body": f"Post {n}"}).json()
        for view, before in lists.items():
            after = _get(b, view, before.headers["etag"])
            assert entry["id"] in _ids(after), (view, n)
        # Edit: B's warm single entry and list show the new version at once.
        single = f"{entries}/{entry['id']}"
        before_single, before_list = _warm(b, single), _warm(b, entries)
        edited = _write(servers, "PATCH", single, body={"body": f"Edited {n}"}).json()
        after_single = _get(b, single, before_single.headers["etag"])
        assert after_single.status == 200, after_single.body
        assert after_single.headers["etag"] == f'"{entry["id"]}-{edited["version"]}"'
        assert after_single.json()["body"] == f"Edited {n}"
        after_list = _get(b, entries, before_list.headers["etag"])
        assert after_list.status == 200
        assert after_list.json()["items"][0]["body"] == f"Edited {n}"
        # Delete (every other round): 410 and out of the list, at once.
        if n % 2:
            before_list = _warm(b, entries)
            _warm(b, single)
            _write(servers, "DELETE", single)
            gone = _get(b, single)
            assert gone.status == 410, gone.body
            assert gone.headers["content-type"].startswith("application/problem+json")
            assert entry["id"] not in _ids(_get(b, entries, before_list.headers["etag"]))
