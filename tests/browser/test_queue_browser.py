"""The queue of unpublished entries in real Chromium: a contributor submits a draft from the
compose form, an editor sends it back with a note, the contributor sees the note and submits
again, the editor publishes it and readers get it; an editor schedules an entry with a date and
time read in the blog's zone, changes the time and cancels; screenshots at 390 and 1280 px and
axe-core on the desk with a full queue."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from liveblog.domain.models import EntryStatus
from liveblog.storage import reads
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.test_desk_browser import entry, new_blog, new_member, open_desk
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

SOON = 6_000
"""Milliseconds for the queue to show a change. Its own GET shows it at once, but a snapshot of
the desk stream taken just before the change may arrive after it and show the older state until
the next snapshot, up to ``desk_stream_seconds`` (1 s) later, more on a loaded machine."""


def unpublished_ids(live_server: LiveServer, blog_id: int) -> list[int]:
    with live_server.actions.db.read() as conn:
        return [e.id for e in reads.unpublished(conn, blog_id)]


def test_a_submitted_draft_goes_back_with_a_note_and_is_published_from_the_queue(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)
    writer = new_member(live_server, blog, "contributor", language="de", display_name="Ben Ott")
    editor = new_member(live_server, blog, "editor", language="de", display_name="Anna Berg")
    mine = open_desk(open_context, live_server, writer, blog)

    # The contributor's compose form saves drafts or submits them; it cannot publish.
    assert mine.locator("#compose input[name=status][value=published]").count() == 0
    mine.locator("#compose-headline").fill("Deich bei Nordermarsch hält")
    mine.locator("#compose-body").fill("Der Deichverband meldet: keine Schäden.")
    mine.locator("label[for=compose-status-submitted]").click()
    expect(mine.locator("#compose [data-action=post]")).to_have_text("Zur Prüfung einreichen")
    mine.locator("#compose [data-action=post]").click()
    item = mine.locator(".queue-item", has_text="Deich bei Nordermarsch hält")
    expect(item.locator(".queue-item__status")).to_have_text("Zur Prüfung", timeout=SOON)
    expect(mine.locator("#compose-body")).to_have_value("")
    assert mine.locator(".desk-entry", has_text="Deich bei Nordermarsch").count() == 0
    [entry_id] = unpublished_ids(live_server, blog.id)

    # The editor's queue counts it and sends it back with a note.
    desk = open_desk(open_context, live_server, editor, blog)
    theirs = desk.locator(".queue-item", has_text="Deich bei Nordermarsch hält")
    expect(desk.locator(".desk-queue__count")).to_have_text("1", timeout=SOON)
    expect(theirs).to_contain_text("von Ben Ott")
    theirs.get_by_role("button", name="Zurückgeben …").click()
    note = theirs.get_by_label("Hinweis für die Autorin oder den Autor")
    expect(note).to_be_focused()
    note.fill("Bitte Uhrzeit der Meldung ergänzen.")
    note.press("Enter")
    expect(theirs.locator(".queue-item__status")).to_have_text("Entwurf", timeout=SOON)
    expect(desk.locator(".desk-queue__count")).to_have_text("0")
    assert entry(live_server, blog, entry_id).status is EntryStatus.DRAFT

    # The contributor reads the note (a fresh look at the queue) and submits again.
    mine.reload()
    item = mine.locator(".queue-item", has_text="Deich bei Nordermarsch hält")
    expect(item.locator(".queue-item__note")).to_contain_text(
        "Bitte Uhrzeit der Meldung ergänzen.", timeout=SOON
    )
    item.get_by_role("button", name="Bearbeiten").click()
    body = item.locator("textarea")
    body.fill("Der Deichverband meldet um 05:10 Uhr: keine Schäden.")
    item.get_by_role("button", name="Speichern").click()
    expect(item.locator("form")).to_have_count(0, timeout=SOON)
    wait_until(lambda: "05:10" in entry(live_server, blog, entry_id).body, what="the saved draft")
    item.get_by_role("button", name="Zur Prüfung einreichen").click()
    wait_until(
        lambda: entry(live_server, blog, entry_id).status is EntryStatus.SUBMITTED,
        timeout=SOON / 1000,
        what=f"the submission ({mine.locator('.desk-queue__status').inner_text()!r})",
    )
    expect(item.locator(".queue-item__status")).to_have_text("Zur Prüfung", timeout=SOON)
    expect(item.locator(".queue-item__note")).to_have_count(0)

    # The editor publishes it: out of the queue, onto the desk's list and the reader page.
    desk.reload()
    theirs = desk.locator(".queue-item", has_text="Deich bei Nordermarsch hält")
    theirs.get_by_role("button", name="Jetzt veröffentlichen").click()
    expect(theirs).to_have_count(0, timeout=SOON)
    expect(desk.locator(".desk-entry", has_text="05:10 Uhr: keine Schäden")).to_be_visible(
        timeout=SOON
    )
    assert entry(live_server, blog, entry_id).status is EntryStatus.PUBLISHED
    reader = open_context().context.new_page()
    reader.goto(live_server.url(f"/live/{blog.slug}"))
    expect(reader.locator("article", has_text="Deich bei Nordermarsch hält")).to_be_visible()


def test_an_editor_schedules_in_the_blogs_zone_reschedules_and_cancels(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    blog = new_blog(live_server)  # Europe/Berlin, the default zone
    editor = new_member(live_server, blog, "editor", language="en", display_name="Anna Berg")
    desk = open_desk(open_context, live_server, editor, blog)
    desk.locator("#compose-body").fill("Press conference of the district office.")
    expect(desk.locator(".compose-when__at")).to_be_hidden()
    desk.locator("label[for=compose-status-scheduled]").click()
    expect(desk.locator(".compose-when__at")).to_be_visible()
    expect(desk.locator("#compose [data-action=post]")).to_have_text("Schedule entry")
    expect(desk.locator("#compose-pinned")).to_be_hidden()
    # 14:00 in Berlin in summer is 12:00 UTC; in winter 13:00 UTC.
    desk.get_by_label("Publish at (time in Europe/Berlin)").fill("2031-07-01T14:00")
    desk.locator("#compose [data-action=post]").click()
    item = desk.locator(".queue-item", has_text="Press conference")
    expect(item.locator(".queue-item__status")).to_contain_text("Scheduled for", timeout=SOON)
    expect(item.locator(".queue-item__status")).to_contain_text("2:00")
    [entry_id] = unpublished_ids(live_server, blog.id)
    scheduled = entry(live_server, blog, entry_id)
    assert scheduled.status is EntryStatus.SCHEDULED
    assert scheduled.publish_at == datetime(2031, 7, 1, 12, 0, tzinfo=UTC)
    # Back to "publish now" for the next entry.
    expect(desk.locator("#compose-status-published")).to_be_checked()

    item.get_by_role("button", name="Change time …").click()
    field = item.get_by_label("Publish at (time in Europe/Berlin)")
    expect(field).to_have_value("2031-07-01T14:00")
    field.fill("2031-12-01T09:30")
    item.get_by_role("button", name="Save").click()
    wait_until(
        lambda: (
            entry(live_server, blog, entry_id).publish_at
            == datetime(2031, 12, 1, 8, 30, tzinfo=UTC)
        ),
        what="the new time",
    )
    expect(item.locator(".queue-item__status")).to_contain_text("9:30", timeout=SOON)

    item.get_by_role("button", name="Cancel schedule").click()
    expect(item.locator(".queue-item__status")).to_have_text("Draft", timeout=SOON)
    assert entry(live_server, blog, entry_id).publish_at is None

    # A time in the past is refused with the server's field message; nothing changes.
    item.get_by_role("button", name="Schedule …").click()
    item.get_by_label("Publish at (time in Europe/Berlin)").fill("2020-01-01T10:00")
    item.get_by_role("button", name="Save").click()
    expect(desk.locator(".desk-queue__status")).to_contain_text("publish_at", timeout=SOON)
    assert entry(live_server, blog, entry_id).status is EntryStatus.DRAFT


@pytest.mark.parametrize("width", [390, 1280])
def test_queue_screenshots_and_axe(
    live_server: LiveServer, open_context: OpenContext, width: int, tmp_path: Path
) -> None:
    blog = new_blog(live_server)
    writer = new_member(live_server, blog, "contributor", language="de", display_name="Ben Ott")
    editor = new_member(live_server, blog, "editor", language="de", display_name="Anna Berg")
    act = live_server.actions
    act.create_entry(writer, blog.slug, body="Erste Bilder vom Deich.", status="submitted")
    act.create_entry(
        writer, blog.slug, body="Zweiter Entwurf ohne Titel, noch zu prüfen.", headline=None
    )
    act.create_entry(
        editor,
        blog.slug,
        body="Pressekonferenz des Landrats.",
        headline="Pressekonferenz um 14 Uhr",
        status="scheduled",
        publish_at=datetime(2031, 7, 1, 12, 0, tzinfo=UTC),
    )
    draft = act.create_entry(writer, blog.slug, body="Sturm lässt nach.", status="submitted")
    act.update_entry(
        editor, blog.slug, draft.id, {"status": "draft", "note": "Quelle fehlt."}, if_match="*"
    )
    act.create_entry(editor, blog.slug, body="Der Pegel sinkt langsam.")
    desk = open_desk(open_context, live_server, editor, blog, width=width, height=900)
    expect(desk.locator(".queue-item")).to_have_count(4, timeout=SOON)
    expect(desk.locator(".desk-queue__count")).to_have_text("1")
    expect(desk.locator(".desk-queue__counts")).to_have_text(
        "1 zur Prüfung · 1 geplant · 2 Entwürfe"
    )
    statuses = desk.locator(".queue-item__status").all_inner_texts()
    assert [s.lower() for s in statuses[:2]] == ["zur prüfung", "geplant für 01.07.31, 14:00"]
    overflow = desk.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the desk scrolls sideways"
    shots = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(shots / f"desk-queue-{width}.png"), full_page=True)
    results = Axe().run(desk)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()
