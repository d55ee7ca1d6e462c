"""The first view of the demo's pages on the wire, as Chromium counts it (issue 15: at most
16 KB with the stylesheet and scripts): compressed pages and static files, measured with the
DevTools protocol's encoded data lengths (bytes received, headers included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from liveblog.actions import MediaStore
from liveblog.config import Settings
from liveblog.demo.brand import demo_brand
from liveblog.demo.seed import seed
from liveblog.web import create_app
from tests.browser.conftest import LiveServer, serving
from tests.waiting import wait_until

BUDGET = 16_000  # bytes: 16 kB as DevTools counts them


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("demo-wire")
    settings = demo_settings(
        Settings(
            database_url=f"sqlite:///{directory / 'demo.db'}", media_dir=str(directory / "media")
        )
    )
    app = create_app(settings)
    # As `liveblog demo` seeds it: with the photo (below the first screen, so not fetched).
    seeded = seed(app.state.services.actions, media=MediaStore.of(settings))
    yield from serving(app, seeded.admin, settings)


def demo_settings(settings: Settings) -> Settings:
    """The settings ``liveblog demo`` serves with (its invented newsroom brand)."""
    return demo_brand(settings, {})


class WireCount:
    """Bytes received per request, from the DevTools protocol's Network domain."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.finished: dict[str, int] = {}
        self.streaming: dict[str, int] = {}

    def response(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]

    def data(self, event: dict[str, Any]) -> None:
        request = event["requestId"]
        self.streaming[request] = self.streaming.get(request, 0) + event["encodedDataLength"]

    def done(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def per_url(self) -> dict[str, int]:
        counts = {}
        for request, url in self.urls.items():
            counts[url] = self.finished.get(request, self.streaming.get(request, 0))
        return counts


@pytest.mark.parametrize("slug", ["sturmflut-nordermarsch", "port-alder-marathon"])
def test_the_first_view_of_a_demo_page_fits_in_16_kb(
    browser: Browser, demo_server: LiveServer, slug: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        wire = WireCount()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", wire.response)
        cdp.on("Network.dataReceived", wire.data)
        cdp.on("Network.loadingFinished", wire.done)
        page.goto(demo_server.url(f"/live/{slug}"), wait_until="load")
        page.wait_for_selector(".live:not([hidden])")  # the live client runs: all has loaded
        kinds = (".css", ".js", "/brand/logo-", f"/live/{slug}")
        wait_until(
            lambda: all(any(kind in url for url in wire.per_url()) for kind in kinds),
            what="the page, its stylesheet and scripts counted",
        )
        counted = wire.per_url()
        total = sum(counted.values())
        listing = "\n".join(f"{size:7,} {url}" for url, size in sorted(counted.items()))
        assert total <= BUDGET, f"{total:,} bytes on the wire:\n{listing}"
        # Every text resource came compressed (a plain page alone would be over the budget).
        for response_url in (u for u in counted if u.endswith(kinds) or ".js?" in u):
            assert counted[response_url] > 0, listing
    finally:
        context.close()


def test_pages_and_static_files_are_sent_compressed_to_the_browser(
    browser: Browser, demo_server: LiveServer
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        codings: dict[str, str | None] = {}
        page.on(
            "response",
            lambda response: codings.__setitem__(
                response.url, response.headers.get("content-encoding")
            ),
        )
        page.goto(demo_server.url("/live/sturmflut-nordermarsch"), wait_until="load")
        wait_until(lambda: any(".js" in url for url in codings), what="the scripts")
        text = {
            url: coding for url, coding in codings.items() if "/static/" in url or "/live/" in url
        }
        text = {url: coding for url, coding in text.items() if "favicon" not in url}
        assert text, codings
        assert set(text.values()) == {"br"}, codings
    finally:
        context.close()
