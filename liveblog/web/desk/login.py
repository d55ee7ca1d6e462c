"""Logging in and out of the desk.

``GET /admin/login`` shows the form; ``POST /admin/login`` checks it and, on success, issues a
*new* session id (the one the browser had ends: no session fixation) and redirects (303) to the
form's ``next``, which :func:`~liveblog.web.desk.access.safe_next` keeps on this site.

The form has no session to take a CSRF token from, so it carries a token of its own, the
double-submit way: the GET sets a random token in the short-lived cookie ``liveblog_login_csrf``
(HttpOnly, SameSite=Lax; ``__Host-`` and Secure on https) and puts it in a hidden field; the
POST must come from this site's origin and carry both, equal. A wrong password, an unknown
e-mail and a disabled account get one message, status 401, with the form shown again; failed
attempts are throttled (:mod:`liveblog.web.login_throttle`): 429 with ``Retry-After``.
``POST /admin/logout`` ends the session (CSRF-checked) and clears the cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveblog.actions.sessions import LOGIN_FAILED, LoginFailed, NewSession
from liveblog.config import Settings
from liveblog.domain.rules import LANGUAGES
from liveblog.web import csrf, sessions
from liveblog.web.auth import desk_session
from liveblog.web.desk.access import LOGIN_PATH, checked_form, safe_next
from liveblog.web.desk.pages import render
from liveblog.web.i18n import N_, translator
from liveblog.web.problems import problem
from liveblog.web.services import services_of

router = APIRouter()

LOGIN_CSRF_COOKIE = "liveblog_login_csrf"
LOGIN_CSRF_SECONDS = 3600
MAX_FIELD = 1024

FAILED = N_("the e-mail address or the password is wrong, or the account is disabled")
"""The action's one message for every failed login (``LOGIN_FAILED``), for the catalogs."""
assert FAILED == LOGIN_FAILED
EXPIRED = N_("The login form had expired. Please log in again.")
TOO_MANY = N_("Too many failed logins. Try again in {minutes} minutes ({seconds} seconds).")


def login_csrf_cookie(settings: Settings) -> str:
    secure = sessions.is_secure(settings)
    return f"__Host-{LOGIN_CSRF_COOKIE}" if secure else LOGIN_CSRF_COOKIE


def page_language(request: Request, settings: Settings) -> str:
    """The first of the browser's languages (``Accept-Language``) that the desk speaks, else
    ``LIVEBLOG_DEFAULT_LANGUAGE``."""
    for part in request.headers.get("accept-language", "").split(",")[:20]:
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return settings.default_language if settings.default_language in LANGUAGES else "de"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _form_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    settings = services_of(request).settings
    name = login_csrf_cookie(settings)
    token = request.cookies.get(name, "")
    if not 20 <= len(token) <= 100 or status == 403:
        token = secrets.token_urlsafe(32)
    language = page_language(request, settings)
    _ = translator(language)
    response = render(
        "login.html",
        language=language,
        title=_("Log in to the desk"),
        session=None,
        status=status,
        csrf_token=token,
        next_path=next_path,
        email=email,
        error=error,
    )
    response.set_cookie(
        name,
        token,
        max_age=LOGIN_CSRF_SECONDS,
        path="/",
        secure=sessions.is_secure(settings),
        httponly=True,
        samesite="lax",
    )
    response.headers.update(headers or {})
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    """The login form, also to a browser that has a session (it may have been planted: a new
    login replaces it)."""
    return _form_page(request, next_path=safe_next(next))


@router.post("/login")
async def log_in(request: Request) -> Response:
    services = services_of(request)
    settings = services.settings
    csrf.check_origin(request, settings)
    form = await request.form(max_files=0, max_fields=10)
    fields = {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    email = fields.get("email", "").strip()
    next_path = safe_next(fields.get("next"))
    language = page_language(request, settings)
    _ = translator(language)
    expected = request.cookies.get(login_csrf_cookie(settings), "")
    sent = fields.get(csrf.FIELD, "")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        if _wants_json(request):
            return problem(403, _(EXPIRED), type_="forbidden", title="Forbidden")
        return _form_page(request, next_path=next_path, email=email, error=_(EXPIRED), status=403)
    address = request.client.host if request.client else None
    throttle = services.throttle
    refused = await run_in_threadpool(throttle.check, email, address)
    if refused is not None:
        seconds = refused.retry_after
        message = _(TOO_MANY).format(minutes=max(1, -(-seconds // 60)), seconds=seconds)
        headers = {"Retry-After": str(seconds)}
        if _wants_json(request):
            return problem(
                429, message, type_="too-many-logins", headers=headers, retry_after=seconds
            )
        return _form_page(
            request, next_path=next_path, email=email, error=message, status=429, headers=headers
        )
    try:
        new: NewSession = await run_in_threadpool(
            services.actions.log_in,
            email,
            fields.get("password", ""),
            replaces=sessions.session_id(request, settings),
        )
    except LoginFailed:
        await run_in_threadpool(throttle.failed, email, address)
        if _wants_json(request):
            return problem(401, _(FAILED), title="Unauthorized")
        message = _(FAILED)
        return _form_page(
            request,
            next_path=next_path,
            email=email,
            error=f"{message[:1].upper()}{message[1:]}.",
            status=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    sessions.set_cookie(response, settings, new.session_id)
    response.delete_cookie(
        login_csrf_cookie(settings),
        path="/",
        secure=sessions.is_secure(settings),
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/logout")
async def log_out(request: Request) -> Response:
    """End the session (its CSRF token and origin checked) and go to the login page."""
    services = services_of(request)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    session = await desk_session(request)
    if session is not None:
        await checked_form(request, session)
        await run_in_threadpool(services.actions.log_out, session.session_id)
    sessions.clear_cookie(response, services.settings)
    return response
