"""Who uses the desk: every ``/admin`` page but the login needs a live session.

A request without one is sent to the login page with a return path (:func:`safe_next` keeps
only local paths, so the login can never redirect to another site). Form posts check the
session's CSRF token and the request's origin (:mod:`liveblog.web.csrf`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends
from starlette.requests import Request

from liveblog.domain.errors import DomainError
from liveblog.web import csrf
from liveblog.web.auth import Session, desk_session
from liveblog.web.services import services_of

LOGIN_PATH = "/admin/login"


class LoginRequired(DomainError):
    """No live session: answered with a redirect to the login page (see :func:`install`)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("log in to use the desk")
        self.next_path = next_path


def safe_next(value: str | None, default: str = "/admin") -> str:
    """``value`` if it is a path on this site (``/admin...``), else ``default``: never another
    host (``//evil.example``, ``/\\evil``, ``https://...``), never a control character."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c == "\\" for c in value)
        or len(value) > 2000
    ):
        return default
    return value


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?next={quote(safe_next(next_path), safe='/')}"


async def desk_user(request: Request) -> Session:
    """Dependency of desk pages: the live session, else :class:`LoginRequired`."""
    session = await desk_session(request)
    if session is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return session


DeskSession = Annotated[Session, Depends(desk_user)]


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The posted form's text fields, once it passed the CSRF checks (else 403)."""
    form = await request.form(max_files=0, max_fields=50)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    csrf.check(request, services_of(request).settings, session.csrf_token, fields.get(csrf.FIELD))
    return fields
