"""A blog's settings page (``/admin/blogs/{slug}/settings``, owners and admins): its title,
teaser, language, time zone and status, the closing note readers see once it is closed,
whether readers see the entries' authors, the sites that may embed it, and the code to paste
into them (:func:`liveblog.web.reader.embed_code.snippet`).

Closing the blog here is the same action as ``PATCH {"status": "closed"}``: live readers get
``blog.closed`` and their streams end. The embed's sites are one origin per line (or separated
by spaces or commas); each is checked (:mod:`liveblog.domain.embedding`) and a bad one is shown
next to the field. A good post redirects (303) to the page with "saved"; a bad one shows the
form again with the input kept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from liveblog.domain.errors import InvalidInput
from liveblog.domain.policy import Permission
from liveblog.web import i18n
from liveblog.web.auth import Session
from liveblog.web.desk.access import DeskSession, checked_form
from liveblog.web.desk.blogs import (
    BLOG_FORM_FIELDS,
    DONE,
    ZONES,
    Place,
    _common,
    _field_errors,
    _language,
    _place,
    _see_other,
)
from liveblog.web.desk.pages import render
from liveblog.web.reader.embed_code import snippet
from liveblog.web.services import ServicesDep
from liveblog.web.urls import base_url

router = APIRouter()
_SEPARATORS = re.compile(r"[\s,]+")


def origins_of(text: str) -> list[str]:
    """The origins typed into the form: one per line, or separated by spaces or commas."""
    return [o for o in _SEPARATORS.split(text) if o]


def _settings_page(
    request: Request,
    session: Session,
    place: Place,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    done: str | None = None,
) -> Response:
    language = _language(session)
    _ = i18n.translator(language)
    blog = place.blog
    current = {
        "title": blog.title,
        "summary": blog.summary,
        "language": blog.language,
        "timezone": blog.timezone,
        "status": blog.status.value,
        "show_authors": blog.show_authors,
        "closing_note": blog.closing_note or "",
        "embed_origins": "\n".join(blog.embed_origins),
    }
    base = base_url(request.app.state.services.settings, request)
    return render(
        "settings.html",
        language=language,
        title=_("Settings") + " · " + blog.title,
        session=session,
        status=status,
        **_common(
            session,
            place,
            values={**current, **(values or {})},
            errors=errors or {},
            zones=ZONES,
            done=_(DONE[done]) if done in DONE else None,
            embed_code=snippet(base, blog.slug, blog.title),
            embed_url=f"{base}/live/{blog.slug}/embed",
        ),
    )


@router.get("/blogs/{slug}/settings", response_class=HTMLResponse)
async def blog_settings(
    slug: str,
    request: Request,
    session: DeskSession,
    services: ServicesDep,
    done: str | None = None,
) -> Response:
    place = await run_in_threadpool(_place, services, session.user, slug, Permission.EDIT_BLOG)
    return _settings_page(request, session, place, done=done)


@router.post("/blogs/{slug}/settings", response_class=HTMLResponse)
async def save_settings(
    slug: str, request: Request, session: DeskSession, services: ServicesDep
) -> Response:
    form = await checked_form(request, session)
    place = await run_in_threadpool(_place, services, session.user, slug, Permission.EDIT_BLOG)
    values: dict[str, Any] = {k: form.get(k, "") for k in BLOG_FORM_FIELDS if k != "slug"}
    values["show_authors"] = form.get("show_authors") == "on"  # a checkbox: absent when off
    changes = dict(values)
    if "closing_note" in form:
        values["closing_note"] = changes["closing_note"] = form["closing_note"]
    if "embed_origins" in form:
        values["embed_origins"] = form["embed_origins"]
        changes["embed_origins"] = origins_of(form["embed_origins"])
    try:
        await run_in_threadpool(services.actions.update_blog, session.user, slug, changes)
    except InvalidInput as exc:
        errors = _field_errors(exc, _language(session))
        return _settings_page(request, session, place, values, errors, status=422)
    return _see_other(f"/admin/blogs/{quote(slug)}/settings?done=saved")
