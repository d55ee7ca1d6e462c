"""The desk's session cookie: its name, flags and lifetimes.

The cookie holds the session id (see :mod:`liveblog.actions.sessions`); it is ``HttpOnly``,
``SameSite=Lax`` and ``Path=/``. When ``LIVEBLOG_PUBLIC_URL`` is https it is also ``Secure`` and
named with the ``__Host-`` prefix (a subdomain or plain-http page cannot set or shadow it);
without one, on plain http, it has neither, so the demo works on http://127.0.0.1.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import HTTPConnection
from starlette.responses import Response

from liveblog.actions import Lifetimes
from liveblog.config import Settings

BASE_NAME = "liveblog_session"


def is_secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def cookie_name(settings: Settings) -> str:
    return f"__Host-{BASE_NAME}" if is_secure(settings) else BASE_NAME


def lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(hours=settings.session_idle_hours),
        absolute=timedelta(days=settings.session_absolute_days),
    )


def session_id(request: HTTPConnection, settings: Settings) -> str | None:
    value = request.cookies.get(cookie_name(settings))
    return value if value and len(value) <= 128 else None


def set_cookie(response: Response, settings: Settings, value: str) -> None:
    """Send the session cookie; it lasts as long as the session can (the server decides)."""
    response.set_cookie(
        cookie_name(settings),
        value,
        max_age=int(timedelta(days=settings.session_absolute_days).total_seconds()),
        path="/",
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings),
        path="/",
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
    )
