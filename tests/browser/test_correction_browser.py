"""Corrections and the "updated" mark in a real Chromium: a reader with the page open sees an
entry's correction note and mark appear in place, in the blog's language and zone; a minor edit
changes the text without a mark."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_live_browser import SOON, article_ids, edit, new_blog, open_live, post

pytestmark = pytest.mark.browser
LOCAL_TIME = re.compile(r"\d\d:\d\d")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_live_reader_sees_a_correction_in_place(
    live_server: LiveServer, open_context: OpenContext, width: int
) -> None:
    blog = new_blog(live_server)
    older = post(live_server, blog, "Die Brücke ist gesperrt.", minutes_ago=20)
    entry = post(live_server, blog, "Der Pegel steigt auf 7,10 Meter.", minutes_ago=5)
    page = open_live(open_context, live_server, f"/live/{blog.slug}", width=width, height=844)
    article = page.locator(f"#entry-{entry.id}")
    expect(article.locator(".entry__edited")).to_have_count(0)

    edit(live_server, blog, entry.id, body="Der Pegel steigt auf 7,01 Meter.", minor=True)
    expect(article.locator(".entry__body")).to_have_text(
        "Der Pegel steigt auf 7,01 Meter.", timeout=SOON
    )
    expect(article.locator(".entry__edited")).to_have_count(0)

    before = datetime.now(UTC)
    edit(
        live_server,
        blog,
        entry.id,
        body="Der Pegel steigt auf 7,20 Meter.",
        correction="In einer früheren Fassung stand ein falscher Pegelstand.",
    )
    note = article.locator(".entry__correction")
    expect(note).to_have_text(
        re.compile(r"^Korrektur \(\d\d:\d\d Uhr\): In einer früheren Fassung stand ein falscher"),
        timeout=SOON,
    )
    expect(article.locator(".entry__edited")).to_have_text(
        re.compile(r"aktualisiert \d\d:\d\d Uhr")
    )
    shown = note.locator("time").get_attribute("datetime")
    assert shown is not None
    assert datetime.fromisoformat(shown) >= before.replace(microsecond=0)
    assert article_ids(page) == [f"entry-{entry.id}", f"entry-{older.id}"]  # in place
    box = note.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    page.screenshot(path=f"/tmp/shots/correction-{width}.png", full_page=False)

    # A fresh page (and the permalink) shows the same as the live one.
    live_html = article.evaluate("el => el.outerHTML")
    fresh = open_live(open_context, live_server, f"/live/{blog.slug}", width=width)
    assert fresh.locator(f"#entry-{entry.id}").evaluate("el => el.outerHTML") == live_html
    permalink = fresh.context.new_page()
    permalink.goto(live_server.url(f"/live/{blog.slug}/entries/{entry.id}"))
    expect(permalink.locator(".entry__correction")).to_have_text(note.inner_text())
