"""Concurrent writes of one blog through two real ``liveblog serve`` processes on PostgreSQL.

Six editors send the same ``If-Match`` at the same moment, spread over both processes: exactly
one edit is made (200), the others are refused (412), and no edit is lost. Four editors pin four
entries at once: afterwards at most one entry is pinned. The threads-only versions of these
tests, on SQLite too, are in ``tests/actions/test_concurrency.py``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.web.live.processes import Cluster, Reply, cluster, fresh_postgres_database

pytestmark = pytest.mark.postgres

EDITORS = 6
TRIALS = 5  # the race was lost in 30 of 30 trials before the fix; five make it certain enough


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Servers ``a`` and ``b`` on a fresh PostgreSQL database (no broker needed here)."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    log_dir: Path = tmp_path_factory.mktemp("concurrent-writes")
    with (
        fresh_postgres_database(POSTGRES_URL) as url,
        cluster(url, "memory://", log_dir) as started,
    ):
        yield started


def _at_once(count: int, send: Callable[[int], Reply]) -> list[Reply]:
    """``send(0..count-1)`` from threads released together; the replies in that order."""
    barrier = threading.Barrier(count)
    replies: list[Reply | BaseException | None] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            replies[index] = send(index)
        except BaseException as exc:  # reported below
            replies[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request is still running after 60 s"
    done = [r for r in replies if isinstance(r, Reply)]
    assert len(done) == count, replies
    return done


def _entry(servers: Cluster, slug: str, body: str) -> int:
    entry, _ = servers.post_entry(servers.servers[0], slug, body)
    entry_id: int = entry["id"]
    return entry_id


def test_one_if_match_lets_exactly_one_of_six_concurrent_patches_through(
    servers: Cluster,
) -> None:
    slug = f"sturm-{uuid.uuid4().hex[:10]}"
    servers.create_blog(servers.servers[0], slug)
    for trial in range(TRIALS):
        entry_id = _entry(servers, slug, f"Versuch {trial}: Pegel steigt.")
        path = f"/api/v1/blogs/{slug}/entries/{entry_id}"
        headers = {**servers.auth, "If-Match": f'"{entry_id}-1"'}

        def patch(i: int, path: str = path, headers: dict[str, str] = headers) -> Reply:
            server = servers.servers[i % 2]
            return server.request("PATCH", path, body={"body": f"Fassung {i}"}, headers=headers)

        replies = _at_once(EDITORS, patch)
        statuses = sorted(r.status for r in replies)
        assert statuses == [200] + [412] * (EDITORS - 1), (statuses, servers.logs())
        winner = next(r for r in replies if r.status == 200)
        assert winner.headers["etag"] == f'"{entry_id}-2"'
        assert all(r.json()["current_version"] == 2 for r in replies if r.status == 412)
        stored = servers.servers[1].request("GET", path)
        assert stored.json()["body"] == winner.json()["body"]
        assert stored.json()["version"] == 2


def test_four_concurrent_pins_leave_at_most_one_entry_pinned(servers: Cluster) -> None:
    slug = f"sturm-{uuid.uuid4().hex[:10]}"
    servers.create_blog(servers.servers[0], slug)
    for trial in range(TRIALS):
        ids = [_entry(servers, slug, f"Versuch {trial}, Meldung {i}") for i in range(4)]

        def pin(i: int, ids: list[int] = ids) -> Reply:
            return servers.servers[i % 2].request(
                "PATCH",
                f"/api/v1/blogs/{slug}/entries/{ids[i]}",
                body={"pinned": True},
                headers={**servers.auth, "If-Match": f'"{ids[i]}-1"'},
            )

        replies = _at_once(len(ids), pin)
        assert all(r.status == 200 for r in replies), [(r.status, r.body) for r in replies]
        listed = servers.servers[1].request("GET", f"/api/v1/blogs/{slug}/entries?limit=100")
        pinned = [e["id"] for e in listed.json()["items"] if e["pinned"]]
        assert len(pinned) == 1, f"trial {trial}: pinned {pinned}"
