"""Logging a Playwright browser context in to the desk of the ``live_server`` without the
login form: a session made through the server's own actions, its cookie set on the context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liveblog.web.sessions import cookie_name

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from tests.browser.conftest import LiveServer


def log_in_context(
    context: BrowserContext, live_server: LiveServer, email: str, password: str
) -> str:
    """Give ``context`` a desk session of the user ``email``; its CSRF token."""
    new = live_server.actions.log_in(email, password)
    context.add_cookies(
        [
            {
                "name": cookie_name(live_server.settings),
                "value": new.session_id,
                "url": live_server.base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return new.csrf_token
