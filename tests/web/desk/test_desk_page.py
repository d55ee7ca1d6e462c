"""``/admin/blogs/{slug}``: the desk of one blog, as its members and others get it."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.web.sessions import cookie_name

PASSWORD = "correct horse battery"
DESK = "/admin/blogs/storm"


def _session(app: FastAPI, email: str) -> tuple[TestClient, str]:
    services = app.state.services
    new = services.actions.log_in(email, PASSWORD)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    client.cookies.set(cookie_name(services.settings), new.session_id)
    return client, new.csrf_token


@pytest.fixture
def blog(writer: Actions, admin: User) -> str:
    writer.create_blog(admin, slug="storm", title="Storm surge", language="de")
    writer.create_entry(admin, "storm", body="Water is *rising*.", headline="Dam holds")
    writer.create_entry(admin, "storm", body="Pinned note.", pinned=True)
    for email, role in [("ed@example.org", "editor"), ("co@example.org", "contributor")]:
        writer.create_user(email, "user", PASSWORD, language="en")
        writer.add_member(admin, "storm", email, role)
    writer.create_user("out@example.org", "user", PASSWORD)
    return "storm"


def test_an_editor_gets_compose_preview_tools_and_live_settings(app: FastAPI, blog: str) -> None:
    client, csrf = _session(app, "ed@example.org")
    page = client.get(DESK)
    assert page.status_code == 200, page.text
    html = page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert '<html lang="en">' in html
    assert 'id="compose"' in html
    assert 'id="compose-body"' in html
    assert 'id="desk-entry-tools"' in html
    assert 'id="desk-conflict"' in html
    assert f'data-csrf="{csrf}"' in html
    assert 'data-live-events="/live/storm/events"' in html
    assert 'data-api="/api/v1/blogs/storm"' in html
    assert "<script src=" in html  # the CSP allows no inline script
    assert "<script>" not in html
    assert 'style="' not in html
    # The entries as readers see them: the reader's markup, in the blog's language, pinned first.
    assert 'lang="de"' in html
    first, second = re.findall(r'data-entry-id="(\d+)"', html)
    assert int(first) > int(second)  # the pinned entry (posted last here) is on top
    assert "<em>rising</em>" in html
    assert 'href="/live/storm/entries/' in html
    assert "Angeheftet" in html  # the reader's label, in the blog's language
    assert 'href="/live/storm"' in html
    assert "Keyboard shortcuts" in html
    assert "<kbd>Enter</kbd>" in html


def test_a_contributor_writes_drafts_but_gets_no_buttons_on_entries(
    app: FastAPI, blog: str
) -> None:
    client, _ = _session(app, "co@example.org")
    page = client.get(DESK)
    assert page.status_code == 200
    html = page.text
    assert 'id="compose"' in html  # drafts, submitted for review
    assert 'value="draft" checked' in html
    assert 'value="submitted"' in html
    assert 'value="published"' not in html
    assert 'value="scheduled"' not in html
    assert 'class="desk-queue"' in html
    assert 'data-publisher="false"' in html
    # No tools, no edit form for published entries (only the photo card, for their drafts).
    assert '<template id="desk-entry-tools"' not in html
    assert '<template id="desk-edit-form"' not in html
    assert 'data-writable="false"' in html
    assert "Dam holds" in html


def test_an_editor_publishes_schedules_or_keeps_a_draft(app: FastAPI, blog: str) -> None:
    client, _ = _session(app, "ed@example.org")
    html = client.get(DESK).text
    for status in ("published", "scheduled", "draft"):
        assert f'value="{status}"' in html
    assert 'value="published" checked' in html
    assert 'value="submitted"' not in html
    assert 'data-publisher="true"' in html
    assert 'data-timezone="Europe/Berlin"' in html  # the blog's zone, for the date-time fields


def test_someone_without_a_role_gets_404(app: FastAPI, blog: str) -> None:
    client, _ = _session(app, "out@example.org")
    reply = client.get(DESK)
    assert reply.status_code == 404
    assert "Storm surge" not in reply.text
    assert client.get("/admin/blogs/nope").status_code == 404


def test_an_admin_without_membership_may_write(app: FastAPI, admin: User, blog: str) -> None:
    client, _ = _session(app, admin.email)
    html = client.get(DESK).text
    assert 'id="compose"' in html
    assert "/admin/blogs/storm/settings" in html
    assert "/admin/blogs/storm/log" in html


def test_without_a_session_the_desk_sends_to_the_login(app: FastAPI, blog: str) -> None:
    client = TestClient(app, follow_redirects=False)
    reply = client.get(DESK)
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/admin/login?next=/admin/blogs/storm"


def test_german_user_gets_german_chrome(
    app: FastAPI, writer: Actions, admin: User, blog: str
) -> None:
    writer.create_user("de@example.org", "user", PASSWORD, language="de")
    writer.add_member(admin, "storm", "de@example.org", "editor")
    client, _ = _session(app, "de@example.org")
    html = client.get(DESK).text
    assert '<html lang="de">' in html
    assert "Tastenkürzel" in html
    assert "Neuer Eintrag" in html


def test_a_closed_blog_says_so(app: FastAPI, writer: Actions, admin: User, blog: str) -> None:
    writer.update_blog(admin, "storm", {"status": "closed"})
    client, _ = _session(app, "ed@example.org")
    assert "This blog is closed" in client.get(DESK).text
