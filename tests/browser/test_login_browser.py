"""The login and account pages in Chromium: log in through the form and land on the page asked
for; both pages at 390 px and 1280 px (screenshots), axe-core finds nothing serious."""

from __future__ import annotations

from pathlib import Path

import pytest

from liveblog.web.desk.login import LOGIN_CSRF_COOKIE
from tests.browser.conftest import LiveServer, OpenContext

PASSWORD = "correct horse battery"
SHOTS = Path(__file__).parent.parent.parent / "build" / "screenshots"


def _serious(page: object) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x)"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_log_in_through_the_form_and_land_on_the_next_page(
    open_context: OpenContext, live_server: LiveServer, width: int, tmp_path: Path
) -> None:
    recording = open_context(javascript=True, width=width, height=900)
    page = recording.context.new_page()
    page.goto(live_server.url("/admin/account"))
    assert "/admin/login?next=/admin/account" in page.url
    assert any(c["name"] == LOGIN_CSRF_COOKIE for c in recording.context.cookies())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"login-{width}.png"), full_page=True)
    assert _serious(page) == []

    page.fill("#login-email", live_server.admin.email)
    page.fill("#login-password", "not the password")
    page.click("button[type=submit]")
    assert page.locator("#login-error").is_visible()
    page.screenshot(path=str(SHOTS / f"login-error-{width}.png"), full_page=True)
    assert _serious(page) == []

    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url("/admin/account"))
    assert page.locator("h1").count() == 1
    session = [c for c in recording.context.cookies() if c["name"] == "liveblog_session"]
    assert session
    assert session[0]["httpOnly"]
    assert session[0]["sameSite"] == "Lax"
    page.click("text=Token erstellen")
    assert page.locator("#new-token").is_visible()
    page.screenshot(path=str(SHOTS / f"account-{width}.png"), full_page=True)
    assert _serious(page) == []
    width_ok = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert width_ok, "the page scrolls sideways"
    assert recording.blocked == []
