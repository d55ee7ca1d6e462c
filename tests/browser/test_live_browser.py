"""Live updates in a real Chromium: ``/static/live.js`` against the real event stream (uvicorn
with liveblog's protocol), and against the polling API when the browser has no EventSource.

Every test makes its own blog: the live server is shared by the whole session."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from liveblog.domain.models import Blog, Entry
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from tests.browser.conftest import LiveServer, OpenContext

pytestmark = pytest.mark.browser

SOON = 2_000
"""Milliseconds within which a change must reach an open page (the issue's promise)."""
RECONNECT = 10_000
"""The browser reconnects after the stream's ``retry`` (3 s)."""
ARTICLES = "els => els.map(e => [e.id, e.innerText])"


# -- helpers -------------------------------------------------------------------------------------


def new_blog(live_server: LiveServer, *, title: str = "Unwetter im Süden", **kw: Any) -> Blog:
    slug = f"live-{uuid.uuid4().hex[:10]}"
    return live_server.actions.create_blog(live_server.admin, slug=slug, title=title, **kw)


def post(
    live_server: LiveServer, blog: Blog, body: str, *, minutes_ago: float = 0, **kw: Any
) -> Entry:
    return live_server.actions.create_entry(
        live_server.admin,
        blog.slug,
        body=body,
        published_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        **kw,
    )


def current(live_server: LiveServer, blog: Blog, entry_id: int) -> Entry:
    with live_server.actions.db.read() as conn:
        entry = entry_rows.get(conn, blog.id, entry_id)
    assert entry is not None
    return entry


def edit(live_server: LiveServer, blog: Blog, entry_id: int, **changes: Any) -> Entry:
    version = current(live_server, blog, entry_id).version
    return live_server.actions.update_entry(
        live_server.admin, blog.slug, entry_id, changes, if_match=version
    )


def delete(live_server: LiveServer, blog: Blog, entry_id: int) -> None:
    version = current(live_server, blog, entry_id).version
    live_server.actions.delete_entry(live_server.admin, blog.slug, entry_id, if_match=version)


def head(live_server: LiveServer, blog: Blog) -> int:
    with live_server.actions.db.read() as conn:
        found = blog_rows.by_id(conn, blog.id)
    assert found is not None
    return found.last_seq


def open_live(
    open_context: OpenContext,
    live_server: LiveServer,
    path: str,
    *,
    width: int = 1280,
    height: int = 900,
    state: str = "live",
    prepare: Callable[[Page], None] | None = None,
) -> Page:
    page = open_context(javascript=True, width=width, height=height).context.new_page()
    if prepare is not None:
        prepare(page)
    page.goto(live_server.url(path))
    expect(page.locator(".live")).to_have_attribute("data-live-state", state, timeout=SOON)
    return page


def article_ids(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("main article", "els => els.map(e => e.id)")
    return ids


def wait_applied(page: Page, seq: int) -> None:
    page.wait_for_function(
        "seq => Number(document.querySelector('.live').dataset.liveSeq) >= seq",
        arg=seq,
        timeout=RECONNECT,
    )


def new_entries_button(page: Page, count: int, language: str = "de") -> Locator:
    if language == "de":
        name = "1 neuer Eintrag" if count == 1 else f"{count} neue Einträge"
    else:
        name = "1 new entry" if count == 1 else f"{count} new entries"
    return page.get_by_role("status").get_by_role("button", name=name, exact=True)


def drop_streams(live_server: LiveServer, blog: Blog) -> None:
    """Close every event stream of the blog from the server side, as a restart would."""
    live = live_server.app.state.services.live
    loop = live._loop
    assert loop is not None

    async def close_all() -> int:
        hub = live.hub.blogs.get(blog.id)
        subscribers = list(hub.subscribers) if hub else []
        for subscriber in subscribers:
            subscriber.close()
        return len(subscribers)

    assert asyncio.run_coroutine_threadsafe(close_all(), loop).result(timeout=5) >= 1


def rewrite_page(page: Page, url: str, old: str, new: str) -> None:
    """Serve ``url`` with ``old`` replaced by ``new`` in its HTML (for test-only settings)."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        assert old in body
        route.fulfill(response=response, body=body.replace(old, new))

    page.route(url, handle)


# -- new entries ---------------------------------------------------------------------------------


def test_new_entries_wait_behind_a_button_and_arrive_on_click(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    older = post(live_server, blog, "Erste Meldung.", minutes_ago=30)
    pinned = post(live_server, blog, "Das Wichtigste in Kürze.", minutes_ago=60, pinned=True)
    page = open_live(open_context, live_server, f"/live/{blog.slug}")
    before = article_ids(page)
    assert before == [f"entry-{pinned.id}", f"entry-{older.id}"]
    assert page.locator(".live__toggle").get_attribute("aria-pressed") == "true"

    first = post(live_server, blog, "Zweite Meldung: der Pegel steigt.")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    second = post(live_server, blog, "Dritte Meldung: die Brücke ist gesperrt.")
    expect(new_entries_button(page, 2)).to_be_visible(timeout=SOON)

    # Held, not inserted: nothing moved, nothing took the focus.
    assert article_ids(page) == before
    assert page.evaluate("document.activeElement === document.body")
    assert page.get_by_role("status").get_attribute("role") == "status"

    new_entries_button(page, 2).click()

    assert article_ids(page) == [
        f"entry-{pinned.id}",
        f"entry-{second.id}",
        f"entry-{first.id}",
        f"entry-{older.id}",
    ]
    expect(page.locator(f"#entry-{first.id}")).to_contain_text("der Pegel steigt")
    expect(page.get_by_role("status").get_by_role("button")).to_have_count(0)
    # The reader asked for them: focus goes to the first new entry (the button is gone).
    assert page.evaluate("document.activeElement.id") == f"entry-{second.id}"


def test_edits_deletes_and_pins_change_the_page_in_place_without_moving_focus(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    a = post(live_server, blog, "Meldung A.", minutes_ago=30)
    b = post(live_server, blog, "Meldung B.", minutes_ago=20)
    c = post(live_server, blog, "Meldung C.", minutes_ago=10)
    page = open_live(open_context, live_server, f"/live/{blog.slug}")
    assert article_ids(page) == [f"entry-{c.id}", f"entry-{b.id}", f"entry-{a.id}"]
    page.locator(f"#entry-{a.id} .entry__permalink a").focus()
    page.evaluate("window.focusedBefore = document.activeElement")

    def focus_kept() -> bool:
        kept: bool = page.evaluate("document.activeElement === window.focusedBefore")
        return kept

    edit(live_server, blog, b.id, body="Meldung B, **ergänzt**.")
    expect(page.locator(f"#entry-{b.id} .entry__body")).to_have_text(
        "Meldung B, ergänzt.", timeout=SOON
    )
    assert article_ids(page) == [f"entry-{c.id}", f"entry-{b.id}", f"entry-{a.id}"]
    assert focus_kept()

    edit(live_server, blog, b.id, pinned=True)
    expect(page.locator("main article").first).to_have_id(f"entry-{b.id}", timeout=SOON)
    expect(page.locator(f"#entry-{b.id} .label--pinned")).to_have_text("Angeheftet")
    assert article_ids(page) == [f"entry-{b.id}", f"entry-{c.id}", f"entry-{a.id}"]
    assert focus_kept()

    edit(live_server, blog, b.id, pinned=False)
    expect(page.locator(f"#entry-{b.id} .label--pinned")).to_have_count(0, timeout=SOON)
    assert article_ids(page) == [f"entry-{c.id}", f"entry-{b.id}", f"entry-{a.id}"]
    assert focus_kept()

    # Pinning the entry that holds the focus replaces and lifts it: the focus stays on the same
    # link of the new article.
    permalink = f"/live/{blog.slug}/entries/{a.id}"
    edit(live_server, blog, a.id, pinned=True)
    expect(page.locator("main article").first).to_have_id(f"entry-{a.id}", timeout=SOON)
    assert page.evaluate("document.activeElement.getAttribute('href')") == permalink
    assert page.evaluate("document.activeElement.closest('article').id") == f"entry-{a.id}"
    page.evaluate("window.focusedBefore = document.activeElement")

    delete(live_server, blog, c.id)
    expect(page.locator(f"#entry-{c.id}")).to_have_count(0, timeout=SOON)
    assert article_ids(page) == [f"entry-{a.id}", f"entry-{b.id}"]
    assert focus_kept()

    # Unpinning it moves it back down; the focus still follows.
    edit(live_server, blog, a.id, pinned=False, headline="Neu: A")
    expect(page.locator(f"#entry-{a.id} .entry__headline")).to_have_text("Neu: A", timeout=SOON)
    assert article_ids(page) == [f"entry-{b.id}", f"entry-{a.id}"]
    assert page.evaluate("document.activeElement.getAttribute('href')") == permalink
    assert page.evaluate("document.activeElement.closest('article').id") == f"entry-{a.id}"


def test_key_events_view_shows_only_key_events(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    key = post(live_server, blog, "Wichtig.", minutes_ago=10, key_event=True, headline="Alarm")
    page = open_live(open_context, live_server, f"/live/{blog.slug}?key_events=1")

    post(live_server, blog, "Nebensache.")
    important = post(live_server, blog, "Auch wichtig.", key_event=True)
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    new_entries_button(page, 1).click()
    assert article_ids(page) == [f"entry-{important.id}", f"entry-{key.id}"]

    edit(live_server, blog, key.id, key_event=False)
    expect(page.locator(f"#entry-{key.id}")).to_have_count(0, timeout=SOON)
    assert article_ids(page) == [f"entry-{important.id}"]


# -- pause, reconnect, polling -------------------------------------------------------------------


def test_pause_stops_every_change_and_resume_catches_up(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    a = post(live_server, blog, "Vor der Pause.", minutes_ago=5)
    page = open_live(open_context, live_server, f"/live/{blog.slug}")
    toggle = page.get_by_role("button", name="Live", exact=True)

    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".live__state")).to_have_text("Pausiert")
    expect(page.locator(".live")).to_have_attribute("data-live-state", "paused")
    snapshot = "[document.querySelector('main').innerHTML, document.title]"
    paused = page.evaluate(snapshot)
    b = post(live_server, blog, "Während der Pause.", key_event=True, headline="Neue Lage")
    edit(live_server, blog, a.id, body="Vor der Pause, geändert.")
    # Asserting that nothing happens needs a wait: twice the delivery time the issue promises.
    page.wait_for_timeout(2 * SOON)
    assert page.evaluate(snapshot) == paused

    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    expect(page.locator(f"#entry-{a.id} .entry__body")).to_have_text("Vor der Pause, geändert.")
    expect(page.locator("h1")).to_have_text("Unwetter im Süden ++ Neue Lage ++")
    expect(page.locator(".live__state")).to_have_text("")
    new_entries_button(page, 1).click()
    assert article_ids(page) == [f"entry-{b.id}", f"entry-{a.id}"]


def test_a_dropped_stream_reconnects_and_delivers_each_event_once(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    page = open_live(open_context, live_server, f"/live/{blog.slug}")
    first = post(live_server, blog, "Vor dem Abbruch.")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)

    drop_streams(live_server, blog)
    expect(page.locator(".live")).to_have_attribute("data-live-state", "connecting", timeout=SOON)
    second = post(live_server, blog, "Während der Verbindung weg war.")
    edit(live_server, blog, first.id, body="Vor dem Abbruch, ergänzt.")

    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=RECONNECT)
    wait_applied(page, head(live_server, blog))
    expect(new_entries_button(page, 2)).to_be_visible()
    new_entries_button(page, 2).click()
    assert article_ids(page) == [f"entry-{second.id}", f"entry-{first.id}"]
    expect(page.locator(f"#entry-{first.id} .entry__body")).to_have_text(
        "Vor dem Abbruch, ergänzt."
    )

    # A stream the client has to open itself (the browser gave up) resumes after its last event.
    page.evaluate("""() => {
        const Original = window.EventSource;
        window.openedStreams = [];
        window.EventSource = function (url) {
            window.openedStreams.push(url);
            return new Original(url);
        };
        window.EventSource.CLOSED = Original.CLOSED;
    }""")
    page.get_by_role("button", name="Live", exact=True).click()
    page.get_by_role("button", name="Live", exact=True).click()
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    seq = head(live_server, blog)
    assert page.evaluate("window.openedStreams") == [
        f"/live/{blog.slug}/events?last_event_id={seq}"
    ]
    third = post(live_server, blog, "Danach.")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    new_entries_button(page, 1).click()
    assert page.locator(f"#entry-{third.id}").count() == 1
    assert len(article_ids(page)) == len(set(article_ids(page))) == 3


def test_a_refused_stream_is_reopened_after_the_last_applied_event(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    page = open_live(open_context, live_server, f"/live/{blog.slug}")
    first = post(live_server, blog, "Vor der Störung.")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    seen = head(live_server, blog)
    streams: list[str] = []

    def refuse_once(route: Route) -> None:
        streams.append(route.request.url)
        if len(streams) == 1:
            route.fulfill(status=503, body="")  # the browser gives up: readyState CLOSED
        else:
            route.continue_()

    page.route(f"**/live/{blog.slug}/events*", refuse_once)
    drop_streams(live_server, blog)
    second = post(live_server, blog, "Während der Störung.")

    expect(new_entries_button(page, 2)).to_be_visible(timeout=2 * RECONNECT)
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live")
    # The browser's own retry was refused; the client opened the next stream itself, after the
    # last event it had applied.
    assert len(streams) == 2
    assert streams[1] == live_server.url(f"/live/{blog.slug}/events?last_event_id={seen}")
    new_entries_button(page, 2).click()
    assert article_ids(page) == [f"entry-{second.id}", f"entry-{first.id}"]


def test_without_event_source_the_page_polls(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server, title="Ohne EventSource")
    a = post(live_server, blog, "Schon da.", minutes_ago=5)
    path = f"/live/{blog.slug}"

    def prepare(page: Page) -> None:
        page.context.add_init_script("delete window.EventSource")
        rewrite_page(
            page, live_server.url(path), 'data-live-poll-ms="10000"', 'data-live-poll-ms="300"'
        )

    page = open_live(open_context, live_server, path, state="polling", prepare=prepare)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    b = post(live_server, blog, "Per Abfrage geholt.", key_event=True, headline="Abgefragt")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)
    expect(page.locator("h1")).to_have_text("Ohne EventSource ++ Abgefragt ++")
    edit(live_server, blog, a.id, body="Schon da, geändert.")
    expect(page.locator(f"#entry-{a.id} .entry__body")).to_have_text(
        "Schon da, geändert.", timeout=SOON
    )
    new_entries_button(page, 1).click()
    assert article_ids(page) == [f"entry-{b.id}", f"entry-{a.id}"]
    assert any(f"/api/v1/blogs/{blog.slug}/events?after=" in url for url in requests)
    assert not any("/events?last_event_id=" in url for url in requests)


def test_a_reset_asks_the_reader_to_reload(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    post(live_server, blog, "Eine Meldung.")
    path = f"/live/{blog.slug}"
    version = head(live_server, blog)

    def prepare(page: Page) -> None:
        # A page claiming a version the log does not have: the stream answers with `reset`.
        rewrite_page(
            page,
            live_server.url(path),
            f'data-live-version="{version}"',
            f'data-live-version="{version + 1000}"',
        )

    page = open_live(open_context, live_server, path, state="stale", prepare=prepare)
    reload = page.get_by_role("status").get_by_role("button", name="Seite neu laden")
    expect(reload).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Diese Seite ist nicht mehr aktuell.")
    expect(page.locator(".live__state")).to_have_text("Nicht mehr aktuell")
    assert page.evaluate("document.activeElement === document.body")

    page.unroute(live_server.url(path))
    with page.expect_navigation():
        reload.click()
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    assert page.locator(".live").get_attribute("data-live-version") == str(version)


# -- the header and the whole page ---------------------------------------------------------------


def test_headline_stand_title_and_closed_note_follow_the_stream(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server, title="Hitzewelle")
    # Yesterday's entry: alone it sets the Stand, so its time shows without the date.
    old = post(live_server, blog, "Es wird warm.", minutes_ago=60 * 30)
    url = live_server.url(f"/live/{blog.slug}")
    # Once closed, the page looks for a reopening every second instead of every 5 minutes.
    closed_poll = ('data-live-closed-poll-ms="300000"', 'data-live-closed-poll-ms="1000"')
    page = open_live(
        open_context,
        live_server,
        f"/live/{blog.slug}",
        prepare=lambda p: rewrite_page(p, url, *closed_poll),
    )
    old_time = page.locator(f"#entry-{old.id} .entry__time time")
    short, long = old_time.get_attribute("data-short"), old_time.get_attribute("data-long")
    assert short != long
    expect(old_time).to_have_text(short or "")
    reader = open_context(javascript=False).context.new_page()

    def header(of: Page) -> list[Any]:
        values: list[Any] = of.evaluate(r"""() => [
            document.querySelector('h1').textContent,
            document.title,
            document.querySelector('.stand time').textContent,
            document.querySelector('.stand time').getAttribute('datetime'),
            document.querySelector('.stand time').dataset.day,
            [...document.querySelectorAll('.blog-header .closed')].map(
              box => box.textContent.replace(/\s+/g, ' ').trim()),
            [...document.querySelectorAll('.blog-header .closed time')].map(
              t => t.getAttribute('datetime')),
            [...document.querySelectorAll('.blog-header .teaser')].map(p => p.textContent),
            [...document.querySelectorAll('main article time')].map(t => t.textContent),
        ]""")
        return values

    def fresh() -> list[Any]:
        reader.goto(live_server.url(f"/live/{blog.slug}"))
        return header(reader)

    post(live_server, blog, "Rekord gemessen.", key_event=True, headline="41 Grad")
    expect(page.locator("h1")).to_have_text("Hitzewelle ++ 41 Grad ++", timeout=SOON)
    expect(page).to_have_title("Hitzewelle ++ 41 Grad ++")
    # Today's Stand: yesterday's entry now shows its date, before the new one is even shown.
    expect(old_time).to_have_text(long or "")
    expect(page.locator(f"#entry-{old.id} .entry__permalink")).to_contain_text(f"({long})")
    new_entries_button(page, 1).click()
    wait_applied(page, head(live_server, blog))
    assert header(page) == fresh()

    live_server.actions.update_blog(
        live_server.admin, blog.slug, {"title": "Die Hitzewelle", "summary": "Alles zur Hitze."}
    )
    expect(page.locator("h1")).to_have_text("Die Hitzewelle ++ 41 Grad ++", timeout=SOON)
    expect(page.locator(".teaser")).to_have_text("Alles zur Hitze.")
    assert header(page) == fresh()

    live_server.actions.update_blog(live_server.admin, blog.slug, {"status": "closed"})
    expect(page.locator(".blog-header .closed__state")).to_have_text(
        re.compile(r"^Beendet \d\d:\d\d Uhr$"), timeout=SOON
    )
    wait_applied(page, head(live_server, blog))
    expect(page.locator(".live")).to_have_attribute("data-live-state", "ended")  # stream ended
    assert header(page) == fresh()
    live_server.actions.update_blog(live_server.admin, blog.slug, {"status": "open"})
    # The closed page learns of the reopening when it next looks (test_closing_browser.py).
    expect(page.locator(".blog-header .closed")).to_have_count(0, timeout=3 * SOON)
    wait_applied(page, head(live_server, blog))
    assert header(page) == fresh()


@pytest.mark.parametrize("view", ["", "?key_events=1"])
def test_a_page_brought_forward_by_the_stream_equals_a_fresh_one(
    live_server: LiveServer, open_context: OpenContext, view: str
) -> None:
    blog = new_blog(live_server, title="Gipfeltreffen")
    entries = [
        post(live_server, blog, f"Meldung {i}.", minutes_ago=60 - i, key_event=i % 2 == 0)
        for i in range(5)
    ]
    edit(live_server, blog, entries[1].id, pinned=True)
    page = open_live(open_context, live_server, f"/live/{blog.slug}{view}")

    post(live_server, blog, "Neu und wichtig.", key_event=True, headline="Einigung")
    post(live_server, blog, "Neu, angeheftet.", pinned=True)  # unpins entries[1]
    post(live_server, blog, "Nachgetragen.", minutes_ago=45, key_event=True)  # between the others
    edit(live_server, blog, entries[0].id, body="Meldung 0, korrigiert.", headline="Korrektur")
    edit(live_server, blog, entries[2].id, key_event=False)
    edit(live_server, blog, entries[3].id, key_event=True)
    delete(live_server, blog, entries[4].id)
    edit(live_server, blog, entries[0].id, published_at=datetime.now(UTC) - timedelta(minutes=1))
    wait_applied(page, head(live_server, blog))
    button = page.get_by_role("status").get_by_role("button")
    if button.count():
        button.click()
    streamed = page.eval_on_selector_all("main article", ARTICLES)

    fresh = open_context(javascript=True).context.new_page()
    fresh.goto(live_server.url(f"/live/{blog.slug}{view}"))
    expected = fresh.eval_on_selector_all("main article", ARTICLES)
    assert streamed == expected
    assert len(expected) >= 4
    assert page.title() == fresh.title()


def test_oldest_first_and_older_pages_are_not_live(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    for i in range(live_server.settings.page_size + 1):
        post(live_server, blog, f"Meldung {i}.", minutes_ago=100 - i)
    recording = open_context(javascript=True)
    page = recording.context.new_page()
    for path in (f"/live/{blog.slug}?order=oldest", f"/live/{blog.slug}"):
        page.goto(live_server.url(path))
    page.get_by_role("link", name="Ältere Einträge").click()
    page.wait_for_load_state("load")

    assert page.locator(".live").count() == 0
    loaded = [url for url in recording.requests if "/static/live.js" in url]
    assert len(loaded) == 1  # only the first page of the default view asked for the script


# -- looks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [360, 1280])
def test_the_new_entries_button_fits_and_stays_in_sight(
    live_server: LiveServer, open_context: OpenContext, width: int, tmp_path: Path
) -> None:
    blog = new_blog(
        live_server,
        title="Hochwasser an der Donau",
        summary="Die Pegel steigen. Wir berichten fortlaufend.",
    )
    for i in range(14):
        post(
            live_server,
            blog,
            f"Meldung {i}: Die Lage an den Deichen bleibt angespannt, Helfer sind im Einsatz.",
            minutes_ago=200 - 10 * i,
            headline="Lage am Morgen" if i % 3 == 0 else None,
            key_event=i == 3,
            pinned=i == 0,
        )
    page = open_live(open_context, live_server, f"/live/{blog.slug}", width=width, height=740)
    for i in range(12):
        post(live_server, blog, f"Neu {i}.")
    pill = new_entries_button(page, 12)
    expect(pill).to_be_visible(timeout=SOON)
    directory = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(directory / f"live-{width}.png"))

    toggle_box = page.locator(".live__toggle").bounding_box()
    pill_box = pill.bounding_box()
    assert toggle_box is not None
    assert pill_box is not None
    assert pill_box["x"] >= toggle_box["x"] + toggle_box["width"]  # side by side, no overlap
    assert pill_box["x"] + pill_box["width"] <= width
    assert abs(pill_box["y"] - toggle_box["y"]) < 2  # in the toggle's row: no text moved
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    page.get_by_role("button", name="Live", exact=True).click()  # paused: "Pausiert" shows too
    state_box = page.locator(".live__state").bounding_box()
    assert state_box is not None
    assert pill_box["x"] >= state_box["x"] + state_box["width"]

    page.mouse.wheel(0, 1500)
    page.wait_for_function("() => window.scrollY > 1000")
    scrolled = pill.bounding_box()
    assert scrolled is not None
    assert 0 <= scrolled["y"] < 60  # it stays at the top of the window while reading on
    page.screenshot(path=str(directory / f"live-{width}-scrolled.png"))
