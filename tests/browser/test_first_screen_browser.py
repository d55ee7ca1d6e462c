"""The reader page as a broadcaster ships it, measured in a real Chromium (bounding boxes, not
screenshots): the news is on the first screen of a 390x844 phone and a 1280x900 desktop, in the
German and the English demo blog, light and dark; a long pinned entry is folded behind "mehr
anzeigen" / "show more" (a ``<details>``, so it opens without JavaScript); the headline's ``++``
never stands alone on a line; a closed blog shows "Beendet" with the closing time, no toggle and
opens no event stream; axe-core finds nothing serious in either scheme."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from liveblog.demo.content import load_content
from liveblog.demo.seed import seed
from liveblog.domain.models import Blog
from liveblog.storage import entries as entry_rows
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SOON = 5_000
SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots/first-screen"))
LONG_BODY = "\n".join(
    f"- Punkt {i}: Die Deiche an der Küste werden weiter beobachtet, Helfer sind im Einsatz."
    for i in range(8)
)


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> dict[str, Blog]:
    """The demo blogs by language (seeding keeps what exists, so this is idempotent)."""
    return {blog.language: blog for blog in seed(live_server.actions).blogs}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(
    contexts: list[BrowserContext],
    browser: Browser,
    url: str,
    *,
    width: int,
    height: int,
    scheme: str = "light",
    javascript: bool = True,
) -> Page:
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": height},
        color_scheme=scheme,  # type: ignore[arg-type]
        service_workers="block",
    )
    contexts.append(context)
    page = context.new_page()
    page.goto(url)
    return page


def top_and_bottom(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"], box["y"] + box["height"]


def closing_plus_shares_its_line(page: Page) -> bool:
    """Whether the headline's last ``++`` is on the same line as the word before it."""
    result: bool = page.evaluate(
        """() => {
          const h1 = document.querySelector('h1');
          const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
          let node = null, last = null;
          while ((node = walker.nextNode())) if (node.data.includes('++')) last = node;
          const at = last.data.lastIndexOf('++');
          const rect = (start, end) => {
            const range = document.createRange();
            range.setStart(last, start);
            range.setEnd(last, end);
            return range.getClientRects()[0];
          };
          const plus = rect(at, at + 2), word = rect(at - 2, at - 1);
          return Math.abs(plus.top - word.top) < 2;
        }"""
    )
    return result


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_the_news_is_on_the_first_screen(
    live_server: LiveServer,
    browser: Browser,
    contexts: list[BrowserContext],
    demo: dict[str, Blog],
    language: str,
    scheme: str,
    width: int,
    height: int,
) -> None:
    blog = demo[language]
    page = open_page(
        contexts, browser, live_server.url(f"/live/{blog.slug}"), width=width, height=height
    )
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"open-{language}-{width}-{scheme}.png"))

    articles = page.locator("#entries > article")
    pinned = page.locator("#entries > article.entry--pinned")
    expect(pinned).to_have_count(1)
    # The newest ordinary entry's first line (its time) is on the phone's first screen.
    newest = "#entries > article:not(.entry--pinned) .entry__time"
    _, bottom = top_and_bottom(page, newest)
    assert bottom <= height, f"the newest entry's first line ends at {bottom}px"
    if width >= 1280:
        second = articles.nth(1).bounding_box()
        assert second is not None
        assert second["y"] + 60 <= height, "the top of two entries is on the first screen"
    # Teaser in regular weight; the pinned entry folded when it is long.
    weight = page.eval_on_selector(".teaser", "e => getComputedStyle(e).fontWeight")
    assert weight == "400"
    summary = pinned.locator("details.entry__more > summary")
    if summary.count():
        assert summary.inner_text() == ("mehr anzeigen" if language == "de" else "show more")
    assert closing_plus_shares_its_line(page) or "++" not in page.locator("h1").inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


CLOSING_NOTES = {
    "de": "Damit beenden wir diesen Liveblog. Vielen Dank fürs Mitlesen.",
    "en": "This concludes our live coverage. Thank you for following.",
}


@pytest.fixture(scope="module")
def ended_demo(live_server: LiveServer) -> dict[str, Blog]:
    """Copies of the demo blogs (own slugs), closed with a closing note of two sentences."""
    copies = tuple(dataclasses.replace(demo, slug=f"{demo.slug}-ended") for demo in load_content())
    blogs = seed(live_server.actions, copies).blogs
    for blog in blogs:
        live_server.actions.update_blog(
            live_server.admin,
            blog.slug,
            {"status": "closed", "closing_note": CLOSING_NOTES[blog.language]},
        )
    return {blog.language: blog for blog in blogs}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_the_news_is_on_the_first_screen_of_an_ended_blog(
    live_server: LiveServer,
    browser: Browser,
    contexts: list[BrowserContext],
    ended_demo: dict[str, Blog],
    language: str,
    width: int,
    height: int,
) -> None:
    """ "Ended" with its time and the closing note share one box under the headline, and no
    row with a toggle is left: the newest entry still starts on the first screen."""
    blog = ended_demo[language]
    page = open_page(
        contexts, browser, live_server.url(f"/live/{blog.slug}"), width=width, height=height
    )
    expect(page.locator(".live")).to_have_attribute("data-live-state", "ended", timeout=SOON)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ended-{language}-{width}.png"))
    box = page.locator(".blog-header .closed")
    expect(box.locator(".closed__state")).to_contain_text(
        "Beendet" if language == "de" else "Ended"
    )
    expect(box.locator(".closing-note")).to_have_text(CLOSING_NOTES[language])
    expect(page.locator(".live")).to_be_hidden()
    newest = "#entries > article:not(.entry--pinned) .entry__time"
    _, bottom = top_and_bottom(page, newest)
    assert bottom <= height, f"the newest entry's first line ends at {bottom}px"


def long_blog(live_server: LiveServer, *, closed: bool = False) -> Blog:
    actions, admin = live_server.actions, live_server.admin
    slug = f"first-{uuid.uuid4().hex[:8]}"
    blog = actions.create_blog(
        admin,
        slug=slug,
        title="Sturmflut an der Nordermarsch",
        summary="Die Pegel steigen. Wir berichten fortlaufend.",
    )
    actions.create_entry(admin, slug, body="Erste Meldung von der Küste.")
    actions.create_entry(
        admin,
        slug,
        body="Die Evakuierung ist aufgehoben.",
        headline="Evakuierung aufgehoben: Rückkehr auf die Süderwarft",
        key_event=True,
    )
    actions.create_entry(admin, slug, body=LONG_BODY, headline="Überblick", pinned=True)
    if closed:
        actions.update_blog(admin, slug, {"status": "closed", "closing_note": "Danke."})
    return blog


def test_a_long_pinned_entry_opens_without_javascript(
    live_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    blog = long_blog(live_server)
    page = open_page(
        contexts,
        browser,
        live_server.url(f"/live/{blog.slug}"),
        width=390,
        height=844,
        javascript=False,
    )
    pinned = page.locator("article.entry--pinned")
    rest = pinned.get_by_text("Punkt 7:")
    expect(pinned.get_by_text("Punkt 0:")).to_be_visible()
    expect(rest).to_be_hidden()
    height = pinned.bounding_box()
    assert height is not None
    assert height["height"] < 400
    pinned.get_by_text("mehr anzeigen").click()
    expect(rest).to_be_visible()
    expect(pinned.get_by_text("weniger anzeigen")).to_be_visible()
    # The headline keeps its "++" with the word before it.
    text = page.locator("h1").inner_text()
    assert text.endswith("Süderwarft\u00a0++"), repr(text)


def test_a_closed_blog_says_ended_and_opens_no_stream(
    live_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    blog = long_blog(live_server, closed=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    contexts.append(context)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.add_init_script(
        "window.__streams = 0; const Original = window.EventSource;"
        "window.EventSource = function (...args) { window.__streams += 1;"
        " return new Original(...args); }; window.EventSource.CLOSED = 2;"
    )
    page = context.new_page()
    page.goto(live_server.url(f"/live/{blog.slug}"))
    expect(page.locator(".live")).to_have_attribute("data-live-state", "ended", timeout=SOON)
    ended = page.locator(".blog-header .closed__state")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("Beendet")
    assert ended.locator("time").get_attribute("datetime")
    expect(page.locator(".live__toggle")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__streams") == 0
    assert [url for url in requests if "/events" in url] == []
    page.screenshot(path=str(SHOTS / "closed-de-390.png"))


def test_views_that_do_not_update_live_say_so(
    live_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    actions, admin = live_server.actions, live_server.admin
    blog = long_blog(live_server)
    for i in range(live_server.settings.page_size):
        actions.create_entry(admin, blog.slug, body=f"Meldung {i}.")
    url = live_server.url(f"/live/{blog.slug}?order=oldest")
    page = open_page(contexts, browser, url, width=1280, height=900)
    expect(page.locator(".live-note")).to_have_text(
        "Diese Ansicht wird nicht live aktualisiert. Zur Live-Ansicht"
    )
    assert page.locator(".live").count() == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("closed", [False, True])
def test_open_and_closed_pages_pass_axe(
    live_server: LiveServer,
    browser: Browser,
    contexts: list[BrowserContext],
    scheme: str,
    closed: bool,
) -> None:
    blog = long_blog(live_server, closed=closed)
    page = open_page(
        contexts,
        browser,
        live_server.url(f"/live/{blog.slug}"),
        width=390,
        height=844,
        scheme=scheme,
    )
    state = "ended" if closed else "live"
    expect(page.locator(".live")).to_have_attribute("data-live-state", state, timeout=SOON)
    page.locator("details.entry__more > summary").click()
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, violations


def test_the_oldest_first_view_appends_new_entries_at_the_end(
    live_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    actions, admin = live_server.actions, live_server.admin
    blog = long_blog(live_server)
    url = live_server.url(f"/live/{blog.slug}?order=oldest")
    page = open_page(contexts, browser, url, width=390, height=844)
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    expect(page.locator(".live-note")).to_have_count(0)
    before = page.eval_on_selector_all("#entries > article", "els => els.map(e => e.id)")
    entry = actions.create_entry(admin, blog.slug, body="Neueste Meldung am Ende.")
    button = page.get_by_role("status").get_by_role("button", name="1 neuer Eintrag")
    expect(button).to_be_visible(timeout=SOON)
    # Held behind the button: nothing moved yet.
    assert page.eval_on_selector_all("#entries > article", "els => els.map(e => e.id)") == before
    button.click()
    after = page.eval_on_selector_all("#entries > article", "els => els.map(e => e.id)")
    assert after == [*before, f"entry-{entry.id}"]
    expect(page.locator(f"#entry-{entry.id}")).to_be_focused()


def test_a_live_edit_keeps_the_pinned_entry_as_the_reader_opened_it(
    live_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    actions, admin = live_server.actions, live_server.admin
    blog = long_blog(live_server)
    page = open_page(
        contexts, browser, live_server.url(f"/live/{blog.slug}"), width=390, height=844
    )
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    pinned = page.locator("article.entry--pinned")
    pinned.get_by_text("mehr anzeigen").click()
    with actions.db.read() as conn:
        entry_id = int((pinned.get_attribute("id") or "").removeprefix("entry-"))
        entry = entry_rows.get(conn, blog.id, entry_id)
    assert entry is not None
    actions.update_entry(
        admin,
        blog.slug,
        entry_id,
        {"body": LONG_BODY + "\n- Neu: Punkt 8."},
        if_match=entry.version,
    )
    expect(pinned.get_by_text("Neu: Punkt 8.")).to_be_visible(timeout=SOON)  # still open
    # The same article as a fresh render, once opened there too.
    fresh = open_page(
        contexts, browser, live_server.url(f"/live/{blog.slug}"), width=390, height=844
    )
    fresh.locator("article.entry--pinned").get_by_text("mehr anzeigen").click()
    assert pinned.inner_text() == fresh.locator("article.entry--pinned").inner_text()
