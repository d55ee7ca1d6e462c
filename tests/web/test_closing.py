"""The coverage lifecycle: closing a blog with a closing note (API and desk), shown at the top of
the page, the permalink and the embed; live readers get ``blog.closed`` and their streams end,
a new stream of a closed blog ends after its replay, polls say closed; a closed blog's pages,
embed, feeds and polls are cached for long; an owner reopens it (the note is kept, shown again
only when the blog is closed again)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.errors import Conflict
from liveblog.domain.models import BlogStatus, User
from liveblog.domain.serialize import rfc3339
from liveblog.pubsub.broker import WakeUp
from liveblog.pubsub.hub import Frame, ProcessHub
from liveblog.storage import blogs as blog_rows
from liveblog.web.live.sse import CLOSED_RETRY_MS, HEARTBEAT, end_message
from tests.conftest import FakeClock
from tests.waiting import wait_until
from tests.web.api.helpers import assert_problem, snapshot
from tests.web.desk.sessions import log_in, team
from tests.web.live.conftest import Message, Served, SSEClient, serve
from tests.web.live.readers import RecordingReader

SLUG = "storm"
NOTE = "Die Berichterstattung geht auf example.org weiter.\n\nDanke fürs Mitlesen <3."
LONG = "public, max-age=3600"


@pytest.fixture
def entry_id(writer: Actions, admin: User) -> int:
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", language="de")
    return writer.create_entry(admin, SLUG, body="Der Deich hält.").id


def _close(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    reply = client.patch(
        f"/api/v1/blogs/{SLUG}", json={"status": "closed", **extra}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _pages(entry_id: int) -> list[str]:
    return [f"/live/{SLUG}", f"/live/{SLUG}/entries/{entry_id}", f"/live/{SLUG}/embed"]


# -- the closing note ------------------------------------------------------------------------


def test_the_closing_note_is_shown_at_the_top_of_page_permalink_and_embed(
    client: TestClient, admin_headers: dict[str, str], entry_id: int, clock: FakeClock
) -> None:
    for path in _pages(entry_id):
        assert 'class="closed"' not in client.get(path).text
    clock.advance(minutes=5)
    blog = _close(client, admin_headers, closing_note=NOTE)
    assert blog["status"] == "closed"
    assert blog["closing_note"] == NOTE
    assert blog["closed_at"] == rfc3339(clock.now)
    for path in _pages(entry_id):
        html = client.get(path).text
        closed = html.index('<p class="closed__state">Beendet <time datetime="')
        first = html.index(
            '<p class="closing-note">Die Berichterstattung geht auf example.org weiter.</p>'
        )
        second = html.index('<p class="closing-note">Danke fürs Mitlesen &lt;3.</p>')
        end = html.index("</header>", html.index('<header class="blog-header">'))
        box_end = html.index("</div>", second)
        assert html.index("</h1>") < closed < first < second < box_end < end, path
    # Pollers get the event with the page's new top.
    events = client.get(f"/api/v1/blogs/{SLUG}/events?after=0").json()
    last = events["events"][-1]
    assert last["type"] == "blog.closed"
    assert last["blog"]["closing_note"] == NOTE
    assert last["page"]["closed"] is True
    assert last["page"]["closing_note"] == [
        "Die Berichterstattung geht auf example.org weiter.",
        "Danke fürs Mitlesen <3.",
    ]
    assert events["closed"] is True


def test_closing_without_a_note_shows_no_note(
    client: TestClient, admin_headers: dict[str, str], entry_id: int
) -> None:
    assert _close(client, admin_headers)["closing_note"] is None
    html = client.get(f"/live/{SLUG}").text
    assert '<div class="closed">' in html
    assert "closing-note" not in html


@pytest.mark.parametrize(
    ("note", "field"),
    [
        ("x" * 1001, "closing_note"),
        ("Ende\x00", "closing_note"),
        (42, "closing_note"),
    ],
)
def test_a_bad_closing_note_is_refused_and_nothing_changes(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    entry_id: int,
    note: object,
    field: str,
) -> None:
    before = snapshot(app.state.services.db)
    reply = client.patch(
        f"/api/v1/blogs/{SLUG}",
        json={"status": "closed", "closing_note": note},
        headers=admin_headers,
    )
    assert_problem(reply, 422, field)
    assert snapshot(app.state.services.db) == before


def test_reopening_keeps_the_note_but_shows_it_only_while_closed(
    client: TestClient, admin_headers: dict[str, str], entry_id: int, writer: Actions, admin: User
) -> None:
    _close(client, admin_headers, closing_note="Schluss für heute.")
    with pytest.raises(Conflict, match="closed"):
        writer.create_entry(admin, SLUG, body="Zu spät.")
    reply = client.patch(f"/api/v1/blogs/{SLUG}", json={"status": "open"}, headers=admin_headers)
    assert reply.status_code == 200
    blog = reply.json()
    assert (blog["status"], blog["closed_at"], blog["closing_note"]) == (
        "open",
        None,
        "Schluss für heute.",
    )
    events = client.get(f"/api/v1/blogs/{SLUG}/events?after=0").json()
    assert [e["type"] for e in events["events"][-2:]] == ["blog.closed", "blog.updated"]
    assert events["events"][-1]["page"]["closed"] is False
    assert events["closed"] is False
    for path in _pages(entry_id):
        html = client.get(path).text
        assert 'class="closed"' not in html
        assert "Schluss für heute." not in html
    writer.create_entry(admin, SLUG, body="Es geht weiter.")  # entries may change again
    # Closing again shows the kept note; null removes it.
    _close(client, admin_headers)
    assert "Schluss für heute." in client.get(f"/live/{SLUG}").text
    cleared = client.patch(
        f"/api/v1/blogs/{SLUG}", json={"closing_note": None}, headers=admin_headers
    ).json()
    assert cleared["closing_note"] is None
    assert "Schluss für heute." not in client.get(f"/live/{SLUG}").text


def test_owners_close_and_reopen_on_the_settings_page(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    page = owner.get(f"/admin/blogs/{t.slug}/settings")
    assert 'name="closing_note"' in page.text
    values = {
        "title": "Storm surge",
        "summary": "",
        "language": "en",
        "timezone": "Europe/Berlin",
        "status": "closed",
        "closing_note": "Thanks for reading.",
    }
    reply = owner.post_form(f"/admin/blogs/{t.slug}/settings", values)
    assert reply.status_code == 303, reply.text
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, t.slug)
    assert blog is not None
    assert (blog.status, blog.closing_note) == (BlogStatus.CLOSED, "Thanks for reading.")
    assert blog.closed_at is not None
    assert "Thanks for reading.</textarea>" in owner.get(f"/admin/blogs/{t.slug}/settings").text
    too_long = owner.post_form(
        f"/admin/blogs/{t.slug}/settings", {**values, "closing_note": "x" * 1001}
    )
    assert too_long.status_code == 422
    assert 'id="closing_note-error"' in too_long.text
    assert "x" * 1001 in too_long.text
    reopened = owner.post_form(f"/admin/blogs/{t.slug}/settings", {**values, "status": "open"})
    assert reopened.status_code == 303
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, t.slug)
    assert blog is not None
    assert (blog.status, blog.closed_at) == (BlogStatus.OPEN, None)


# -- cache lifetimes -------------------------------------------------------------------------


def _public_urls(entry_id: int) -> list[str]:
    return [
        *_pages(entry_id),
        f"/live/{SLUG}?key_events=1",
        f"/live/{SLUG}/feed.atom",
        f"/live/{SLUG}/feed.rss",
        f"/live/{SLUG}/feed.json",
        f"/api/v1/blogs/{SLUG}/events?after=0",
    ]


def test_a_closed_blogs_pages_feeds_and_polls_are_cached_for_long(
    client: TestClient, admin_headers: dict[str, str], entry_id: int
) -> None:
    for url in _public_urls(entry_id):
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert reply.headers["cache-control"] != LONG, url
    _close(client, admin_headers)
    for url in _public_urls(entry_id):
        reply = client.get(url)
        assert reply.headers["cache-control"] == LONG, url
        again = client.get(url, headers={"If-None-Match": reply.headers["etag"]})
        assert again.status_code == 304, url
        assert again.headers["cache-control"] == LONG, url
    client.patch(f"/api/v1/blogs/{SLUG}", json={"status": "open"}, headers=admin_headers)
    for url in _public_urls(entry_id):
        assert client.get(url).headers["cache-control"] != LONG, url


def test_the_closed_lifetime_is_a_setting(
    db: Any, clock: FakeClock, tmp_path: Path, admin: User
) -> None:
    from liveblog.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", closed_max_age=60)
    app = create_app(settings, db=db, clock=clock, migrate=False)
    actions = app.state.services.actions
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    actions.update_blog(admin, SLUG, {"status": "closed"})
    with TestClient(app) as client:
        assert client.get(f"/live/{SLUG}").headers["cache-control"] == "public, max-age=60"


# -- live readers ----------------------------------------------------------------------------


@pytest.fixture(params=["transport", "asgi"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The app under uvicorn, event streams handed to the hub or through the ASGI route."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'live.db'}", live_heartbeat_seconds=0.5
    )
    yield from serve(settings, None if request.param == "transport" else "httptools")


def _connect(served: Served, query: str = "") -> SSEClient:
    # Connection: close, so that the end of the response is the end of the connection on the
    # ASGI path too (the transport path always closes).
    return served.connect(f"/live/{SLUG}/events{query}", {"Connection": "close"})


def _rest(client: SSEClient, seconds: float = 5.0) -> list[Message]:
    """Every message until the server closes the stream (which must happen in ``seconds``)."""
    found: list[Message] = []
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"the stream did not end; got {found}")
        try:
            found += client.messages(1, timeout=remaining)
        except ConnectionError:
            return found
        except TimeoutError:
            continue


def _registered(served: Served, count: int) -> None:
    hub = served.app.state.services.live.hub
    wait_until(lambda: hub.subscriber_count == count, what=f"{count} registered reader(s)")


def test_live_readers_get_blog_closed_then_their_streams_end(served: Served) -> None:
    actions = served.actions
    actions.create_blog(served.admin, slug=SLUG, title="Sturmflut", language="de")
    readers = [_connect(served) for _ in range(3)]
    try:
        _registered(served, 3)
        blog = actions.update_blog(
            served.admin, SLUG, {"status": "closed", "closing_note": "Schluss."}
        )
        for reader in readers:
            closed, end = _rest(reader)
            assert (closed.id, closed.event) == (blog.last_seq, "blog.closed")
            assert closed.data["page"]["closed"] is True
            assert closed.data["page"]["closing_note"] == ["Schluss."]
            assert closed.data["blog"]["status"] == "closed"
            assert (end.id, end.event, end.data) == (
                None,
                "end",
                {"seq": blog.last_seq, "type": "end", "status": "closed"},
            )
            assert reader.retry == CLOSED_RETRY_MS
        _registered(served, 0)
    finally:
        for reader in readers:
            reader.close()


def test_a_new_stream_of_a_closed_blog_gets_the_final_state_and_ends(served: Served) -> None:
    actions = served.actions
    actions.create_blog(served.admin, slug=SLUG, title="Sturmflut", language="de")
    actions.create_entry(served.admin, SLUG, body="Der Deich hält.")
    head = actions.update_blog(served.admin, SLUG, {"status": "closed"}).last_seq
    # Behind: the replay, the end, then the server closes the stream.
    behind = _connect(served, f"?last_event_id={head - 2}")
    try:
        messages = _rest(behind)
    finally:
        behind.close()
    assert [(m.id, m.event) for m in messages] == [
        (head - 1, "entry.created"),
        (head, "blog.closed"),
        (None, "end"),
    ]
    # Up to date, or without a position: the end alone.
    for query in (f"?last_event_id={head}", ""):
        current = _connect(served, query)
        try:
            assert [(m.event, m.data["seq"]) for m in _rest(current)] == [("end", head)]
        finally:
            current.close()
    # Reopened: streams stay open again.
    actions.update_blog(served.admin, SLUG, {"status": "open"})
    reopened = _connect(served)
    try:
        _registered(served, 1)
        reopened.wait_for_comment()  # a heartbeat: the stream is alive
        entry = actions.create_entry(served.admin, SLUG, body="Es geht weiter.")
        [message] = reopened.messages(1)
        assert (message.event, message.data["entry"]["id"]) == ("entry.created", entry.id)
    finally:
        reopened.close()


# -- the hub ---------------------------------------------------------------------------------


class ClosingLog:
    """A blog's event log in memory whose events may close the blog."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []

    def append(self, *, closes: bool = False) -> int:
        seq = len(self.frames) + 1
        data = f"id: {seq}\nevent: blog.updated\ndata: {{}}\n\n".encode()
        self.frames.append(Frame(seq, data, ending=end_message(seq) if closes else b""))
        return seq

    def frames_after(self, blog_id: int, after: int, limit: int) -> list[Frame]:
        return self.frames[after : after + limit]

    def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
        return {b: len(self.frames) for b in blog_ids}

    def reset_frame(self, blog_id: int, head: int, reason: str) -> Frame:
        return Frame(head, f"id: {head}\nevent: reset\ndata: {{}}\n\n".encode())

    def ending(self, blog_id: int) -> bytes:
        last = self.frames[-1] if self.frames else None
        return last.ending if last is not None else b""

    heartbeat = HEARTBEAT


async def _inline(fn: Any, *args: Any) -> Any:
    await asyncio.sleep(0)
    return fn(*args)


async def _settle(hub: ProcessHub) -> None:
    for _ in range(50):
        await asyncio.sleep(0)
    while hub._tasks:
        await asyncio.gather(*list(hub._tasks))


def test_the_hub_ends_streams_when_a_pulled_event_closes_the_blog_and_reopens_them() -> None:
    """The path of another process's close (a wake-up, a pull from the log), and a channel
    opened while the blog is closed (``ending_of``)."""

    async def scenario() -> None:
        log = ClosingLog()
        log.append()
        hub = ProcessHub(log, run_sync=_inline, heartbeat_range=(3600, 3600), ending_of=log.ending)
        readers = [RecordingReader() for _ in range(2)]
        for reader in readers:
            assert await hub.subscribe(1, reader, None)
        hub.wake(WakeUp(1, log.append(closes=True)))
        await _settle(hub)
        for reader in readers:
            assert reader.events() == [(2, "blog.updated")]
            assert bytes(reader.data).endswith(end_message(2))
            assert reader.closed
        assert hub.subscriber_count == 0
        # Joining the closed blog: the replay, the end, closed at once.
        late = RecordingReader()
        assert not await hub.subscribe(1, late, 1)
        assert late.events() == [(2, "blog.updated")]
        assert late.closed
        await hub.stop()
        # A new hub (another process) opens the blog's channel while it is closed.
        fresh = ProcessHub(
            log, run_sync=_inline, heartbeat_range=(3600, 3600), ending_of=log.ending
        )
        newcomer = RecordingReader()
        assert not await fresh.subscribe(1, newcomer, None)
        assert bytes(newcomer.data) == end_message(2)
        # Reopened: a frame without an ending; readers stay.
        log.append()
        staying = RecordingReader()
        fresh.wake(WakeUp(1, 3))
        await _settle(fresh)
        assert await fresh.subscribe(1, staying, 3)
        assert not staying.closed
        assert fresh.subscriber_count == 1
        await fresh.stop()

    asyncio.run(scenario())


def test_closing_is_stamped_by_the_clock(actions: Actions, admin: User, clock: FakeClock) -> None:
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    clock.advance(hours=2)
    blog = actions.update_blog(admin, SLUG, {"status": "closed"})
    assert blog.closed_at == clock.now
    clock.advance(minutes=1)
    again = actions.update_blog(admin, SLUG, {"title": "Sturmflut (Ende)"})
    assert again.closed_at == clock.now - timedelta(minutes=1)  # a later change keeps it
    assert actions.update_blog(admin, SLUG, {"status": "open"}).closed_at is None
