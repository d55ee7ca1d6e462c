"""WebSub: feeds name the hub and themselves, every publish, edit and delete tells the hub in the
background, with retries and backoff, coalesced and bounded; a failing or hanging hub never
slows posting. The hub is a stub HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings, SettingsError
from liveblog.domain.models import Entry, User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.outputs.websub import HubNotifier, NotificationFailed
from tests.conftest import FakeClock
from tests.waiting import wait_until
from tests.web.outputs.documents import parse_xml

SITE = "https://live.example.org"
FEEDS = [
    f"{SITE}/live/hochwasser/feed.{format_}{query}"
    for query in ("", "?key_events=1")
    for format_ in ("atom", "rss", "json")
]
HOLD_BOUND = 20.0
"""Longest a held request waits for its release (a failing test must not hang)."""


@dataclass
class HubStub:
    """A hub that records ``hub.mode=publish`` pings; it answers 500 to the first ``failures``
    requests, and holds every request while ``held`` is set."""

    failures: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    """Every request: (hub.mode, hub.url), the failed ones too."""
    accepted: list[str] = field(default_factory=list)
    """The feed URLs of the requests answered 204."""
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    waiting: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, form: dict[str, list[str]]) -> int:
        if self.held.is_set():
            with self.lock:
                self.waiting += 1
            self.released.wait(HOLD_BOUND)
        with self.lock:
            mode, url = form.get("hub.mode", [""])[0], form.get("hub.url", [""])[0]
            self.requests.append((mode, url))
            if self.failures > 0:
                self.failures -= 1
                return 500
            self.accepted.append(url)
            return 204


@pytest.fixture
def hub() -> Iterator[HubStub]:
    stub = HubStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
            status = stub.handle(parse_qs(body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def hub_settings(settings: Settings, hub: HubStub, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "public_url": SITE,
        "websub_hub": hub.url,
        "websub_retry_seconds": 0.02,
        "websub_tries": 4,
        "scheduler_seconds": 0,
    }
    return replace(settings, **{**values, **more})


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock, hub: HubStub) -> FastAPI:
    return create_app(hub_settings(settings, hub), db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI, writer: Actions, admin: User) -> Iterator[TestClient]:
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser", summary="Pegel.")
    with TestClient(app) as test_client:  # the lifespan starts the notifier
        yield test_client


def notifier(app: FastAPI) -> HubNotifier:
    found = app.state.websub
    assert isinstance(found, HubNotifier)
    return found


def all_feeds_accepted(hub: HubStub, since: int = 0) -> bool:
    return set(hub.accepted[since:]) >= set(FEEDS)


# -- what the feeds say ---------------------------------------------------------------------------


def test_feeds_name_the_hub_and_themselves(client: TestClient, hub: HubStub) -> None:
    for format_ in ("atom", "rss", "json"):
        for query in ("", "?key_events=1"):
            url = f"/live/hochwasser/feed.{format_}{query}"
            response = client.get(url)
            link = response.headers["link"]
            assert link == f'<{hub.url}>; rel="hub", <{SITE}{url}>; rel="self"'
    atom = parse_xml(client.get("/live/hochwasser/feed.atom").content)
    links = {e.get("rel"): e.get("href") for e in atom.iter("{http://www.w3.org/2005/Atom}link")}
    assert links["hub"] == hub.url
    assert links["self"] == f"{SITE}/live/hochwasser/feed.atom"
    rss = parse_xml(client.get("/live/hochwasser/feed.rss").content)
    links = {e.get("rel"): e.get("href") for e in rss.iter("{http://www.w3.org/2005/Atom}link")}
    assert links == {"hub": hub.url, "self": f"{SITE}/live/hochwasser/feed.rss"}
    feed = json.loads(client.get("/live/hochwasser/feed.json").content)
    assert feed["hubs"] == [{"type": "WebSub", "url": hub.url}]
    assert feed["feed_url"] == f"{SITE}/live/hochwasser/feed.json"


def test_without_a_hub_feeds_name_none(
    db: Database, settings: Settings, clock: FakeClock, admin: User
) -> None:
    app = create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)
    assert app.state.websub is None
    app.state.services.actions.create_blog(admin, slug="hochwasser", title="H", summary="")
    with TestClient(app) as client:
        for format_ in ("atom", "rss", "json"):
            response = client.get(f"/live/hochwasser/feed.{format_}")
            assert "link" not in response.headers
            assert "hub" not in response.text
        assert 'rel="self"' in client.get("/live/hochwasser/feed.atom").text


def test_a_hub_url_that_is_not_http_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(SettingsError, match="LIVEBLOG_WEBSUB_HUB"):
        create_app(replace(settings, websub_hub="file:///etc/passwd"), db=db, migrate=False)


# -- notifications --------------------------------------------------------------------------------


def announced(app: FastAPI, hub: HubStub, change: Callable[[], object], what: str) -> None:
    """Make ``change`` once the queue is idle; wait until the hub accepted every feed since."""
    wait_until(lambda: notifier(app).pending == 0, what="an idle queue")
    seen = len(hub.accepted)
    change()
    wait_until(lambda: all_feeds_accepted(hub, seen), what=what)


def test_publish_edit_delete_and_scheduled_publication_notify_every_feed(
    app: FastAPI, client: TestClient, writer: Actions, admin: User, hub: HubStub, clock: FakeClock
) -> None:
    posted: list[Entry] = []
    announced(
        app,
        hub,
        lambda: posted.append(writer.create_entry(admin, "hochwasser", body="Der Pegel steigt.")),
        "the post announced",
    )
    entry_id = posted[0].id
    announced(
        app,
        hub,
        lambda: writer.update_entry(
            admin, "hochwasser", entry_id, {"body": "Er sinkt."}, if_match="*"
        ),
        "the edit announced",
    )
    announced(
        app,
        hub,
        lambda: writer.delete_entry(admin, "hochwasser", entry_id, if_match="*"),
        "the deletion announced",
    )
    assert {mode for mode, _ in hub.requests} == {"publish"}

    # A draft or a scheduled entry is no change to any feed: nothing is queued.
    tried = len(hub.requests)
    writer.create_entry(admin, "hochwasser", body="Entwurf.", status="draft")
    writer.create_entry(
        admin, "hochwasser", body="Geplant.", publish_at=clock.now + timedelta(minutes=5)
    )
    assert notifier(app).pending == 0
    assert len(hub.requests) == tried

    # Its publication by the scheduler is a change like any other.
    clock.advance(minutes=6)
    announced(app, hub, writer.publish_due, "the scheduled entry announced")


def test_a_failing_hub_gets_the_notifications_after_it_recovers(
    app: FastAPI,
    client: TestClient,
    writer: Actions,
    admin: User,
    hub: HubStub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wait_until(lambda: notifier(app).pending == 0)
    hub.failures = 2 * len(FEEDS)  # every feed's first two tries fail (retries: 0.02 s, 0.04 s)
    seen, tried = len(hub.accepted), len(hub.requests)
    with caplog.at_level(logging.WARNING, logger="liveblog.websub"):
        writer.create_entry(admin, "hochwasser", body="Der Pegel steigt.")
        wait_until(lambda: all_feeds_accepted(hub, seen), what="the post announced at last")
    assert len(hub.requests) - tried == 3 * len(FEEDS)
    assert any("try 2 of 4" in r.getMessage() for r in caplog.records)
    assert notifier(app).given_up == 0


def test_a_hanging_hub_never_slows_posting(
    app: FastAPI, client: TestClient, writer: Actions, admin: User, hub: HubStub
) -> None:
    wait_until(lambda: notifier(app).pending == 0)
    hub.held.set()
    writer.create_entry(admin, "hochwasser", body="Erste Meldung.")
    wait_until(lambda: hub.waiting == 1, what="the hub holding the first notification")
    tried = len(hub.requests)

    slowest = 0.0
    for n in range(20):
        began = time.monotonic()
        writer.create_entry(admin, "hochwasser", body=f"Meldung {n}.")
        slowest = max(slowest, time.monotonic() - began)
    assert slowest < 2.0  # a post never waits for the hub (which holds for up to 20 s)
    assert hub.waiting == 1  # one notification at a time; the others wait, coalesced
    assert notifier(app).pending == len(FEEDS)

    hub.held.clear()
    hub.released.set()
    wait_until(lambda: notifier(app).pending == 0, what="the queue drained")
    assert set(hub.accepted) >= set(FEEDS)
    # 21 posts x 6 feeds, coalesced: each feed at most twice (the one on its way is sent again).
    assert len(hub.requests) - tried <= 2 * len(FEEDS)


def test_a_hub_that_keeps_failing_is_given_up_and_logged(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    admin: User,
    hub: HubStub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub.failures = 10_000
    app = create_app(hub_settings(settings, hub, websub_tries=3), db=db, clock=clock)
    writer = app.state.services.actions
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser", summary="")
    with caplog.at_level(logging.WARNING, logger="liveblog.websub"), TestClient(app):
        wait_until(lambda: notifier(app).given_up == len(FEEDS), what="every feed given up")
        assert notifier(app).pending == 0
    assert len(hub.requests) == 3 * len(FEEDS)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == len(FEEDS)
    assert all("after 3 tries" in message for message in errors)


# -- the queue itself -----------------------------------------------------------------------------


def test_the_queue_coalesces_and_is_bounded(settings: Settings) -> None:
    sent: list[str] = []
    queue = HubNotifier(
        replace(settings, public_url=SITE, websub_hub="http://127.0.0.1:9/hub"),
        send=lambda hub, url: sent.append(url),
        max_pending=8,
    )
    for _ in range(50):
        queue.notify(FEEDS)
    assert queue.pending == len(FEEDS)  # one per feed however often it changed
    queue.notify([f"{SITE}/live/other/feed.{n}" for n in range(5)])
    assert queue.pending == 8
    assert queue.dropped == 3
    queue.start()
    try:
        wait_until(lambda: queue.pending == 0)
    finally:
        queue.stop()
    assert sorted(sent) == sorted(
        [*FEEDS, f"{SITE}/live/other/feed.0", f"{SITE}/live/other/feed.1"]
    )


def test_stopping_does_not_wait_for_a_hung_hub(settings: Settings) -> None:
    hang = threading.Event()

    def send(hub: str, url: str) -> None:
        hang.wait(HOLD_BOUND)
        raise NotificationFailed("never answered")

    queue = HubNotifier(
        replace(settings, public_url=SITE, websub_hub="http://127.0.0.1:9/hub"), send=send
    )
    queue.start()
    queue.notify(FEEDS)
    wait_until(lambda: queue.pending == len(FEEDS))
    began = time.monotonic()
    queue.stop(timeout=0.2)
    assert time.monotonic() - began < 2.0
    hang.set()
