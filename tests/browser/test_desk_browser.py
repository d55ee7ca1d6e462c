"""A blog's desk in real Chromium: compose with preview, Ctrl+Enter, live entries from several
editors, edits that never overwrite each other, one post per double click, drafts that survive a
reload; screenshots at 390 and 1280 px and axe-core."""

from __future__ import annotations

import os
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, Route, expect

from liveblog.domain.models import Blog, Entry, User
from liveblog.storage import entries as entry_rows
from liveblog.storage import reads
from liveblog.web.sessions import cookie_name
from tests.browser.conftest import LiveServer, OpenContext
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SOON = 2_000
LIVE = 1_000
"""A co-editor's post reaches an open desk within this many milliseconds."""


# -- helpers -------------------------------------------------------------------------------------


def new_blog(live_server: LiveServer, title: str = "Sturmflut an der Küste") -> Blog:
    slug = f"desk-{uuid.uuid4().hex[:10]}"
    return live_server.actions.create_blog(
        live_server.admin, slug=slug, title=title, summary="Wir berichten fortlaufend."
    )


def new_member(live_server: LiveServer, blog: Blog, role: str = "editor", **kw: str) -> User:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    user = live_server.actions.create_user(email, "user", PASSWORD, **kw)
    live_server.actions.add_member(live_server.admin, blog.slug, email, role)
    return user


def open_desk(
    open_context: OpenContext,
    live_server: LiveServer,
    user: User,
    blog: Blog,
    *,
    width: int = 1280,
    height: int = 900,
) -> Page:
    """A logged-in browser context on the blog's desk, its event stream connected."""
    context = open_context(javascript=True, width=width, height=height).context
    session = live_server.actions.log_in(user.email, PASSWORD)
    context.add_cookies(
        [
            {
                "name": cookie_name(live_server.settings),
                "value": session.session_id,
                "url": live_server.base_url,
            }
        ]
    )
    page = context.new_page()
    page.goto(live_server.url(f"/admin/blogs/{blog.slug}"))
    expect(page.locator(".desk-live")).to_have_attribute("data-state", "live", timeout=SOON)
    return page


def entries(live_server: LiveServer, blog: Blog) -> list[Entry]:
    with live_server.actions.db.read() as conn:
        return reads.timeline(conn, blog.id, limit=100).items


def entry(live_server: LiveServer, blog: Blog, entry_id: int) -> Entry:
    with live_server.actions.db.read() as conn:
        found = entry_rows.get(conn, blog.id, entry_id)
    assert found is not None
    return found


def desk_article(page: Page, entry_id: int) -> Locator:
    return page.locator(f'.desk-entry[data-entry-id="{entry_id}"] article')


# -- compose -------------------------------------------------------------------------------------


def test_type_with_preview_and_ctrl_enter_posts_live_to_readers(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    editor = new_member(live_server, blog, language="en")
    desk = open_desk(open_context, live_server, editor, blog)
    reader = open_context(javascript=True, width=390).context.new_page()
    reader.goto(live_server.url(f"/live/{blog.slug}"))
    expect(reader.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)

    body = desk.get_by_label("Text (Markdown)")
    expect(body).to_be_focused()
    desk.get_by_label("Headline (optional)").fill("Deich hält")
    body.focus()
    body.press_sequentially("Der **Pegel** sinkt. [x](javascript:alert(1)) <script>boom()</script>")
    preview = desk.locator(".desk-preview__body")
    expect(preview.locator("strong")).to_have_text("Pegel", timeout=SOON)
    expect(preview).to_contain_text("<script>boom()</script>")  # shown as text, as readers see it
    assert preview.locator("script").count() == 0
    assert desk.locator(".desk-preview__headline").inner_text() == "Deich hält"

    body.press("Control+Enter")
    expect(body).to_have_value("", timeout=SOON)
    expect(body).to_be_focused()
    expect(desk.get_by_label("Headline (optional)")).to_have_value("")
    posted = entries(live_server, blog)
    assert len(posted) == 1
    assert posted[0].headline == "Deich hält"
    expect(desk_article(desk, posted[0].id)).to_contain_text("Pegel", timeout=SOON)
    preview_html = desk.locator(".desk-preview__body").inner_html()
    assert "Pegel" not in preview_html  # the preview cleared with the form

    # The reader's page hears of it at once (new entries wait behind a button there).
    reader.get_by_role("button", name="1 neuer Eintrag").click(timeout=SOON)
    expect(reader.locator(f"#entry-{posted[0].id}")).to_contain_text("Der Pegel sinkt.")
    assert reader.locator(f"#entry-{posted[0].id} .entry__body").inner_html().strip() == (
        posted[0].body_html.strip()
    )


def test_two_editors_see_each_other_within_a_second(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    first = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    second = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    for writer, other, text in [(first, second, "Von Anna."), (second, first, "Von Ben.")]:
        body = writer.locator("#compose-body")
        body.fill(text)
        started = time.monotonic()
        body.press("Control+Enter")
        expect(other.locator(".desk-entry article", has_text=text)).to_be_visible(timeout=LIVE)
        assert time.monotonic() - started < 1.5  # the post itself plus the stream
        expect(writer.locator(".desk-entry article", has_text=text)).to_have_count(1)
    assert [e.body for e in entries(live_server, blog)] == ["Von Ben.", "Von Anna."]
    assert first.locator(".desk-entry").count() == second.locator(".desk-entry").count() == 2


def test_a_double_click_and_a_retried_request_post_once(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    desk = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    sent: list[str | None] = []
    statuses: list[int] = []

    def twice(route: Route) -> None:
        """A flaky network: every post reaches the server twice, with the same key."""
        request = route.request
        if request.method != "POST":
            route.continue_()
            return
        headers = {k: v for k, v in request.all_headers().items() if not k.startswith(":")}
        sent.append(headers.get("idempotency-key"))
        url = request.url  # the live server's: http://127.0.0.1
        copy = urllib.request.Request(url, request.post_data_buffer, headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(copy, timeout=10) as reply:  # noqa: S310
            statuses.append(reply.status)
        route.continue_()

    desk.route(f"**/api/v1/blogs/{blog.slug}/entries", twice)
    desk.locator("#compose-body").fill("Nur einmal.")
    desk.get_by_role("button", name="Veröffentlichen").dblclick()
    expect(desk.locator(".desk-entry article", has_text="Nur einmal.")).to_have_count(1)
    expect(desk.locator("#compose-body")).to_have_value("")
    assert len(entries(live_server, blog)) == 1
    assert sent
    assert all(key == sent[0] for key in sent)
    assert len(sent[0] or "") >= 32
    assert statuses == [201]  # the copy got the entry too

    # The next entry gets a new key.
    desk.locator("#compose-body").fill("Ein zweiter Eintrag.")
    desk.locator("#compose-body").press("Control+Enter")
    expect(desk.locator(".desk-entry")).to_have_count(2, timeout=SOON)
    assert len(entries(live_server, blog)) == 2
    assert sent[-1] != sent[0]


def test_unsent_text_survives_a_reload_until_discarded(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    desk = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    desk.locator("#compose-headline").fill("Entwurf")
    desk.locator("#compose-body").fill("Noch nicht fertig …")
    desk.locator("#compose-key_event").check()
    desk.reload()
    expect(desk.locator("#compose-body")).to_have_value("Noch nicht fertig …")
    expect(desk.locator("#compose-headline")).to_have_value("Entwurf")
    expect(desk.locator("#compose-key_event")).to_be_checked()
    expect(desk.locator(".desk-preview__body")).to_contain_text("Noch nicht fertig", timeout=SOON)

    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name="Text verwerfen").click()
    expect(desk.locator("#compose-body")).to_have_value("")
    desk.reload()
    expect(desk.locator("#compose-body")).to_have_value("")
    assert entries(live_server, blog) == []


# -- entries -------------------------------------------------------------------------------------


def test_edits_in_two_desks_meet_side_by_side_and_the_merge_is_saved(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    posted = live_server.actions.create_entry(
        live_server.admin, blog.slug, body="Die Straße ist gesperrt."
    )
    anna = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    ben = open_desk(
        open_context, live_server, new_member(live_server, blog, language="en"), blog, width=390
    )
    for page in (anna, ben):
        page.locator(f'.desk-entry[data-entry-id="{posted.id}"] [data-action=edit]').click()
    anna_body = anna.locator(f"#edit-{posted.id}-body")
    ben_body = ben.locator(f"#edit-{posted.id}-body")
    expect(anna_body).to_have_value("Die Straße ist gesperrt.")
    expect(ben_body).to_have_value("Die Straße ist gesperrt.")

    anna_body.fill("Die Straße ist seit 9 Uhr gesperrt.")
    anna_body.press("Control+Enter")
    expect(anna.locator(f"#edit-{posted.id}-body")).to_have_count(0, timeout=SOON)
    wait_until(lambda: entry(live_server, blog, posted.id).version == 2, what="Anna's save")

    ben_body.fill("Die Straße ist gesperrt. Umleitung über die B 3.")
    ben.get_by_role("button", name="Save entry").click()
    conflict = ben.locator(".conflict")
    expect(conflict).to_be_visible(timeout=SOON)
    expect(conflict.locator("[data-side=theirs-body]")).to_have_text(
        "Die Straße ist seit 9 Uhr gesperrt."
    )
    expect(conflict.locator("[data-side=mine-body]")).to_have_text(
        "Die Straße ist gesperrt. Umleitung über die B 3."
    )
    assert entry(live_server, blog, posted.id).body == "Die Straße ist seit 9 Uhr gesperrt."
    directory = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp"))
    if "LIVEBLOG_SCREENSHOTS" in os.environ:
        ben.screenshot(path=str(directory / "desk-conflict-390.png"), full_page=True)

    ben.get_by_role("button", name="Merge by hand").click()
    merged = "Die Straße ist seit 9 Uhr gesperrt. Umleitung über die B 3."
    ben.get_by_label("Merged text").fill(merged)
    ben.get_by_role("button", name="Save the merged text").click()
    expect(ben.locator(".conflict")).to_have_count(0, timeout=SOON)
    expect(ben.locator(f"#edit-{posted.id}-body")).to_have_count(0)
    saved = entry(live_server, blog, posted.id)
    assert saved.body == merged
    assert saved.version == 3
    for page in (anna, ben):
        expect(desk_article(page, posted.id)).to_contain_text("Umleitung", timeout=SOON)


def test_keep_mine_saves_over_the_new_version_and_keep_theirs_saves_nothing(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    posted = live_server.actions.create_entry(live_server.admin, blog.slug, body="Eins.")
    desk = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    edit = desk.locator(f'.desk-entry[data-entry-id="{posted.id}"] [data-action=edit]')
    body = desk.locator(f"#edit-{posted.id}-body")

    edit.click()
    expect(body).to_have_value("Eins.", timeout=SOON)
    live_server.actions.update_entry(
        live_server.admin, blog.slug, posted.id, {"body": "Zwei."}, if_match=1
    )
    body.fill("Meins.")
    body.press("Control+Enter")
    desk.get_by_role("button", name="Meine behalten").click(timeout=SOON)
    expect(body).to_have_count(0, timeout=SOON)
    assert entry(live_server, blog, posted.id).body == "Meins."

    edit.click()
    expect(body).to_have_value("Meins.", timeout=SOON)
    live_server.actions.update_entry(
        live_server.admin, blog.slug, posted.id, {"body": "Drei."}, if_match=3
    )
    body.fill("Verworfen.")
    body.press("Control+Enter")
    desk.get_by_role("button", name="Die andere behalten").click(timeout=SOON)
    expect(body).to_have_count(0)
    expect(desk_article(desk, posted.id)).to_contain_text("Drei.", timeout=SOON)
    assert entry(live_server, blog, posted.id).body == "Drei."
    assert entry(live_server, blog, posted.id).version == 4


def test_pin_key_event_and_delete_from_the_desk(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    older = live_server.actions.create_entry(live_server.admin, blog.slug, body="Älter.")
    newer = live_server.actions.create_entry(live_server.admin, blog.slug, body="Neuer.")
    desk = open_desk(open_context, live_server, new_member(live_server, blog), blog)
    tools = desk.locator(f'.desk-entry[data-entry-id="{older.id}"] .desk-entry__tools')

    tools.get_by_role("button", name="Oben anheften").click()
    expect(tools.get_by_role("button", name="Oben anheften")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(desk.locator(".desk-entry").first).to_have_attribute(
        "data-entry-id", str(older.id), timeout=SOON
    )  # pinned entries go on top, as on the reader page
    assert entry(live_server, blog, older.id).pinned

    tools.get_by_role("button", name="Wichtiges Ereignis").click()
    expect(desk_article(desk, older.id)).to_have_class("entry entry--pinned entry--key")
    assert entry(live_server, blog, older.id).key_event

    desk.once("dialog", lambda dialog: dialog.accept())
    tools.get_by_role("button", name="Löschen").click()
    expect(desk.locator(f'.desk-entry[data-entry-id="{older.id}"]')).to_have_count(0)
    wait_until(lambda: entry(live_server, blog, older.id).deleted, what="the deletion")
    assert [e.id for e in entries(live_server, blog)] == [newer.id]
    permalink = desk.locator(f'a[href="/live/{blog.slug}/entries/{newer.id}"]')
    expect(permalink).to_have_count(1)
    expect(desk.locator(f'a[href="/live/{blog.slug}"]').first).to_be_visible()


def test_a_contributor_gets_no_controls_on_published_entries(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    desk = open_desk(open_context, live_server, new_member(live_server, blog, "contributor"), blog)
    assert desk.locator("#compose input[name=status][value=published]").count() == 0
    live_server.actions.create_entry(live_server.admin, blog.slug, body="Für alle.")
    expect(desk.locator(".desk-entry article", has_text="Für alle.")).to_be_visible(timeout=LIVE)
    assert desk.locator(".desk-entry button").count() == 0


# -- look and accessibility ----------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
def test_desk_screenshots_and_axe(
    live_server: LiveServer, open_context: OpenContext, width: int, tmp_path: Path
) -> None:
    blog = new_blog(live_server, title="Hochwasser an der Donau: Pegel in Passau steigt weiter")
    seed: list[tuple[str, dict[str, Any]]] = [
        ("Die Feuerwehr hat **Sandsäcke** verteilt.", {"headline": "Sandsäcke in der Altstadt"}),
        ("Der Pegel liegt bei 8,20 m. Quelle: [HND](https://www.hnd.bayern.de).", {}),
        ("Die Innbrücke ist gesperrt.", {"key_event": True, "source": "Polizei Passau"}),
        ("Bitte meiden Sie die Uferstraßen.", {"pinned": True}),
    ]
    for text, kw in seed:
        live_server.actions.create_entry(live_server.admin, blog.slug, body=text, **kw)
    editor = new_member(live_server, blog, language="de", display_name="Anna Berg")
    desk = open_desk(open_context, live_server, editor, blog, width=width, height=900)
    desk.locator("#compose-headline").fill("Evakuierung")
    desk.locator("#compose-body").fill("Die Stadt evakuiert die *Ilzstadt*.\n\n- Turnhalle offen\n")
    expect(desk.locator(".desk-preview__body em")).to_have_text("Ilzstadt", timeout=SOON)

    overflow = desk.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the desk scrolls sideways"
    directory = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", tmp_path))
    desk.screenshot(path=str(directory / f"desk-{width}.png"), full_page=True)

    results = Axe().run(desk)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

    # With an entry open for editing and a conflict on screen too.
    first = desk.locator(".desk-entry").first
    first.locator("[data-action=edit]").click()
    expect(first.locator("form")).to_be_visible(timeout=SOON)
    entry_id = int(first.get_attribute("data-entry-id") or 0)
    current = entry(live_server, blog, entry_id)
    live_server.actions.update_entry(
        live_server.admin, blog.slug, entry_id, {"body": "Geändert."}, if_match=current.version
    )
    first.locator("textarea").first.fill("Meine Fassung.")
    first.locator("textarea").first.press("Control+Enter")
    expect(first.locator(".conflict")).to_be_visible(timeout=SOON)
    first.get_by_role("button", name="Von Hand zusammenführen").click()
    desk.screenshot(path=str(directory / f"desk-{width}-conflict.png"), full_page=True)
    first.screenshot(path=str(directory / f"desk-{width}-conflict-entry.png"))
    results = Axe().run(desk)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
