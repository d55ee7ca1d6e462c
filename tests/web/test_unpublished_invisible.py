"""An unpublished entry (a draft, a submitted one, one scheduled for later) is on no surface an
anonymous reader can reach, and in no cached answer, until it is published; then it is on every
one.

One app on a real server (its page cache, its live hub and its scheduler, on the test's clock)
answers every anonymous surface: the index, the blog page in each view, the permalink, the event
stream (resumed from 0), polling and the public API. Each is read twice before the entry exists
(so the cache keeps it) and again after: the answers, cached and rendered anew by a fresh app,
are byte for byte what they were, the entry's unique marker is in no cached byte, its permalink
and API item are 404 (never 410: readers never knew it), and no event number was taken. Once an
editor publishes it (the scheduler, for the scheduled one), every surface shows it, one new
event number later.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.domain.serialize import rfc3339
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.server import uvicorn_config
from tests.conftest import FakeClock
from tests.waiting import wait_until
from tests.web.live.conftest import Message, SSEClient
from tests.web.live.processes import Reply, request
from tests.web.live.sse_reading import HOST

SLUG = "flut"
MARKER = "Quokkaprotokoll"
"""In the unpublished entry's headline and body, and nowhere else."""
SURFACES = (
    "/",
    f"/live/{SLUG}",
    f"/live/{SLUG}?order=oldest",
    f"/live/{SLUG}?key_events=1",
    "/api/v1/blogs",
    f"/api/v1/blogs/{SLUG}",
    f"/api/v1/blogs/{SLUG}/entries",
    f"/api/v1/blogs/{SLUG}/entries?order=oldest",
    f"/api/v1/blogs/{SLUG}/entries?key_events=true",
    f"/api/v1/blogs/{SLUG}/entries?limit=2",
    f"/api/v1/blogs/{SLUG}/events?after=0",
    f"/live/{SLUG}/feed.atom",
    f"/live/{SLUG}/feed.rss",
    f"/live/{SLUG}/feed.json?key_events=1",
)
"""What anonymous readers GET, besides the entry's own addresses (:func:`entry_paths`)."""
SHOWING_ENTRIES = SURFACES[1:4] + SURFACES[6:9] + SURFACES[10:]
"""The surfaces that show the entry once it is published (``?limit=2``: the newest two)."""
QUIET = 0.3  # seconds a stream is watched for a frame that must not come


def entry_paths(entry_id: int) -> tuple[str, str]:
    return f"/live/{SLUG}/entries/{entry_id}", f"/api/v1/blogs/{SLUG}/entries/{entry_id}"


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """``app`` under uvicorn in a thread (lifespan, page cache, hub, scheduler); its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    port: int = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), 20, "the server to start")
        assert thread.is_alive(), "the server thread died"
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()


class Reads:
    """Anonymous GETs against the served app, and what its page cache keeps."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.port = port

    def get(self, path: str) -> Reply:
        return request(self.port, "GET", path)

    def all(self, paths: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
        """Each path read twice (the second is served from the cache); the second answers."""
        for path in paths:
            self.get(path)
        return {path: (reply.status, reply.body) for path in paths for reply in [self.get(path)]}

    def cached(self) -> list[bytes]:
        """Every body the page cache keeps right now."""
        pages = self.app.state.services.pages
        with pages._lock:
            return [slot.page.body for slot in pages._slots.values()]

    def stream(self, after: int) -> SSEClient:
        return SSEClient(self.port, f"/live/{SLUG}/events", {"Last-Event-ID": str(after)})


def fresh_answers(
    db: Database, settings: Settings, clock: FakeClock, paths: tuple[str, ...]
) -> dict[str, tuple[int, bytes]]:
    """The answers of a new process (nothing cached, no scheduler) on the same database."""
    app = create_app(replace(settings, scheduler_seconds=0), db=db, clock=clock, migrate=False)
    with TestClient(app) as other:
        return {
            path: (response.status_code, response.content)
            for path in paths
            for response in [other.get(path)]
        }


def replayed(reads: Reads, head: int) -> list[Message]:
    """The stream resumed from 0: exactly events 1 to ``head``, then nothing more."""
    stream = reads.stream(0)
    try:
        messages = stream.messages(head)
        assert stream.nothing_within(QUIET)
    finally:
        stream.close()
    assert [m.id for m in messages] == list(range(1, head + 1))  # gap-free
    return messages


def mentions(message: Message, entry_id: int) -> bool:
    entry = message.data.get("entry") or {}
    return entry.get("id") == entry_id or MARKER in json.dumps(message.data, ensure_ascii=False)


def create_unpublished(
    reads: Reads, status: str, tokens: dict[str, str], clock: FakeClock
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "headline": f"{MARKER} im Entwurf",
        "body": f"Der {MARKER} steht noch nicht fest.",
        "key_event": True,
    }
    author = "contributor"
    if status == "submitted":
        fields["status"] = "submitted"
    elif status == "scheduled":
        fields["publish_at"] = rfc3339(clock.now + timedelta(minutes=10))
        author = "editor"
    reply = request(
        reads.port,
        "POST",
        f"/api/v1/blogs/{SLUG}/entries",
        body=fields,
        headers={"Authorization": f"Bearer {tokens[author]}"},
    )
    assert reply.status == 201, reply.body
    entry: dict[str, Any] = reply.json()
    assert entry["status"] == status
    return entry


def publish(
    reads: Reads, status: str, entry: dict[str, Any], tokens: dict[str, str], clock: FakeClock
) -> None:
    """An editor publishes it from the queue; the scheduled one is left to the scheduler."""
    item = entry_paths(entry["id"])[1]
    if status == "scheduled":
        clock.advance(minutes=10)
        wait_until(lambda: reads.get(item).status == 200, what="the scheduler to publish it")
        return
    reply = request(
        reads.port,
        "PATCH",
        item,
        body={"status": "published"},
        headers={
            "Authorization": f"Bearer {tokens['editor']}",
            "If-Match": f'"{entry["id"]}-{entry["version"]}"',
        },
    )
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "published"


@pytest.mark.parametrize("status", ["draft", "submitted", "scheduled"])
def test_an_unpublished_entry_is_on_no_anonymous_surface_until_it_is_published(
    status: str, db: Database, settings: Settings, clock: FakeClock, admin: User
) -> None:
    app = create_app(replace(settings, scheduler_seconds=0.05), db=db, clock=clock, migrate=False)
    desk: Actions = app.state.services.actions
    with serving(app) as port:
        reads = Reads(app, port)
        desk.create_blog(admin, slug=SLUG, title="Hochwasser")
        tokens = {}
        for role in ("editor", "contributor"):
            user = desk.create_user(f"{role}@example.org", "user", "correct horse battery")
            desk.add_member(admin, SLUG, user.email, role)
            tokens[role] = desk.create_token(user.email)[1]
        for n in range(3):
            clock.advance(minutes=1)
            desk.create_entry(
                admin, SLUG, body=f"Meldung {n}", headline=f"Lage {n}", key_event=True
            )
        head = reads.get(f"/api/v1/blogs/{SLUG}").json()["version"]
        next_id = max(i["id"] for i in reads.get(SURFACES[6]).json()["items"]) + 1
        paths = SURFACES + entry_paths(next_id)
        listening = reads.stream(head)
        try:
            before = reads.all(paths)
            assert [before[p][0] for p in entry_paths(next_id)] == [404, 404]
            fresh_before = fresh_answers(db, settings, clock, paths)
            warmed = len(reads.cached())
            assert warmed >= len(paths) - 2  # the API item's 404 is not kept

            clock.advance(minutes=1)
            entry = create_unpublished(reads, status, tokens, clock)
            assert entry["id"] == next_id

            # Nothing an anonymous reader gets changed: cached, rendered anew, streamed.
            assert reads.all(paths) == before
            assert fresh_answers(db, settings, clock, paths) == fresh_before
            for path in entry_paths(entry["id"]):
                reply = reads.get(path)
                assert reply.status == 404, (path, reply.status)  # not 410: it never existed
                assert MARKER.encode() not in reply.body
            cached = reads.cached()
            assert len(cached) >= warmed
            assert not [body for body in cached if MARKER.encode() in body]
            assert listening.nothing_within(QUIET)
            assert not [m for m in replayed(reads, head) if mentions(m, entry["id"])]

            clock.advance(minutes=1)
            publish(reads, status, entry, tokens, clock)

            # Now every surface has it, one event number later.
            [created] = listening.messages(1)
        finally:
            listening.close()
        assert (created.id, created.event) == (head + 1, "entry.created")
        assert mentions(created, entry["id"])
        assert mentions(replayed(reads, head + 1)[-1], entry["id"])
        after = reads.all(paths)
        for path in SHOWING_ENTRIES + entry_paths(entry["id"]):
            assert after[path][0] == 200, path
            assert MARKER.encode() in after[path][1], path
        assert f'<h1 class="headline">Hochwasser\u00a0++ {MARKER} im Entwurf\u00a0++</h1>' in (
            after[SURFACES[1]][1].decode()
        )
        poll = json.loads(after[SURFACES[10]][1])
        assert [e["seq"] for e in poll["events"]] == list(range(1, head + 2))
        assert json.loads(after[SURFACES[5]][1])["version"] == head + 1
        assert {b["slug"]: b["version"] for b in json.loads(after[SURFACES[4]][1])["items"]} == {
            SLUG: head + 1
        }
        published = json.loads(after[entry_paths(entry["id"])[1]][1])
        assert published["status"] == "published"
        stand = f'datetime="{published["updated_at"]}"'
        assert stand in after["/"][1].decode()  # the index's dateline is its publication
        assert stand not in before["/"][1].decode()
        assert [body for body in reads.cached() if MARKER.encode() in body]
