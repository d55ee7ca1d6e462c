"""Rich entries on a reader page in Chromium (issue 16): photos, embed placeholders, a quote and
an entry marked "not independently verified". axe-core finds nothing serious or critical in the
light and the dark scheme at 390 and 1280 px, nothing scrolls sideways, and a photo keeps its
place while it loads (its img has width and height: no layout shift). Screenshots under
/tmp/shots/b2 (``LIVEBLOG_SCREENSHOTS`` for another directory).

The app runs on a server of its own, with its own media directory; photos are uploaded through
the upload action and shown by posting Markdown, as an editor would."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from liveblog.actions import Actions, MediaStore
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.web import create_app
from tests.browser.conftest import LiveServer, serving

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots")) / "b2"
SLUG = "sturm-an-der-kueste"
STAND_IN_VIDEO = (
    "<!doctype html><title>Video</title><body style='margin:0;height:100vh;display:grid;"
    "place-items:center;background:#222;color:#eee;font:1.5rem sans-serif'>Video</body>"
)


def picture(width: int, height: int, fmt: str) -> bytes:
    """A photo-like image: a gradient sky over a darker band, a sun."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(90 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade * 2 // 3, shade))
    draw.rectangle([0, height * 2 // 3, width, height], fill=(40, 70, 60))
    draw.ellipse(
        [width // 5, height // 6, width // 5 + height // 5, height // 6 + height // 5],
        fill=(250, 210, 90),
    )
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("rich")
    settings = Settings(
        database_url=f"sqlite:///{directory / 'liveblog.db'}", media_dir=str(directory / "media")
    )
    app = create_app(settings)
    actions = app.state.services.actions
    assert isinstance(actions, Actions)
    admin = actions.create_user("rich@example.org", "admin", "correct horse battery")
    fill(actions, admin, MediaStore(directory / "media", 20_000_000, 50_000_000))
    yield from serving(app, admin, settings)


def fill(actions: Actions, admin: User, store: MediaStore) -> None:
    actions.create_blog(admin, slug=SLUG, title="Sturm an der Küste", language="de")
    harbour = actions.upload_media(
        admin,
        SLUG,
        picture(2400, 1600, "JPEG"),
        store,
        alt="Wellen schlagen über die Hafenmauer, dahinter der Leuchtturm",
        credit="Jana Beispiel",
        caption="Am Nachmittag stand das Wasser an der Hafenmauer.",
    )
    dyke = actions.upload_media(
        admin,
        SLUG,
        picture(900, 1200, "PNG"),
        store,
        alt="Helfer mit Sandsäcken auf dem Deich",
        credit="Feuerwehr Beispielstadt",
    )
    now = datetime.now(UTC)
    bodies = [
        (
            "Die Feuerwehr hat ein Video vom Deich veröffentlicht:\n\n"
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n"
            "Und die Stadt schreibt:\n\nhttps://x.com/beispielstadt/status/1234567890123",
            False,
        ),
        (
            "> Wir haben die Lage im Griff, aber der Scheitel kommt erst in der Nacht.\n\n"
            "— Maria Muster, Sprecherin der Feuerwehr",
            False,
        ),
        (
            "In sozialen Netzwerken heißt es, die Brücke sei gesperrt.",
            True,
        ),
        (
            f'![Helfer auf dem Deich](media:{dyke.id} "Feuerwehr Beispielstadt")\n\nSandsäcke.',
            False,
        ),
    ]
    actions.create_entry(
        admin,
        SLUG,
        headline="Wasser am Hafen",
        body=f'Das Wasser steht hoch.\n\n![Wellen am Hafen](media:{harbour.id} "Jana Beispiel")',
        published_at=now,
    )
    for minutes, (body, unverified) in enumerate(bodies, start=1):
        actions.create_entry(
            admin,
            SLUG,
            body=body,
            published_at=now - timedelta(minutes=minutes),
            unverified=unverified,
        )


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(
    contexts: list[BrowserContext], browser: Browser, site: LiveServer, width: int, scheme: str
) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        service_workers="block",
    )
    contexts.append(context)
    local = site.base_url + "/"
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(local) else route.abort(),
    )
    page = context.new_page()
    page.goto(site.url(f"/live/{SLUG}"))
    expect(page.locator("figure.embed .embed-load").first).to_be_visible()
    return page


def serious(page: Page) -> list[tuple[str, str, list[object]]]:
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_page_of_rich_entries_passes_axe_and_fits(
    browser: Browser,
    site: LiveServer,
    contexts: list[BrowserContext],
    width: int,
    scheme: str,
) -> None:
    page = open_page(contexts, browser, site, width, scheme)
    expect(page.locator("figure.photo")).to_have_count(2)
    expect(page.locator("figure.embed")).to_have_count(2)
    expect(page.locator("figure.quote figcaption")).to_have_text(
        "— Maria Muster, Sprecherin der Feuerwehr"
    )
    expect(page.locator(".unverified")).to_have_count(1)
    # Every lazy photo loads once scrolled to, so that axe and the screenshot see them.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    )
    page.evaluate("window.scrollTo(0, 0)")
    assert serious(page) == []
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0
    # A photo takes the entry's width (never wider), keeping its proportions.
    for img in page.locator("figure.photo img").all():
        box = img.bounding_box()
        body = img.locator("xpath=ancestor::div[contains(@class,'entry__body')]").bounding_box()
        assert box is not None
        assert body is not None
        assert abs(box["width"] - body["width"]) < 1
        ratio = int(img.get_attribute("width") or 0) / int(img.get_attribute("height") or 1)
        assert abs(box["width"] / box["height"] - ratio) < 0.02
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rich-{width}-{scheme}.png"), full_page=True)
    # And with a video loaded (the provider answered by a stand-in: there is no internet).
    page.context.route(
        "https://www.youtube-nocookie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=STAND_IN_VIDEO),
    )
    page.locator("figure.embed .embed-always input").first.check()
    page.locator("figure.embed .embed-load").first.click()
    expect(page.locator("figure.embed .embed-forget").first).to_be_visible()
    assert serious(page) == []
    page.locator("figure.embed").first.screenshot(
        path=str(SHOTS / f"embed-loaded-{width}-{scheme}.png")
    )


def test_a_photo_keeps_its_place_while_it_loads(
    browser: Browser, site: LiveServer, contexts: list[BrowserContext]
) -> None:
    """The img's width and height reserve its box before a byte of the image arrives; when it
    comes, nothing moves (no layout shift is recorded meanwhile)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    contexts.append(context)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    context.route("**/media/**", hold)
    page = context.new_page()
    page.add_init_script(
        "window.shifts = 0;"
        "new PerformanceObserver(list => { for (const e of list.getEntries()) window.shifts += e.value; })"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    page.goto(site.url(f"/live/{SLUG}"), wait_until="domcontentloaded")
    first = page.locator("figure.photo img").first
    width = int(first.get_attribute("width") or 0)
    height = int(first.get_attribute("height") or 0)
    assert width > 0
    assert abs(width / height - 3 / 2) < 0.01
    before = first.bounding_box()
    assert before is not None
    assert abs(before["width"] / before["height"] - 3 / 2) < 0.01
    assert page.evaluate("document.querySelector('figure.photo img').complete") is False
    # Count from here: the live row that live.js shows at the start moves the entries once.
    expect(page.locator(".live")).to_be_visible()
    page.evaluate("window.shifts = 0")
    for route in held:
        route.continue_()
    context.unroute("**/media/**", hold)
    page.wait_for_function("() => document.querySelector('figure.photo img').naturalWidth > 0")
    after = first.bounding_box()
    assert after is not None
    # (The attributes' ratio is rounded to whole pixels: a fraction of a pixel may differ.)
    assert all(abs(after[k] - before[k]) < 0.5 for k in ("x", "y", "width", "height"))
    assert page.evaluate("window.shifts") < 0.001
