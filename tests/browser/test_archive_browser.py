"""The index page ``/`` in Chromium: the running blogs first by newest change, then the ended
ones under their own heading, a page at a time behind the "older live blogs" link; nothing
scrolls sideways on a phone, and axe-core finds nothing serious or critical in either colour
scheme. Screenshots at 390 and 1280 px in /tmp/shots/archive (``LIVEBLOG_SCREENSHOTS``).

The app runs on a server of its own (three blogs a page, its own database), so blogs that
other browser tests make on the shared ``live_server`` do not move these."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.web import create_app
from liveblog.web.server import uvicorn_config
from tests.browser.conftest import HOST

SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots")) / "archive"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with four running and two ended blogs, three blogs a page; its base URL."""
    directory = tmp_path_factory.mktemp("archive")
    settings = Settings(database_url=f"sqlite:///{directory / 'liveblog.db'}", index_page_size=3)
    app = create_app(settings)
    actions = app.state.services.actions
    assert isinstance(actions, Actions)
    fill(actions)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            pytest.fail("the archive's server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        app.state.services.db.dispose()


def fill(actions: Actions) -> None:
    admin = actions.create_user("archiv@example.org", "admin", "correct horse battery")
    now = actions.clock()
    blogs = [
        ("sturmflut-nordsee", "Sturmflut an der Nordsee: Deiche unter Druck", "de", 50),
        ("stadtmarathon", "City Marathon 2026: live from the course", "en", 40),
        ("bahnstreik", "Bahnstreik: Was Pendlerinnen und Pendler jetzt wissen müssen", "de", 30),
        ("landtagswahl", "Landtagswahl: Ergebnisse aus allen Wahlkreisen", "de", 20),
        ("hafenfest", "Hafenfest am Wochenende", "de", 10),
        ("stromausfall", "Stromausfall im Westen der Stadt", "de", 5),
    ]
    for slug, title, language, minutes in blogs:
        actions.create_blog(admin, slug=slug, title=title, language=language)
        actions.create_entry(
            admin, slug, body="Die erste Meldung.", published_at=now - timedelta(minutes=minutes)
        )
    actions.create_entry(
        admin,
        "sturmflut-nordsee",
        headline="Pegel in Husum erreicht 3,40 Meter über dem mittleren Hochwasser",
        body="Der Scheitel wird am Abend erwartet.",
        key_event=True,
        published_at=now - timedelta(minutes=1),
    )
    actions.create_entry(
        admin,
        "stadtmarathon",
        headline="Winner crosses the line in 2:07:31",
        body="A course record.",
        key_event=True,
        published_at=now - timedelta(minutes=35),
    )
    actions.create_entry(
        admin, "bahnstreik", headline="Entwurf", body="Noch nicht.", key_event=True, status="draft"
    )
    actions.update_blog(admin, "stromausfall", {"status": "closed"})
    actions.update_blog(admin, "hafenfest", {"status": "closed"})


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(
    contexts: list[BrowserContext], browser: Browser, url: str, *, width: int, scheme: str
) -> Page:
    context = browser.new_context(
        java_script_enabled=True,  # axe-core runs as a script in the page (the index has none)
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        service_workers="block",
    )
    contexts.append(context)
    page = context.new_page()
    page.goto(url)
    return page


def listed(page: Page) -> dict[str, list[str]]:
    """The blog links under each section heading."""
    found: dict[str, list[str]] = {}
    for section in page.locator("section.archive-section").all():
        heading = section.locator("h2").text_content() or ""  # as written, not as styled
        found[heading] = section.locator("h3 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    return found


def serious_violations(page: Page) -> list[tuple[str, str, list[object]]]:
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_archive_pages(
    site: str, browser: Browser, contexts: list[BrowserContext], width: int, scheme: str
) -> None:
    page = open_page(contexts, browser, site + "/", width=width, scheme=scheme)

    assert page.locator("h1").inner_text() == "Liveblogs"
    assert listed(page) == {
        "Laufend": ["/live/sturmflut-nordsee", "/live/landtagswahl", "/live/bahnstreik"]
    }
    first = page.locator(".archive-item").first
    assert "Pegel in Husum" in first.locator(".archive-item__key").inner_text()
    assert first.locator("time").first.get_attribute("datetime")
    assert "Entwurf" not in page.content()  # the draft key event of "bahnstreik"
    assert page.locator("h1, h2, h3").evaluate_all("l => l.map(h => h.tagName)") == [
        "H1",
        "H2",
        "H3",
        "H3",
        "H3",
    ]
    shoot(page, f"index-{width}-{scheme}")
    assert overflow(page) <= 0, "the index scrolls sideways"
    assert serious_violations(page) == []

    page.get_by_role("link", name="Ältere Liveblogs").click()
    page.wait_for_load_state()
    assert "cursor=" in page.url
    assert listed(page) == {
        "Laufend": ["/live/stadtmarathon"],
        "Beendet": ["/live/hafenfest", "/live/stromausfall"],
    }
    english = page.locator('.archive-item[lang="en"]')
    assert "Winner crosses the line" in english.inner_text()
    assert english.locator("time").first.inner_text().startswith("Updated: ")
    ended = page.locator("section.archive-section").nth(1).locator(".archive-item").first
    assert "Beendet: " in ended.locator("time").nth(1).inner_text()
    assert page.get_by_role("link", name="Ältere Liveblogs").count() == 0
    assert page.get_by_role("link", name="Zu den aktuellen Liveblogs").count() == 1
    shoot(page, f"index-page-2-{width}-{scheme}")
    assert overflow(page) <= 0, "the second page scrolls sideways"
    assert serious_violations(page) == []


def test_a_damaged_cursor_is_a_400_page(
    site: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(contexts, browser, site + "/", width=390, scheme="light")
    response = page.goto(site + "/?cursor=kaputt")
    assert response is not None
    assert response.status == 400
    assert "Der Link zu älteren Liveblogs ist ungültig oder beschädigt." in page.content()


def overflow(page: Page) -> int:
    value = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert isinstance(value, int)
    return value


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
