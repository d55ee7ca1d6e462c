"""An entry's history in real Chromium: an edit with a correction note from the desk (and the
API's field error shown under its field), the history link in the entry's tools, two revisions
chosen and compared; screenshots at 390 and 1280 px and axe-core."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from liveblog.domain.models import Blog, Entry, User
from liveblog.storage import revisions
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.desk_session import log_in_context
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SOON = 2_000


def new_blog(live_server: LiveServer) -> Blog:
    return live_server.actions.create_blog(
        live_server.admin,
        slug=f"history-{uuid.uuid4().hex[:10]}",
        title="Hochwasser an der Donau",
        summary="Wir berichten fortlaufend.",
    )


def new_editor(live_server: LiveServer, blog: Blog) -> User:
    email = f"editor-{uuid.uuid4().hex[:8]}@example.org"
    user = live_server.actions.create_user(
        email, "user", PASSWORD, language="de", display_name="Anna Berg"
    )
    live_server.actions.add_member(live_server.admin, blog.slug, email, "editor")
    return user


def open_page(
    open_context: OpenContext, live_server: LiveServer, user: User, path: str, width: int
) -> Page:
    context = open_context(javascript=True, width=width, height=900).context
    log_in_context(context, live_server, user.email, PASSWORD)
    page = context.new_page()
    page.goto(live_server.url(path))
    return page


def revision_count(live_server: LiveServer, entry: Entry) -> int:
    with live_server.actions.db.read() as conn:
        return len(revisions.of_entry(conn, entry.id))


def serious_violations(page: Page) -> list[object]:
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_edit_with_a_correction_then_compare_two_revisions(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    entry = live_server.actions.create_entry(
        live_server.admin, blog.slug, body="Der Pegel liegt bei 8,20 m.", headline="Pegel Passau"
    )
    editor = new_editor(live_server, blog)
    desk = open_page(open_context, live_server, editor, f"/admin/blogs/{blog.slug}", 1280)
    expect(desk.locator(".desk-live")).to_have_attribute("data-state", "live", timeout=SOON)
    wrapper = desk.locator(f'.desk-entry[data-entry-id="{entry.id}"]')
    wrapper.get_by_role("button", name="Bearbeiten").click()
    form = wrapper.locator("form")
    expect(form).to_be_visible(timeout=SOON)
    form.get_by_label("Text (Markdown)").fill("Der Pegel liegt bei 8,40 m.")
    form.get_by_label("Korrekturhinweis").fill("Zuerst stand hier ein falscher Pegel.")
    form.get_by_label("Kleine Änderung (ohne Hinweis für Leser)").check()
    form.get_by_role("button", name="Speichern").click()

    # A correction is no minor edit: the API's error stands under the checkbox.
    minor = form.get_by_label("Kleine Änderung (ohne Hinweis für Leser)")
    expect(minor).to_have_attribute("aria-invalid", "true", timeout=SOON)
    error = form.locator(f"#edit-{entry.id}-minor-error")
    expect(error).to_be_visible()
    expect(minor).to_have_attribute("aria-describedby", f"edit-{entry.id}-minor-error")
    assert revision_count(live_server, entry) == 0

    minor.uncheck()
    form.get_by_role("button", name="Speichern").click()
    expect(form).to_have_count(0, timeout=SOON)
    wait_until(lambda: revision_count(live_server, entry) == 2, what="the edit's revisions")

    # A second edit, by the API's owner (the admin), leaves a third revision.
    live_server.actions.update_entry(
        live_server.admin,
        blog.slug,
        entry.id,
        {"headline": "Pegel in Passau steigt"},
        if_match=entry.version + 1,
    )

    history = wrapper.get_by_role("link", name="Verlauf")
    expect(history).to_have_attribute(
        "href", f"/admin/blogs/{blog.slug}/entries/{entry.id}/history"
    )
    history.click()
    expect(desk.get_by_role("heading", name="Verlauf des Eintrags")).to_be_visible(timeout=SOON)
    expect(desk.locator(".history-revision")).to_have_count(3)
    expect(desk.locator(".history-revision").nth(1)).to_contain_text("Anna Berg")
    expect(desk.locator(".history-revision").nth(1)).to_contain_text("Korrektur")

    desk.get_by_label("Von Fassung", exact=True).select_option("1")
    desk.get_by_label("Bis Fassung", exact=True).select_option("2")
    desk.get_by_role("button", name="Vergleichen").click()
    expect(desk.get_by_role("heading", name="Von Fassung 1 zu Fassung 2")).to_be_visible(
        timeout=SOON
    )
    assert desk.url.endswith(f"/entries/{entry.id}/history?a=1&b=2")
    text = desk.locator(".history-field", has_text="Text").locator("dd")
    expect(text.locator("del")).to_have_text("8,20")
    expect(text.locator("ins")).to_have_text("8,40")
    expect(text).to_have_text("Der Pegel liegt bei 8,208,40 m.")
    note = desk.locator(".history-field", has_text="Korrekturhinweis").locator("dd ins")
    expect(note).to_have_text("Zuerst stand hier ein falscher Pegel.")
    expect(desk.locator("del", has_text="Pegel Passau")).to_have_count(0)  # not until 3

    desk.get_by_role("link", name="Zurück zum Desk").click()
    expect(desk.locator(".desk-live")).to_have_attribute("data-state", "live", timeout=SOON)


@pytest.mark.parametrize("width", [390, 1280])
def test_history_screenshots_and_axe(
    live_server: LiveServer, open_context: OpenContext, width: int, tmp_path: Path
) -> None:
    blog = new_blog(live_server)
    actions = live_server.actions
    entry = actions.create_entry(
        live_server.admin,
        blog.slug,
        headline="Sandsäcke in der Altstadt",
        body="Die Feuerwehr hat am Morgen **Sandsäcke** verteilt.\n\n"
        "Die Innbrücke bleibt bis auf Weiteres gesperrt. Bitte meiden Sie die Uferstraßen.",
        source="Stadt Passau",
    )
    editor = new_editor(live_server, blog)
    entry = actions.update_entry(
        editor,
        blog.slug,
        entry.id,
        {"body": entry.body.replace("am Morgen", "in der Nacht"), "minor": True},
        if_match=entry.version,
    )
    entry = actions.update_entry(
        editor,
        blog.slug,
        entry.id,
        {
            "headline": "Sandsäcke in der Altstadt und in der Ilzstadt",
            "body": entry.body.replace("bis auf Weiteres", "bis Freitag"),
            "correction": "Die Innbrücke ist nicht ab Montag, sondern seit Sonntag gesperrt.",
            "key_event": True,
            "published_at": entry.published_at - timedelta(minutes=10),
        },
        if_match=entry.version,
    )
    path = f"/admin/blogs/{blog.slug}/entries/{entry.id}/history?a=1&b=3"
    page = open_page(open_context, live_server, editor, path, width)
    expect(page.locator(".history-diff del").first).to_be_visible(timeout=SOON)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the history scrolls sideways"
    directory = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"history-{width}.png"), full_page=True)
    assert serious_violations(page) == []
