"""The blog administration pages in Chromium: your blogs, a new blog, settings, members and
the audit log, each at a phone's 390 px and a desktop's 1280 px, without horizontal scrolling
and without serious or critical axe-core violations; a form round trip through the browser."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from liveblog.domain.models import User
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.desk_session import log_in_context

PASSWORD = "correct horse battery"
WIDTHS = (390, 1280)
SHOTS = (
    Path(os.environ.get("LIVEBLOG_SCREENSHOTS", ""))
    if os.environ.get("LIVEBLOG_SCREENSHOTS")
    else None
)


def _owner(live_server: LiveServer, language: str = "en") -> tuple[User, str]:
    """A new user who owns a new blog with a few members and entries; the blog's slug."""
    actions = live_server.actions
    tag = uuid.uuid4().hex[:8]
    slug = f"admin-{tag}"
    owner = actions.create_user(
        f"owner-{tag}@example.org", "user", PASSWORD, display_name="Olga Owner", language=language
    )
    actions.create_blog(
        live_server.admin, slug=slug, title="Sturmflut an der Küste", summary="Das Wasser steigt."
    )
    actions.add_member(live_server.admin, slug, owner.email, "owner")
    for kind in ("editor", "contributor"):
        user = actions.create_user(
            f"{kind}-{tag}@example.org",
            "user",
            PASSWORD,
            display_name=f"A {kind} with a rather long name",
        )
        actions.add_member(owner, slug, user.email, kind)
    actions.remove_member(live_server.admin, slug, live_server.admin.id)
    for n in range(3):
        actions.create_entry(
            owner, slug, body=f"Pegel in Hamburg: {n} Meter über Normal.", headline=f"Lage {n}"
        )
    return owner, slug


def _check(page: Page, name: str, width: int) -> None:
    """No horizontal scrolling, no serious or critical axe violation; a screenshot."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{name} at {width}px: {violations}"
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_owner_pages_at_each_width(
    live_server: LiveServer, open_context: OpenContext, width: int
) -> None:
    owner, slug = _owner(live_server, language="de" if width == 390 else "en")
    recording = open_context(javascript=True, width=width, height=900)
    log_in_context(recording.context, live_server, owner.email, PASSWORD)
    page = recording.context.new_page()
    for name, path in (
        ("index", "/admin"),
        ("settings", f"/admin/blogs/{slug}/settings"),
        ("members", f"/admin/blogs/{slug}/members"),
        ("log", f"/admin/blogs/{slug}/log"),
    ):
        reply = page.goto(live_server.url(path))
        assert reply is not None
        assert reply.status == 200, path
        _check(page, name, width)
    assert not recording.blocked


@pytest.mark.parametrize("width", WIDTHS)
def test_new_blog_page_and_its_errors(
    live_server: LiveServer, open_context: OpenContext, width: int
) -> None:
    recording = open_context(javascript=True, width=width, height=900)
    log_in_context(recording.context, live_server, live_server.admin.email, PASSWORD)
    page = recording.context.new_page()
    page.goto(live_server.url("/admin/blogs/new"))
    _check(page, "new", width)
    page.fill("#slug", "Not A Slug")
    page.click(".admin-form button[type=submit]")
    expect(page.locator("#slug-error")).to_be_visible()
    expect(page.locator("#slug")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_be_visible()
    _check(page, "new-errors", width)
    slug = f"browser-new-{uuid.uuid4().hex[:8]}"
    page.fill("#slug", slug)
    page.fill("#title", "Wahlabend")
    page.select_option("#timezone", "Europe/Vienna")
    page.click(".admin-form button[type=submit]")
    page.wait_for_url(live_server.url(f"/admin/blogs/{slug}"))


def test_members_round_trip(live_server: LiveServer, open_context: OpenContext) -> None:
    owner, slug = _owner(live_server)
    newcomer = live_server.actions.create_user(f"new-{slug}@example.org", "user", PASSWORD)
    recording = open_context(javascript=True, width=390, height=900)
    log_in_context(recording.context, live_server, owner.email, PASSWORD)
    page = recording.context.new_page()
    page.goto(live_server.url(f"/admin/blogs/{slug}/members"))
    page.fill("#email", "nobody@example.org")
    page.click("text=Add member")
    expect(page.locator("#email-error")).to_contain_text("existing user")
    _check(page, "members-errors", 390)
    page.fill("#email", newcomer.email)
    page.select_option("#role", "contributor")
    page.click("text=Add member")
    expect(page.locator(".admin-done")).to_have_text("The member has been added.")
    expect(page.locator(".member", has_text=newcomer.email)).to_contain_text("Contributor")
    page.locator(f"form[action$='/members/{owner.id}/remove'] button").click()
    expect(page.locator(".admin-problem")).to_contain_text("A blog needs an owner")
    _check(page, "members-conflict", 390)
