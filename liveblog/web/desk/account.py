"""The account page, ``/admin/account``: the user's display name and desk language, their
password, and their API tokens (list, create, revoke). Login and logout are :mod:`.login`.

Every form posts with the session's CSRF token (:func:`~liveblog.web.desk.access.checked_form`)
and answers with a redirect (303) to the page and a ``done`` note, or with the page again and
the errors next to their fields (422). One exception: a new token is shown on the page that
answers its POST (``Cache-Control: no-store``), once, and never put in a URL.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.web.auth import Session
from liveblog.web.desk import login
from liveblog.web.desk.access import DeskSession, checked_form
from liveblog.web.desk.pages import render
from liveblog.web.i18n import N_, translator
from liveblog.web.services import services_of

router = APIRouter()
router.include_router(login.router)

ACCOUNT_PATH = "/admin/account"
DONE = {
    "profile": N_("Your profile was saved."),
    "password": N_("Your password was changed. Your other sessions have ended."),
    "revoked": N_("The API token was revoked. It no longer works anywhere."),
}
FIELD_MESSAGES = {
    "current_password": N_("This is not your current password."),
    "display_name": N_("Use at most 100 characters, on one line."),
    "language": N_("Choose German or English."),
}
TOO_SHORT = N_("Use at least 10 characters.")
TOO_LONG = N_("Use at most 1024 characters.")


def _message(error: FieldError) -> str:
    """The msgid shown for a field error of the actions (their messages are English)."""
    if error.field == "new_password":
        return TOO_SHORT if "at least" in error.message else TOO_LONG
    return FIELD_MESSAGES.get(error.field, error.message)


def _page(
    request: Request,
    session: Session,
    tokens: list[Any],
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    done: str | None = None,
    new_token: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    user = session.user
    language = user.language
    _ = translator(language)
    return render(
        "account.html",
        language=language,
        title=_("Your account"),
        session=session,
        status=status,
        errors={e.field: _(_message(e)) for e in errors or []},
        done=_(DONE[done]) if done in DONE else "",
        new_token=new_token,
        tokens=tokens,
        values={
            "display_name": user.display_name,
            "language": user.language,
            **(values or {}),
        },
    )


async def _tokens(request: Request, session: Session) -> list[Any]:
    return await run_in_threadpool(services_of(request).actions.tokens, session.user)


def _done(what: str) -> Response:
    return RedirectResponse(f"{ACCOUNT_PATH}?done={what}", status_code=303)


@router.get("/account")
async def account(request: Request, session: DeskSession, done: str | None = None) -> Response:
    return _page(request, session, await _tokens(request, session), done=done)


@router.post("/account/profile")
async def update_profile(request: Request, session: DeskSession) -> Response:
    form = await checked_form(request, session)
    values = {
        "display_name": form.get("display_name", ""),
        "language": form.get("language", ""),
    }
    try:
        await run_in_threadpool(
            services_of(request).actions.update_profile,
            session.user,
            display_name=values["display_name"],
            language=values["language"],
        )
    except InvalidInput as exc:
        tokens = await _tokens(request, session)
        return _page(request, session, tokens, status=422, errors=exc.errors, values=values)
    return _done("profile")


@router.post("/account/password")
async def change_password(request: Request, session: DeskSession) -> Response:
    form = await checked_form(request, session)
    try:
        await run_in_threadpool(
            lambda: services_of(request).actions.change_password(
                session.user,
                form.get("current_password", ""),
                form.get("new_password", ""),
                keep_session=session.id_hash,
            )
        )
    except InvalidInput as exc:
        tokens = await _tokens(request, session)
        return _page(request, session, tokens, status=422, errors=exc.errors)
    return _done("password")


@router.post("/account/tokens")
async def create_token(request: Request, session: DeskSession) -> Response:
    await checked_form(request, session)
    actions = services_of(request).actions
    _, token = await run_in_threadpool(actions.create_token, session.user.email)
    return _page(request, session, await _tokens(request, session), new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, session: DeskSession, token_id: int) -> Response:
    await checked_form(request, session)
    await run_in_threadpool(services_of(request).actions.revoke_token, session.user, token_id)
    return _done("revoked")
