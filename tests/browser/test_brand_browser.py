"""The brand in Chromium: a site with its own name, logo, footer links and a badly chosen colour
(yellow, far short of AA on white) shows them on a blog page and on ``/``, in the light and the
dark colour scheme, without serious or critical axe-core violations (colour contrast included)
and without sideways scrolling; the logo loads. Screenshots at 390 and 1280 px go to
``/tmp/shots/brand`` (``LIVEBLOG_SCREENSHOTS``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.demo.brand import LOGO
from liveblog.domain import contrast
from liveblog.web import create_app
from liveblog.web.brand import DARK_BACKGROUNDS, LIGHT_BACKGROUNDS, brand_of
from liveblog.web.server import uvicorn_config

SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS", "/tmp/shots")) / "brand"
HOST = "127.0.0.1"
SLUG = "sturmflut"
IMPRINT = "https://elbe-kurier.example.org/impressum"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A branded site (its own uvicorn in a thread) with a blog that uses the brand colour:
    a pinned entry, a key event, the live controls."""
    directory = tmp_path_factory.mktemp("brand")
    settings = Settings(
        database_url=f"sqlite:///{directory / 'liveblog.db'}",
        site_name="Elbe-Kurier",
        site_logo=str(LOGO),
        brand_color="#ffff00",
        imprint_url=IMPRINT,
        privacy_url="https://elbe-kurier.example.org/datenschutz",
        contact_url="mailto:live@elbe-kurier.example.org",
    )
    app = create_app(settings)
    actions: Actions = app.state.services.actions
    admin = actions.create_user("brand@example.org", "admin", "correct horse battery")
    actions.create_blog(
        admin,
        slug=SLUG,
        title="Sturmflut an der Nordsee",
        summary="Pegelstände, Deiche und Sperrungen: alles Wichtige im Liveblog.",
    )
    actions.create_entry(admin, SLUG, body="Die Deiche halten.", headline="Lage", pinned=True)
    actions.create_entry(admin, SLUG, body="Fähren fallen aus.", headline="Fähren", key_event=True)
    actions.create_entry(admin, SLUG, body="Der Pegel steigt weiter.")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    port = listener.getsockname()[1]
    uvicorn_server = uvicorn.Server(uvicorn_config(app, log_level="warning", access_log=False))
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [listener]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        app.state.services.db.dispose()


def check(page: Page, name: str, *, header: bool = True) -> None:
    """The brand is there, the logo loaded, nothing scrolls sideways, axe finds nothing
    serious."""
    expect(page.locator(f'.site-footer a[href="{IMPRINT}"]')).to_be_visible()
    expect(page.locator(".site-footer__name")).to_have_text("Elbe-Kurier")
    if header:
        expect(page.locator(".site-header__name")).to_have_text("Elbe-Kurier")
        loaded = page.evaluate(
            "document.querySelector('.site-header__logo').complete"
            " && document.querySelector('.site-header__logo').naturalWidth > 0"
        )
        assert loaded, "the logo did not load"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{name}: {violations}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_branded_pages_pass_axe_in_both_schemes(
    server: str, browser: Browser, scheme: str, width: int
) -> None:
    context = browser.new_context(
        java_script_enabled=True,
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        service_workers="block",
    )
    try:
        page = context.new_page()
        page.goto(f"{server}/live/{SLUG}")
        expect(page.locator(".live")).to_have_attribute("data-live-state", "live", timeout=5000)
        accent = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        )
        backgrounds = LIGHT_BACKGROUNDS if scheme == "light" else DARK_BACKGROUNDS
        assert contrast.worst(accent, backgrounds) >= contrast.AA_TEXT
        check(page, f"blog-{scheme}-{width}")
        page.goto(f"{server}/")
        check(page, f"index-{scheme}-{width}")
        page.goto(f"{server}/live/nothing")
        check(page, f"error-{scheme}-{width}")
        page.goto(f"{server}/admin/login")
        check(page, f"desk-login-{scheme}-{width}", header=False)
    finally:
        context.close()


def test_the_adjusted_colours_are_the_ones_served(server: str, browser: Browser) -> None:
    brand = brand_of(Settings(brand_color="#ffff00", site_logo=str(LOGO), site_name="Elbe-Kurier"))
    context = browser.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(f"{server}/live/{SLUG}")
        kicker = page.locator(".label--key").first
        expect(kicker).to_be_visible()
        accent = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        )
        assert accent == brand.color_light
    finally:
        context.close()
