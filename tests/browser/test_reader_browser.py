"""The reader page in a real Chromium with JavaScript off: it shows the blog, asks nothing of
other hosts, fits a 360 px wide phone, and its permalinks and anchors work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from liveblog.web.static_files import static_url
from tests.browser.conftest import LiveServer, OpenContext

pytestmark = pytest.mark.browser

SLUG = "browser-lesen"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenhersteller" * 3
BODY_WIDE = f"""Ein sehr langes Wort: {LONG_WORD}.

Ein langer Link: <https://example.org/{"a" * 150}>

| Ort | Pegel | Tendenz | Bemerkung | Quelle der Messung |
| --- | --- | --- | --- | --- |
| Flussaufwärts-Messstelle-Nord | 7,20 m | steigend | Warnstufe drei ausgerufen | Landesamt |

```
ein_sehr_langer_codeblock = "{"x" * 120}"
```
"""


OUTSIDE_THE_VIEWPORT = """
[...document.querySelectorAll("main *")]
  .filter((element) => {
    if (element.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
    for (let up = element.parentElement; up; up = up.parentElement) {
      if (!["visible", "clip"].includes(getComputedStyle(up).overflowX)) return false;
    }
    return true;
  })
  .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
"""


@dataclass(frozen=True)
class Seeded:
    pinned: int
    wide: int
    oldest: int
    ids: list[int]


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Seeded:
    actions, admin = live_server.actions, live_server.admin
    actions.create_blog(
        admin,
        slug=SLUG,
        title="Sturmflut an der Küste",
        summary="Der Wind dreht auf Nordwest. Alle Meldungen des Tages im Überblick.",
    )
    start = datetime.now(UTC) - timedelta(hours=6)
    ids = []
    for i in range(26):
        entry = actions.create_entry(
            admin,
            SLUG,
            body=BODY_WIDE if i == 20 else f"Meldung Nummer {i} mit **Details** zur Lage.",
            headline=f"Lage um Punkt {i}" if i % 4 == 0 else None,
            key_event=i % 8 == 0,
            source="Wetterdienst" if i % 5 == 0 else None,
            published_at=start + timedelta(minutes=10 * i),
        )
        ids.append(entry.id)
    pinned = actions.update_entry(admin, SLUG, ids[2], {"pinned": True}, if_match=1)
    return Seeded(pinned=pinned.id, wide=ids[20], oldest=ids[0], ids=ids)


def test_page_shows_the_blog_without_javascript(
    live_server: LiveServer, seeded: Seeded, open_context: OpenContext
) -> None:
    page = open_context(javascript=False).context.new_page()

    response = page.goto(live_server.url(f"/live/{SLUG}"))

    assert response is not None
    assert response.status == 200
    headline = page.locator("h1").inner_text()
    assert headline.startswith("Sturmflut an der Küste\u00a0++ Lage um Punkt")
    assert page.locator("p.kicker").inner_text().lower() == "liveblog"
    assert page.locator(".stand").inner_text().startswith("Stand: ")
    articles = page.locator("main article")
    assert articles.count() == live_server.settings.page_size + 1  # the pinned one on top
    assert articles.first.get_attribute("id") == f"entry-{seeded.pinned}"
    assert "Angeheftet" in articles.first.inner_text()
    # No script but the live client (two files) and the structured data (data, which browsers never run).
    others = (
        f"script:not([src='{static_url('live.js')}']):not([src='{static_url('live-view.js')}'])"
        ":not([type='application/ld+json'])"
    )
    assert page.locator(others).count() == 0
    assert page.locator(".live").is_hidden()  # the live controls need JavaScript
    # The stylesheet arrived and applies.
    max_width = page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    assert max_width != "none"

    page.get_by_role("link", name="Ältere Einträge").click()
    assert "cursor=" in page.url
    assert page.locator(f"#entry-{seeded.oldest}").count() == 1


def test_no_request_leaves_the_live_server(
    live_server: LiveServer, seeded: Seeded, open_context: OpenContext
) -> None:
    recording = open_context(javascript=False)
    page = recording.context.new_page()
    for path in (
        f"/live/{SLUG}",
        f"/live/{SLUG}?order=oldest",
        f"/live/{SLUG}/entries/{seeded.wide}",
        "/",
        "/live/gibt-es-nicht",
    ):
        page.goto(live_server.url(path))
        page.wait_for_load_state("load")

    assert recording.blocked == []
    hosts = {urlsplit(url).hostname for url in recording.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    assert live_server.url(static_url("style.css")) in recording.requests


@pytest.mark.parametrize("javascript", [False, True])
def test_layout_fits_a_360px_wide_screen(
    live_server: LiveServer, seeded: Seeded, open_context: OpenContext, javascript: bool
) -> None:
    page = open_context(javascript=javascript, width=360).context.new_page()
    for path in (f"/live/{SLUG}", f"/live/{SLUG}/entries/{seeded.wide}", "/", "/live/nix"):
        page.goto(live_server.url(path))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
        # Wide content (tables, code) may scroll inside its own box, never the page.
        sticking_out = page.evaluate(OUTSIDE_THE_VIEWPORT)
        assert sticking_out == [], (path, sticking_out)


def test_permalink_and_anchor(
    live_server: LiveServer, seeded: Seeded, open_context: OpenContext
) -> None:
    page = open_context(javascript=False, width=360, height=640).context.new_page()
    target = seeded.ids[10]

    page.goto(live_server.url(f"/live/{SLUG}#entry-{target}"))

    article = page.locator(f"#entry-{target}")
    box = article.bounding_box()
    assert box is not None
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= box["y"] < 640
    assert page.evaluate(f"document.querySelector('#entry-{target}').matches(':target')")

    article.get_by_role("link", name="Link zum Eintrag").click()
    assert page.url == live_server.url(f"/live/{SLUG}/entries/{target}")
    assert page.locator("main article").count() == 1
    assert page.locator(f"#entry-{target}").count() == 1

    page.get_by_role("link", name="Zurück zum Liveblog").click()
    assert page.url == live_server.url(f"/live/{SLUG}#entry-{target}")
    # The browser scrolls to the fragment once the page is laid out, which may be after the
    # click returns: wait for the entry to be in view (a timeout if it never is).
    page.wait_for_function(
        """id => {
            const top = document.getElementById(id).getBoundingClientRect().top;
            return top >= 0 && top < 640;
        }""",
        arg=f"entry-{target}",
        timeout=10_000,
    )


def test_keyboard_users_get_a_visible_skip_link(
    live_server: LiveServer, seeded: Seeded, open_context: OpenContext
) -> None:
    page = open_context(javascript=False).context.new_page()
    page.goto(live_server.url(f"/live/{SLUG}"))

    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    assert focused.get_attribute("class") == "skip-link"
    box = focused.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
