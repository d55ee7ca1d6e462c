"""Bylines from the desk in real Chromium: the compose form names its poster and may add other
members; the edit form shows the byline (read apart, as readers may not see it) and changes it;
readers of a blog with ``show_authors`` see the names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from liveblog.storage import bylines
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_desk_browser import (
    SOON,
    desk_article,
    entry,
    new_blog,
    new_member,
    open_desk,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def test_a_byline_chosen_in_compose_and_changed_in_an_edit(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    live_server.actions.update_blog(live_server.admin, blog.slug, {"show_authors": True})
    anna = new_member(live_server, blog, "editor", language="de", display_name="Anna Berg")
    ben = new_member(live_server, blog, "contributor", language="de", display_name="Ben Ott")
    desk = open_desk(open_context, live_server, anna, blog)

    authors = desk.locator("#compose [data-field=authors]")
    expect(authors.get_by_label("Anna Berg")).to_be_checked()
    expect(authors.get_by_label("Ben Ott")).not_to_be_checked()
    authors.get_by_label("Ben Ott").check()
    desk.locator("#compose-body").fill("Gemeinsam vom Deich berichtet.")
    desk.locator("#compose [data-action=post]").click()
    article = desk.locator(".desk-entry article", has_text="Gemeinsam vom Deich")
    expect(article.locator(".entry__byline")).to_have_text(
        "Von Anna Berg und Ben Ott", timeout=SOON
    )
    expect(authors.get_by_label("Ben Ott")).not_to_be_checked()  # the next entry: the poster

    wrapper = desk.locator(".desk-entry", has_text="Gemeinsam vom Deich")
    entry_id = int(wrapper.get_attribute("data-entry-id") or 0)
    wrapper.get_by_role("button", name="Bearbeiten").click()
    form = wrapper.locator("form")
    expect(form.get_by_label("Ben Ott")).to_be_checked(timeout=SOON)
    expect(form.get_by_label("Anna Berg")).to_be_checked()
    form.get_by_label("Anna Berg").uncheck()
    form.get_by_role("button", name="Speichern").click()
    expect(desk_article(desk, entry_id).locator(".entry__byline")).to_have_text(
        "Von Ben Ott", timeout=SOON
    )

    def byline() -> list[int]:
        with live_server.actions.db.read() as conn:
            found = bylines.authors_of(conn, [entry(live_server, blog, entry_id)])
        return [author.id for author in found.get(entry_id, ())]

    wait_until(lambda: byline() == [ben.id], what="the new byline")
    reader = open_context().context.new_page()
    reader.goto(live_server.url(f"/live/{blog.slug}/entries/{entry_id}"))
    expect(reader.locator(".entry__byline")).to_have_text("Von Ben Ott")
