"""The embed in a real Chromium, framed by a partner page on another origin: a tiny static
server on a second 127.0.0.1 port serves a page with the code the desk gives
(``embed_code.snippet``), and a third port a foreign page. The iframe takes its height from the
embed's messages (``embed.js`` -> ``embed-resizer.js``); a message from another origin, or
from the partner page itself, is ignored; a page of an origin the blog does not list cannot
frame the embed at all; a new entry reaches the embed live, and the iframe grows with it.
Screenshots at 390 and 1280 px in /tmp/shots (``LIVEBLOG_SCREENSHOTS``); axe-core finds
nothing serious or critical in the embed."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Frame, Page, expect

from liveblog.domain.models import Blog
from liveblog.web.reader.embed_code import snippet
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SOON = 5_000
SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots"))
HOST = "127.0.0.1"


@dataclass
class Site:
    """A static site on its own port: ``pages`` maps paths to HTML."""

    server: ThreadingHTTPServer
    pages: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}"


def _site() -> Site:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Site(server, pages)


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[Site, Site]]:
    """The partner's site and a foreign one, each on its own port (so its own origin)."""
    partner, foreign = _site(), _site()
    try:
        yield partner, foreign
    finally:
        for site in (partner, foreign):
            site.server.shutdown()
            site.server.server_close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A context that may reach the live server and the two static sites only."""
    made = browser.new_context(
        java_script_enabled=True, viewport={"width": 1280, "height": 900}, service_workers="block"
    )
    made.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(f"http://{HOST}:") else route.abort()
        ),
    )
    yield made
    made.close()


def new_blog(live_server: LiveServer, origins: list[str]) -> Blog:
    actions, admin = live_server.actions, live_server.admin
    slug = f"embed-{uuid.uuid4().hex[:10]}"
    actions.create_blog(
        admin,
        slug=slug,
        title="Sturmflut an der Nordsee",
        summary="Pegelstände, Deiche und Sperrungen: alles Wichtige im Liveblog.",
    )
    actions.create_entry(
        admin, slug, headline="Deich bei Husum hält", body="Die Lage ist **angespannt**."
    )
    actions.create_entry(
        admin,
        slug,
        body="Die Fähren nach Amrum und Föhr fallen heute aus. Bitte beachten Sie die "
        "Hinweise der Reedereien.",
        key_event=True,
        headline="Fähren fallen aus",
        source="Reederei",
    )
    return actions.update_blog(admin, slug, {"embed_origins": origins})


def partner_page(live_server: LiveServer, blog: Blog, extra: str = "") -> str:
    code = snippet(live_server.base_url, blog.slug, blog.title)
    return (
        '<!doctype html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Nordkurier</title>"
        "<style>body{font-family:sans-serif;margin:0 auto;max-width:60rem;padding:1rem}</style>"
        "</head><body><header><h1>Nordkurier</h1></header><main>"
        "<p>Unser Liveblog zur Sturmflut:</p>"
        f"{code}{extra}<p>Weitere Nachrichten folgen.</p></main></body></html>"
    )


def embed_frame(page: Page, blog: Blog) -> Frame:
    """The embed's frame once its document is there (the iframe loads lazily)."""
    handle = page.locator("iframe[data-liveblog-embed]").element_handle(timeout=SOON)
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_url(f"**/live/{blog.slug}/embed", timeout=SOON)
    frame.wait_for_load_state("domcontentloaded", timeout=SOON)
    return frame


def iframe_height(page: Page) -> float:
    height: float = page.evaluate(
        "document.querySelector('iframe[data-liveblog-embed]').getBoundingClientRect().height"
    )
    return height


def embed_height(frame: Frame) -> int:
    height: int = frame.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    return height


def wait_sized(page: Page, frame: Frame) -> int:
    """Wait until the iframe is as tall as the embed's document; that height."""
    page.wait_for_function(
        "() => document.querySelector('iframe[data-liveblog-embed]').dataset.liveblogHeight",
        timeout=SOON,
    )
    expect(frame.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
    page.wait_for_function(
        """h => {
            const frame = document.querySelector('iframe[data-liveblog-embed]');
            return Math.abs(frame.getBoundingClientRect().height - h) < 1;
        }""",
        arg=embed_height(frame),
        timeout=SOON,
    )
    return embed_height(frame)


def test_the_partner_page_sizes_the_embed_and_ignores_foreign_messages(
    live_server: LiveServer, sites: tuple[Site, Site], context: BrowserContext
) -> None:
    partner, foreign = sites
    blog = new_blog(live_server, [partner.origin])
    foreign.pages["/foreign.html"] = (
        '<!doctype html><html lang="de"><head><title>Fremd</title></head><body>x</body></html>'
    )
    partner.pages[f"/{blog.slug}.html"] = partner_page(
        live_server,
        blog,
        f'<iframe id="foreign" title="Fremd" src="{foreign.origin}/foreign.html"></iframe>',
    )
    page = context.new_page()
    page.goto(f"{partner.origin}/{blog.slug}.html")
    frame = embed_frame(page, blog)
    height = wait_sized(page, frame)
    assert height != 800  # not the snippet's height: the embed's own
    assert abs(iframe_height(page) - height) < 1
    # The embed knows its parent and posts only there.
    assert frame.evaluate("location.ancestorOrigins[0]") == partner.origin
    # No scroll bar inside: the whole embed is shown.
    assert frame.evaluate(
        "document.documentElement.scrollHeight <= document.documentElement.clientHeight"
    )

    # Messages from anywhere else change nothing: the foreign frame, the partner page itself.
    page.evaluate(
        """() => {
            window.received = [];
            window.addEventListener('message', e => window.received.push(e.data && e.data.type));
        }"""
    )
    foreign_frame = next(f for f in page.frames if f.url.endswith("/foreign.html"))
    foreign_frame.evaluate(
        "parent.postMessage({type: 'liveblog:height', height: 7}, '*');"
        "parent.postMessage({type: 'done'}, '*');"
    )
    page.evaluate(
        "window.postMessage({type: 'liveblog:height', height: 9}, '*');"
        "window.postMessage({type: 'done'}, '*');"
    )
    page.wait_for_function(
        "() => window.received.filter(t => t === 'done').length === 2", timeout=SOON
    )
    assert abs(iframe_height(page) - height) < 1
    assert page.evaluate(
        "document.querySelector('iframe[data-liveblog-embed]').dataset.liveblogHeight"
    ) == str(height)

    # A new entry reaches the embed live; inserted, the iframe grows with it.
    live_server.actions.create_entry(
        live_server.admin,
        blog.slug,
        headline="Neue Warnung",
        body="Der Deutsche Wetterdienst warnt vor schweren Sturmböen an der ganzen Küste.",
    )
    button = frame.get_by_role("status").get_by_role("button", name="1 neuer Eintrag")
    expect(button).to_be_visible(timeout=SOON)
    button.click()
    expect(frame.get_by_role("heading", name="Neue Warnung")).to_be_visible(timeout=SOON)
    page.wait_for_function(
        """h => {
            const frame = document.querySelector('iframe[data-liveblog-embed]');
            return frame.getBoundingClientRect().height > h;
        }""",
        arg=height,
        timeout=SOON,
    )
    assert abs(iframe_height(page) - embed_height(frame)) < 1


def test_a_resizer_that_starts_after_the_embed_asks_for_its_height(
    live_server: LiveServer, sites: tuple[Site, Site], context: BrowserContext
) -> None:
    """The resizer script may run after the embed sent its first height (it is async, or
    added later): it greets the embed, which sends its height again."""
    partner, _ = sites
    blog = new_blog(live_server, [partner.origin])
    iframe = snippet(live_server.base_url, blog.slug, blog.title).split("\n")[0]
    late = (
        "<script>document.querySelector('iframe').addEventListener('load', () => {"
        "const s = document.createElement('script');"
        f"s.src = '{live_server.base_url}/static/embed-resizer.js';"
        "document.body.append(s);});</script>"
    )
    partner.pages[f"/{blog.slug}-late.html"] = (
        f'<!doctype html><html lang="de"><head><title>Spät</title></head><body>{iframe}{late}'
        "</body></html>"
    )
    page = context.new_page()
    page.goto(f"{partner.origin}/{blog.slug}-late.html")
    frame = embed_frame(page, blog)
    height = wait_sized(page, frame)
    assert abs(iframe_height(page) - height) < 1


def test_an_origin_the_blog_does_not_list_cannot_frame_the_embed(
    live_server: LiveServer, sites: tuple[Site, Site], context: BrowserContext
) -> None:
    partner, foreign = sites
    blog = new_blog(live_server, [partner.origin])
    foreign.pages[f"/{blog.slug}.html"] = partner_page(live_server, blog)
    page = context.new_page()
    # The browser refuses to show the document (frame-ancestors) and says so.
    with page.expect_console_message(
        lambda message: "frame-ancestors" in message.text, timeout=SOON
    ):
        page.goto(f"{foreign.origin}/{blog.slug}.html")
    framed = [f.url for f in page.frames if f is not page.main_frame]
    assert not any(url.endswith("/embed") for url in framed), framed
    assert (
        page.evaluate(
            "document.querySelector('iframe[data-liveblog-embed]').dataset.liveblogHeight"
        )
        is None
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_embed_screenshots_and_axe(
    live_server: LiveServer,
    sites: tuple[Site, Site],
    browser: Browser,
    width: int,
) -> None:
    partner, _ = sites
    blog = new_blog(live_server, [partner.origin])
    partner.pages[f"/{blog.slug}.html"] = partner_page(live_server, blog)
    context = browser.new_context(
        java_script_enabled=True, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{partner.origin}/{blog.slug}.html")
        wait_sized(page, embed_frame(page, blog))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"embed-{width}.png"), full_page=True)
        overflow = embed_frame(page, blog).evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, "the embed scrolls sideways"
        # axe-core on the embed itself (as a page of its own: axe runs in the top document).
        alone = context.new_page()
        alone.goto(live_server.url(f"/live/{blog.slug}/embed"))
        expect(alone.locator(".live")).to_have_attribute("data-live-state", "live", timeout=SOON)
        results = Axe().run(alone)
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
    finally:
        context.close()
