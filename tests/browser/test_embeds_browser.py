"""Embeds of other sites' posts and videos in a real Chromium (issue 16, item 2): a reader page
requests nothing from a provider before the reader's click, frames the provider's embed after it
(sandboxed, allowed by the page's ``frame-src``), remembers "always load from X" per reader and
forgets it again; entries that arrive live get working placeholders too.

There is no internet here: the providers' hosts are answered by Playwright's routing with a
small page, and every request of the browser is recorded. Each test makes its own blog on the
session's live server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from liveblog.domain.embeds import FRAME_ORIGINS
from liveblog.domain.models import Blog
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SOON = 5_000  # milliseconds
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
YOUTUBE_FRAME = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
X_POST = "https://x.com/liveblog/status/1234567890123"
X_FRAME = "https://platform.twitter.com/embed/Tweet.html?id=1234567890123"
PROVIDER_PAGE = "<!doctype html><title>{name}</title><p>{name} content</p>"
STORAGE_KEY = "liveblog-embeds-always"


@dataclass
class Reader:
    """A browser context that records every request and lets only the live server and the
    providers' stand-ins answer."""

    context: BrowserContext
    page: Page
    local: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.local)]

    def to(self, prefix: str) -> list[str]:
        return [url for url in self.requests if url.startswith(prefix)]


@pytest.fixture
def readers(browser: Browser, live_server: LiveServer) -> Iterator[list[Reader]]:
    opened: list[Reader] = []
    yield opened
    for reader in opened:
        reader.context.close()


def open_reader(
    browser: Browser, live_server: LiveServer, readers: list[Reader], *, javascript: bool = True
) -> Reader:
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )
    local = live_server.base_url + "/"
    reader = Reader(context, context.new_page(), local)
    context.on("request", lambda request: reader.requests.append(request.url))
    reader.page.on("pageerror", lambda error: reader.errors.append(str(error)))

    def guard(route: Route) -> None:
        if route.request.url.startswith(local):
            route.continue_()
        else:
            route.abort()

    def provider(route: Route) -> None:
        name = route.request.url.split("/")[2]
        route.fulfill(status=200, content_type="text/html", body=PROVIDER_PAGE.format(name=name))

    context.route("**/*", guard)
    # Later routes are asked first: the providers' origins get their stand-in page.
    for origin in FRAME_ORIGINS:
        context.route(f"{origin}/**", provider)
    readers.append(reader)
    return reader


def new_blog(live_server: LiveServer) -> Blog:
    slug = f"embeds-{uuid.uuid4().hex[:10]}"
    return live_server.actions.create_blog(
        live_server.admin, slug=slug, title="Hochwasser am Fluss", language="de"
    )


def post(live_server: LiveServer, blog: Blog, body: str, *, minutes_ago: float = 0) -> int:
    entry = live_server.actions.create_entry(
        live_server.admin,
        blog.slug,
        body=body,
        published_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )
    return entry.id


def with_embeds(live_server: LiveServer) -> tuple[Blog, int, int]:
    """A blog whose newest entry shows a YouTube video and an older one an X post."""
    blog = new_blog(live_server)
    older = post(live_server, blog, f"Die Feuerwehr schreibt:\n\n{X_POST}", minutes_ago=5)
    newer = post(live_server, blog, f"Das Video vom Deich:\n\n<{YOUTUBE}>\n\nMehr folgt.")
    return blog, newer, older


def figure(provider: str) -> str:
    return f"figure.embed[data-embed-provider='{provider}']"


def open_blog(reader: Reader, live_server: LiveServer, blog: Blog) -> None:
    reader.page.goto(live_server.url(f"/live/{blog.slug}"))
    expect(reader.page.locator(".embed-load").first).to_be_visible(timeout=SOON)


def expect_provider_page(page: Page, figure_selector: str, host: str) -> None:
    """The iframe in the figure shows the provider's (stand-in) page: nothing blocked it."""
    content = page.frame_locator(f"{figure_selector} iframe").locator("p")
    expect(content).to_have_text(f"{host} content", timeout=SOON)


# -- consent ----------------------------------------------------------------------------------


def test_nothing_leaves_the_site_before_a_click_and_the_provider_frame_loads_after(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, _, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    response = page.goto(live_server.url(f"/live/{blog.slug}"))
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-src " + " ".join(FRAME_ORIGINS) in policy
    youtube = page.locator(figure("youtube"))
    expect(youtube.locator(".embed-load")).to_have_text("Inhalt von YouTube laden", timeout=SOON)
    expect(youtube.locator(".embed-always")).to_be_visible()
    expect(youtube.locator(".embed-forget")).to_be_hidden()
    expect(youtube.locator(".embed-link a")).to_have_attribute("href", YOUTUBE)
    page.wait_for_load_state("networkidle")
    assert reader.outside() == []
    assert page.locator("iframe").count() == 0

    with page.expect_request(lambda r: r.url == YOUTUBE_FRAME):
        youtube.locator(".embed-load").click()
    iframe = youtube.locator(".embed-frame iframe")
    expect(iframe).to_have_attribute("src", YOUTUBE_FRAME)
    expect(iframe).to_have_attribute(
        "sandbox", "allow-scripts allow-same-origin allow-popups allow-presentation"
    )
    expect(iframe).to_have_attribute("referrerpolicy", "strict-origin-when-cross-origin")
    expect(iframe).to_have_attribute("allow", "encrypted-media; fullscreen; picture-in-picture")
    expect(iframe).to_have_attribute("title", f"YouTube: {YOUTUBE}")
    expect(youtube.locator(".embed-consent")).to_be_hidden()
    expect(iframe).to_be_focused()  # the button that had the focus is gone
    expect_provider_page(page, figure("youtube"), "www.youtube-nocookie.com")
    # A video is 16:9; nothing else came from another site, the X post neither.
    box = youtube.locator(".embed-frame").bounding_box()
    assert box is not None
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02
    assert reader.outside() == [YOUTUBE_FRAME]
    assert page.locator(f"{figure('x')} iframe").count() == 0
    # Loaded once, not remembered: no "forget" button, nothing stored.
    expect(youtube.locator(".embed-forget")).to_be_hidden()
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None

    page.reload()
    expect(youtube.locator(".embed-load")).to_be_visible(timeout=SOON)
    page.wait_for_load_state("networkidle")
    assert reader.outside() == [YOUTUBE_FRAME]
    assert reader.errors == []


def test_always_loads_that_provider_at_once_and_forget_undoes_it(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, _, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    open_blog(reader, live_server, blog)
    youtube = page.locator(figure("youtube"))
    youtube.locator(".embed-always input").check()
    with page.expect_request(lambda r: r.url == YOUTUBE_FRAME):
        youtube.locator(".embed-load").click()
    expect(youtube.locator(".embed-forget")).to_have_text("YouTube nicht mehr automatisch laden")
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") == '["youtube"]'

    # A reload frames YouTube at once, and only YouTube.
    reader.requests.clear()
    with page.expect_request(lambda r: r.url == YOUTUBE_FRAME):
        page.reload()
    expect(youtube.locator(".embed-frame iframe")).to_have_attribute("src", YOUTUBE_FRAME)
    expect(youtube.locator(".embed-forget")).to_be_visible()
    x = page.locator(figure("x"))
    expect(x.locator(".embed-load")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert reader.outside() == [YOUTUBE_FRAME]

    # "Forget": the placeholder is back, the choice gone, and a reload loads nothing.
    youtube.locator(".embed-forget").click()
    expect(youtube.locator("iframe")).to_have_count(0)
    expect(youtube.locator(".embed-consent")).to_be_visible()
    expect(youtube.locator(".embed-always input")).not_to_be_checked()
    expect(youtube.locator(".embed-forget")).to_be_hidden()
    expect(youtube.locator(".embed-load")).to_be_focused()
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None
    reader.requests.clear()
    page.reload()
    expect(youtube.locator(".embed-load")).to_be_visible(timeout=SOON)
    page.wait_for_load_state("networkidle")
    assert reader.outside() == []
    assert reader.errors == []


def test_a_blocked_storage_still_loads_on_click(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, _, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    page.add_init_script(
        "for (const name of ['getItem', 'setItem', 'removeItem']) {"
        "  Storage.prototype[name] = () => { throw new DOMException('blocked', 'SecurityError'); };"
        "}"
    )
    open_blog(reader, live_server, blog)
    x = page.locator(figure("x"))
    x.locator(".embed-always input").check()
    with page.expect_request(lambda r: r.url == X_FRAME):
        x.locator(".embed-load").click()
    expect(x.locator(".embed-frame iframe")).to_have_attribute("src", X_FRAME)
    # A post is a tall box, not 16:9.
    box = x.locator(".embed-frame").bounding_box()
    assert box is not None
    assert box["height"] > box["width"] * 0.75
    assert reader.errors == []


def test_a_broken_stored_choice_is_ignored(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, _, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    # Init scripts run in every frame: only the reader page's own storage gets the bad value
    # (a provider's frame may not touch its storage at all).
    page.add_init_script(
        f"if (window.top === window) localStorage.setItem('{STORAGE_KEY}', '{{not json')"
    )
    open_blog(reader, live_server, blog)
    page.wait_for_load_state("networkidle")
    assert reader.outside() == []
    x = page.locator(figure("x"))
    x.locator(".embed-always input").check()
    with page.expect_request(lambda r: r.url == X_FRAME):
        x.locator(".embed-load").click()
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") == '["x"]'
    assert reader.errors == []


def test_a_placeholder_whose_address_is_not_the_providers_stays_a_link(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    """The server builds ``data-embed-src``; the script still checks it (defence in depth)."""
    blog, newer, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    open_blog(reader, live_server, blog)
    forged = [
        ("youtube", "https://www.youtube-nocookie.com.evil.example/embed/x"),
        ("youtube", "https://platform.twitter.com/embed/Tweet.html?id=1"),  # another provider's
        ("youtube", "javascript:alert(1)"),
        ("youtube", "http://www.youtube-nocookie.com/embed/x"),
        ("unknown", "https://www.youtube-nocookie.com/embed/x"),
    ]
    for index, (provider, src) in enumerate(forged):
        page.evaluate(
            """([article, index, provider, src]) => {
                const copy = document.querySelector("figure.embed").cloneNode(true);
                copy.id = "forged-" + index;
                copy.dataset.embedProvider = provider;
                copy.dataset.embedSrc = src;
                copy.querySelector(".embed-load").hidden = true;
                copy.querySelector(".embed-always").hidden = true;
                document.querySelector("#entry-" + article + " .entry__body").append(copy);
            }""",
            [newer, index, provider, src],
        )
    # A copy of a real placeholder is set up by the same observer: it shows its buttons.
    page.evaluate(
        """article => {
            const copy = document.querySelector("figure.embed").cloneNode(true);
            copy.id = "genuine";
            delete copy.dataset.embedReady;
            copy.querySelector(".embed-load").hidden = true;
            document.querySelector("#entry-" + article + " .entry__body").append(copy);
        }""",
        newer,
    )
    expect(page.locator("#genuine .embed-load")).to_be_visible()
    for index in range(len(forged)):
        expect(page.locator(f"#forged-{index} .embed-load")).to_be_hidden()
        expect(page.locator(f"#forged-{index} .embed-link a")).to_be_visible()
    assert page.locator("iframe").count() == 0
    assert reader.outside() == []


def test_without_javascript_only_the_link_shows(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, _, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers, javascript=False)
    page = reader.page
    page.goto(live_server.url(f"/live/{blog.slug}"))
    youtube = page.locator(figure("youtube"))
    expect(youtube.locator(".embed-link a")).to_be_visible()
    expect(youtube.locator(".embed-title")).to_have_text("YouTube")
    for part in (".embed-load", ".embed-always", ".embed-forget"):
        expect(youtube.locator(part)).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert reader.outside() == []


# -- live updates -----------------------------------------------------------------------------


def release_new_entries(page: Page) -> None:
    button = page.get_by_role("status").get_by_role("button")
    expect(button).to_be_visible(timeout=SOON)
    button.click()


def test_an_embed_that_arrives_live_on_a_page_with_embeds_loads_on_click(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog = new_blog(live_server)
    post(live_server, blog, f"Das Video:\n\n{YOUTUBE}", minutes_ago=5)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    open_blog(reader, live_server, blog)
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)

    arrived = post(live_server, blog, f"Neu von der Feuerwehr:\n\n{X_POST}")
    release_new_entries(page)
    x = page.locator(f"#entry-{arrived} figure.embed")
    expect(x.locator(".embed-load")).to_have_text("Inhalt von X laden", timeout=SOON)
    assert reader.outside() == []
    with page.expect_request(lambda r: r.url == X_FRAME):
        x.locator(".embed-load").click()
    expect_provider_page(page, f"#entry-{arrived} figure.embed", "platform.twitter.com")
    assert reader.outside() == [X_FRAME]
    assert reader.errors == []


def test_an_embed_that_arrives_live_on_a_page_without_embeds_works_too(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    """That page was sent without ``frame-src`` and without embeds.js: live-view.js loads the
    script, and the reader's click reloads the page, which frames the embed."""
    blog = new_blog(live_server)
    post(live_server, blog, "Erste Meldung ohne Video.", minutes_ago=5)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    response = page.goto(live_server.url(f"/live/{blog.slug}"))
    assert response is not None
    assert "frame-src" not in response.headers["content-security-policy"]
    expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    assert page.locator("script[src*='embeds.js']").count() == 0

    arrived = post(live_server, blog, f"Das Video vom Deich:\n\n{YOUTUBE}")
    release_new_entries(page)
    youtube = page.locator(f"#entry-{arrived} figure.embed")
    expect(youtube.locator(".embed-load")).to_be_visible(timeout=SOON)
    assert reader.outside() == []
    with page.expect_request(lambda r: r.url == YOUTUBE_FRAME):
        youtube.locator(".embed-load").click()
    expect(youtube.locator(".embed-frame iframe")).to_have_attribute("src", YOUTUBE_FRAME)
    expect_provider_page(page, f"#entry-{arrived} figure.embed", "www.youtube-nocookie.com")
    assert reader.outside() == [YOUTUBE_FRAME]
    # Once, not always: the next reload shows the placeholder again.
    page.reload()
    expect(youtube.locator(".embed-load")).to_be_visible(timeout=SOON)
    page.wait_for_load_state("networkidle")
    assert reader.outside() == [YOUTUBE_FRAME]
    assert reader.errors == []


def test_the_entry_page_and_the_blogs_embed_frame_embeds_too(
    browser: Browser, live_server: LiveServer, readers: list[Reader]
) -> None:
    blog, newer, _ = with_embeds(live_server)
    reader = open_reader(browser, live_server, readers)
    page = reader.page
    for path in (f"/live/{blog.slug}/entries/{newer}", f"/live/{blog.slug}/embed"):
        reader.requests.clear()
        response = page.goto(live_server.url(path))
        assert response is not None
        assert "frame-src " + " ".join(FRAME_ORIGINS) in response.headers["content-security-policy"]
        youtube = page.locator(figure("youtube"))
        expect(youtube.locator(".embed-load")).to_be_visible(timeout=SOON)
        page.wait_for_load_state("networkidle")
        assert reader.outside() == [], path
        with page.expect_request(lambda r: r.url == YOUTUBE_FRAME):
            youtube.locator(".embed-load").click()
        expect(youtube.locator("iframe")).to_have_count(1)
    assert reader.errors == []
