"""Bylines in a real Chromium: a live reader sees an entry's new byline in place, exactly as a
fresh page shows it; turning the blog's ``show_authors`` off makes the open page ask for a
reload (every byline on it would change), as a change of language or time zone does."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from liveblog.domain.models import User
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_live_browser import SOON, edit, new_blog, open_live, post

pytestmark = pytest.mark.browser


def reporter(live_server: LiveServer, slug: str, name: str) -> User:
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    user = live_server.actions.create_user(
        email, "user", "correct horse battery", display_name=name
    )
    live_server.actions.add_member(live_server.admin, slug, email, "contributor")
    return user


def test_a_live_reader_sees_the_byline_change_and_is_asked_to_reload_when_hidden(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server, show_authors=True)
    anna = reporter(live_server, blog.slug, "Anna Schmidt")
    ben = reporter(live_server, blog.slug, "Ben Ott")
    entry = post(live_server, blog, "Der Pegel steigt.", authors=[anna.id])
    path = f"/live/{blog.slug}"
    page = open_live(open_context, live_server, path)
    byline = page.locator(f"#entry-{entry.id} .entry__byline")
    expect(byline).to_have_text("Von Anna Schmidt")

    edit(live_server, blog, entry.id, authors=[anna.id, ben.id])
    expect(byline).to_have_text("Von Anna Schmidt und Ben Ott", timeout=SOON)
    live_html = page.locator(f"#entry-{entry.id}").evaluate("el => el.outerHTML")
    fresh = open_live(open_context, live_server, path)
    assert fresh.locator(f"#entry-{entry.id}").evaluate("el => el.outerHTML") == live_html

    live_server.actions.update_blog(live_server.admin, blog.slug, {"show_authors": False})
    expect(page.locator(".live")).to_have_attribute("data-live-state", "stale", timeout=SOON)
    expect(page.get_by_role("status").get_by_role("button", name="Seite neu laden")).to_be_visible()
    expect(byline).to_have_text("Von Anna Schmidt und Ben Ott")  # nothing changes by itself
    hidden = open_live(open_context, live_server, path)
    expect(hidden.locator(".entry__byline")).to_have_count(0)
