"""Desk presence in real Chromium: two users in two browser contexts see each other on the
blog's desk within two seconds, see "… is editing …" on the entry the other has open, and the
other is gone within two seconds of closing their page; queue snapshots of the desk stream
reach the page as `liveblog:queue` events. Screenshots at 390 and 1280 px, and axe-core."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from liveblog.domain.models import Blog, User
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_desk_browser import open_desk

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
WITHIN = 2_000
"""Presence reaches the other desk within this many milliseconds."""
SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots"))


def new_blog(live_server: LiveServer) -> Blog:
    slug = f"presence-{uuid.uuid4().hex[:10]}"
    blog = live_server.actions.create_blog(
        live_server.admin, slug=slug, title="Hochwasser an der Donau", summary="Wir berichten."
    )
    actions, admin = live_server.actions, live_server.admin
    actions.create_entry(
        admin, slug, body="Der Pegel in Passau liegt bei 8,20 m.", headline="Pegel"
    )
    actions.create_entry(admin, slug, body="Die Feuerwehr verteilt Sandsäcke.", key_event=True)
    return blog


def new_member(live_server: LiveServer, blog: Blog, name: str, language: str, role: str) -> User:
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    user = live_server.actions.create_user(
        email, "user", PASSWORD, display_name=name, language=language
    )
    live_server.actions.add_member(live_server.admin, blog.slug, email, role)
    return user


def open_present_desk(
    open_context: OpenContext, live_server: LiveServer, user: User, blog: Blog, width: int
) -> Page:
    """A browser context of its own, logged in as ``user``, on the blog's desk with both of its
    streams connected."""
    page = open_desk(open_context, live_server, user, blog, width=width, height=900)
    expect(page.locator(".desk-presence")).to_have_attribute("data-state", "live", timeout=WITHIN)
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_presence_shown_in_a_second_context_and_gone_after_the_first_leaves(
    live_server: LiveServer, open_context: OpenContext, width: int
) -> None:
    blog = new_blog(live_server)
    anna = new_member(live_server, blog, "Anna Berg", "de", "editor")
    ben = new_member(live_server, blog, "Ben Ott", "en", "editor")
    first = open_present_desk(open_context, live_server, anna, blog, width)
    expect(first.locator(".desk-presence")).to_have_text("")  # alone so far

    second = open_present_desk(open_context, live_server, ben, blog, width)
    expect(second.locator(".desk-presence")).to_have_text("Also here: Anna Berg", timeout=WITHIN)
    expect(first.locator(".desk-presence")).to_have_text("Auch hier: Ben Ott", timeout=WITHIN)

    # Anna opens an entry's edit form: Ben's desk marks that entry, and only that one.
    anna_entry = first.locator(".desk-entry").first
    entry_id = anna_entry.get_attribute("data-entry-id")
    anna_entry.locator("[data-action=edit]").click()
    expect(anna_entry.locator("form")).to_be_visible(timeout=WITHIN)
    marked = second.locator(f'.desk-entry[data-entry-id="{entry_id}"] .desk-editing')
    expect(marked).to_have_text("Anna Berg is editing …", timeout=WITHIN)
    expect(second.locator(".desk-editing")).to_have_count(1)
    expect(first.locator(".desk-editing")).to_have_count(0)  # not shown to the editor herself

    SHOTS.mkdir(parents=True, exist_ok=True)
    overflow = second.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the desk scrolls sideways"
    second.screenshot(path=str(SHOTS / f"presence-{width}.png"), full_page=False)
    second.locator(f'.desk-entry[data-entry-id="{entry_id}"]').screenshot(
        path=str(SHOTS / f"presence-{width}-entry.png")
    )
    results = Axe().run(second)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

    # She stops editing: the mark goes; she opens it again and closes her page: she is gone.
    anna_entry.locator("form [data-action=cancel]").click()
    expect(marked).to_have_count(0, timeout=WITHIN)
    anna_entry.locator("[data-action=edit]").click()
    expect(marked).to_have_text("Anna Berg is editing …", timeout=WITHIN)
    first.close()
    expect(second.locator(".desk-presence")).to_have_text("", timeout=WITHIN)
    expect(second.locator(".desk-editing")).to_have_count(0, timeout=WITHIN)


def test_queue_snapshots_reach_the_page_as_events(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    editor = new_member(live_server, blog, "Eva Lang", "en", "editor")
    cora = new_member(live_server, blog, "Cora Kim", "de", "contributor")
    page = open_present_desk(open_context, live_server, editor, blog, 1280)
    page.evaluate(
        """() => {
        window.queues = [];
        document.querySelector(".desk-app").addEventListener(
            "liveblog:queue", (event) => window.queues.push(event.detail));
        }"""
    )
    draft = live_server.actions.create_entry(cora, blog.slug, body="Mein Entwurf.")
    page.wait_for_function(
        "(id) => window.queues.some((q) => q.items.some((item) => item.id === id))",
        arg=draft.id,
        timeout=WITHIN,
    )
    snapshot = page.evaluate("() => window.queues[window.queues.length - 1]")
    assert snapshot["counts"]["draft"] == 1
    assert snapshot["items"][0]["author"] == {"id": cora.id, "name": "Cora Kim"}
