"""Closing a blog in a real Chromium: an open page gets ``blog.closed`` with the closing note
at the top, its stream ends and is not opened again, the Live toggle goes; a page of a closed
blog opens no stream and only looks now and then whether it was reopened; once it is, the
page is live again (the notes go, new entries arrive)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_live_browser import (
    SOON,
    new_blog,
    new_entries_button,
    open_live,
    post,
    rewrite_page,
)

pytestmark = pytest.mark.browser


def test_an_open_page_ends_with_the_blog_and_comes_back_when_it_reopens(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    post(live_server, blog, "Erste Meldung.")
    path = f"/live/{blog.slug}"
    context = open_context(javascript=True, width=1280, height=900)
    streams: list[str] = []
    context.context.on(
        "request", lambda request: streams.append(request.url) if "/events" in request.url else None
    )
    page = context.context.new_page()
    # Look for a reopening every second instead of every five minutes.
    rewrite_page(
        page,
        live_server.url(path),
        'data-live-closed-poll-ms="300000"',
        'data-live-closed-poll-ms="1000"',
    )
    page.goto(live_server.url(path))
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)

    live_server.actions.update_blog(
        live_server.admin,
        blog.slug,
        {"status": "closed", "closing_note": "Die Berichterstattung endet hier.\n\nDanke!"},
    )
    header = page.locator(".blog-header")
    # One box under the headline: "Beendet" with the closing time, then the closing note.
    state = header.locator(".closed .closed__state")
    expect(state).to_contain_text("Beendet", timeout=SOON)
    expect(state.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d Uhr$"))
    assert state.locator("time").get_attribute("datetime")
    expect(header.locator(".closed .closing-note")).to_have_text(
        ["Die Berichterstattung endet hier.", "Danke!"]
    )
    # No row with the Live toggle any more.
    expect(page.locator(".live")).to_have_attribute("data-live-state", "ended")
    expect(page.locator(".live")).to_be_hidden()
    opened = [u for u in streams if "/live/" in u]
    # The page looks (polls) for a reopening now and then; it opens no new stream.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(r => r.name.includes('/api/v1/blogs/') && r.name.includes('/events'))",
        timeout=3 * SOON,
    )
    assert [u for u in streams if "/live/" in u] == opened

    live_server.actions.update_blog(live_server.admin, blog.slug, {"status": "open"})
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=3 * SOON)
    expect(header.locator(".closed")).to_have_count(0)
    expect(header.locator(".closing-note")).to_have_count(0)
    expect(page.locator(".live__toggle")).to_be_visible()
    post(live_server, blog, "Es geht weiter.")
    expect(new_entries_button(page, 1)).to_be_visible(timeout=SOON)


def test_a_closed_blogs_page_opens_no_stream(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    post(live_server, blog, "Erste Meldung.")
    live_server.actions.update_blog(
        live_server.admin, blog.slug, {"status": "closed", "closing_note": "Ende."}
    )
    page = open_live(open_context, live_server, f"/live/{blog.slug}", state="ended")
    expect(page.locator(".closing-note")).to_have_text("Ende.")
    # No toggle: the header says "Beendet" and the closing time instead.
    expect(page.locator(".live__toggle")).to_be_hidden()
    expect(page.locator(".closed__state")).to_contain_text("Beendet")
    streams = page.evaluate(
        "performance.getEntriesByType('resource').filter(r => r.name.includes('/events')).length"
    )
    assert streams == 0
