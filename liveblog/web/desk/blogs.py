"""The desk's blog administration: the list of your blogs (``/admin``), a new blog, a blog's
members and its audit log (its settings page is :mod:`.blog_settings`).

Every page checks the user's role in the blog with :mod:`liveblog.domain.policy`: a user
without one gets 404 (the blog's private parts do not exist for them), a role too small 403.
Forms carry the session's CSRF token (:func:`~liveblog.web.desk.access.checked_form`); a good
post redirects (303) to a page that says what happened, a bad one shows the form again with
each error next to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import available_timezones

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from liveblog.domain import policy
from liveblog.domain.errors import Conflict, InvalidInput
from liveblog.domain.models import AuditRecord, Blog, BlogRole, User
from liveblog.domain.policy import Permission
from liveblog.domain.rules import LANGUAGES, MAX_ID
from liveblog.domain.serialize import rfc3339
from liveblog.storage import members as member_rows
from liveblog.web import dates, i18n
from liveblog.web.access import blog_for
from liveblog.web.api.log import audit_page
from liveblog.web.auth import Session
from liveblog.web.desk.access import DeskSession, checked_form
from liveblog.web.desk.pages import render
from liveblog.web.i18n import N_
from liveblog.web.services import Services, ServicesDep

router = APIRouter()
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
LOG_PAGE_SIZE = 50
ZONES = sorted(available_timezones() - {"localtime", "Factory"})
BLOG_FORM_FIELDS = ("slug", "title", "summary", "language", "timezone", "status")

ROLE_NAMES = {
    BlogRole.OWNER: N_("Owner"),
    BlogRole.EDITOR: N_("Editor"),
    BlogRole.CONTRIBUTOR: N_("Contributor"),
}
FIELD_HINTS = {
    "slug": N_("Use 1 to 64 lowercase letters a-z, digits and hyphens, not at either end."),
    "title": N_("Enter a title of one line, at most 200 characters."),
    "summary": N_("The teaser may have at most 1,000 characters."),
    "language": N_("Choose German or English."),
    "timezone": N_("Choose a time zone such as Europe/Berlin."),
    "status": N_("Choose open or closed."),
    "email": N_("Enter the e-mail address of an existing user."),
    "role": N_("Choose owner, editor or contributor."),
    "closing_note": N_("The closing note may have at most 1,000 characters."),
    "embed_origins": N_(
        "List sites as https://www.example.org (https or http, host, optional port; no path, "
        "no *), one per line, at most 20."
    ),
}
ACTIONS = {
    "blog.created": N_("created the blog"),
    "blog.updated": N_("changed the blog's settings"),
    "blog.closed": N_("closed the blog"),
    "entry.created": N_("posted an entry"),
    "entry.updated": N_("edited an entry"),
    "entry.deleted": N_("deleted an entry"),
    "entry.pinned": N_("pinned an entry"),
    "entry.unpinned": N_("unpinned an entry"),
    "member.added": N_("added a member"),
    "member.changed": N_("changed a member's role"),
    "member.removed": N_("removed a member"),
    "entry.draft": N_("saved a draft"),
    "entry.submitted": N_("submitted an entry for review"),
    "entry.scheduled": N_("scheduled an entry"),
    "entry.discarded": N_("deleted a draft"),
    "blog.imported": N_("imported the blog"),
    "blog.replaced": N_("replaced the blog by an import"),
    "media.uploaded": N_("uploaded a photo"),
}
DONE = {
    "created": N_("The blog has been created."),
    "saved": N_("The settings have been saved."),
    "added": N_("The member has been added."),
    "changed": N_("The role has been changed."),
    "removed": N_("The member has been removed."),
}
LAST_OWNER = N_("A blog needs an owner: make someone else owner first.")
SLUG_TAKEN = N_("A blog with this address exists already.")


@dataclass(frozen=True)
class Place:
    """A blog as the desk sees it for one user: the blog and the user's role there."""

    blog: Blog
    role: BlogRole | None


def _place(services: Services, user: User, slug: str, permission: Permission) -> Place:
    """The blog, once ``user`` may do ``permission`` there (else 404 or 403)."""
    with services.db.read() as conn:
        return Place(*blog_for(conn, user, slug, permission))


def _language(session: Session) -> str:
    return session.user.language if session.user.language in LANGUAGES else LANGUAGES[0]


def _field_errors(exc: InvalidInput, language: str) -> dict[str, str]:
    """Each bad field's message in the user's language (the domain's text where the desk has
    no hint for the field)."""
    _ = i18n.translator(language)
    return {
        e.field: _(FIELD_HINTS[e.field]) if e.field in FIELD_HINTS else e.message
        for e in exc.errors
    }


def _moment(language: str, timezone: str) -> Callable[[Any], str]:
    def format_(moment: Any) -> str:
        zone = dates.zone_for(moment, timezone)
        return dates.entry_time(moment, language, zone, with_date=True)

    return format_


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _common(session: Session, place: Place | None = None, **context: Any) -> dict[str, Any]:
    user = session.user
    role = place.role if place else None
    return {
        "user": user,
        "blog": place.blog if place else None,
        "can": lambda permission: policy.can(user, Permission[permission], role),
        "role_names": {r.value: n for r, n in ROLE_NAMES.items()},
        "iso": rfc3339,
        **context,
    }


# The list of blogs ------------------------------------------------------------------------


async def blog_list(session: DeskSession, services: ServicesDep) -> Response:
    user = session.user

    def read() -> list[tuple[Blog, BlogRole | None]]:
        with services.db.read() as conn:
            return member_rows.blogs_of(conn, user.id, every_blog=user.is_admin)

    language = _language(session)
    _ = i18n.translator(language)
    rows = [
        {
            "blog": blog,
            "role": role,
            "updated": _moment(language, blog.timezone)(blog.updated_at),
            "links": [
                (label, f"/admin/blogs/{blog.slug}{suffix}")
                for permission, label, suffix in (
                    (Permission.VIEW_DESK, _("Desk"), ""),
                    (Permission.EDIT_BLOG, _("Settings"), "/settings"),
                    (Permission.VIEW_MEMBERS, _("Members"), "/members"),
                    (Permission.VIEW_LOG, _("Log"), "/log"),
                )
                if policy.can(user, permission, role)
            ],
        }
        for blog, role in await run_in_threadpool(read)
    ]
    return render(
        "index.html",
        language=language,
        title=_("Your blogs"),
        session=session,
        **_common(session, rows=rows, may_create=policy.can(user, Permission.CREATE_BLOG)),
    )


# A new blog --------------------------------------------------------------------------------


def _new_blog_page(
    session: Session,
    services: Services,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = _language(session)
    _ = i18n.translator(language)
    defaults = {
        "slug": "",
        "title": "",
        "summary": "",
        "language": services.settings.default_language,
        "timezone": services.settings.default_timezone,
    }
    return render(
        "blog_new.html",
        language=language,
        title=_("New blog"),
        session=session,
        status=status,
        **_common(session, values={**defaults, **(values or {})}, errors=errors or {}, zones=ZONES),
    )


@router.get("/blogs/new", response_class=HTMLResponse)
async def new_blog_form(session: DeskSession, services: ServicesDep) -> Response:
    policy.require_global(session.user, Permission.CREATE_BLOG)
    return _new_blog_page(session, services)


@router.post("/blogs/new", response_class=HTMLResponse)
async def create_blog(request: Request, session: DeskSession, services: ServicesDep) -> Response:
    form = await checked_form(request, session)
    policy.require_global(session.user, Permission.CREATE_BLOG)
    values = {k: form.get(k, "") for k in BLOG_FORM_FIELDS if k != "status"}
    try:
        blog = await run_in_threadpool(
            lambda: services.actions.create_blog(
                session.user,
                slug=values["slug"].strip(),
                title=values["title"],
                summary=values["summary"],
                language=values["language"],
                timezone=values["timezone"],
            )
        )
    except InvalidInput as exc:
        errors = _field_errors(exc, _language(session))
        return _new_blog_page(session, services, values, errors, status=422)
    except Conflict:
        errors = {"slug": i18n.translator(_language(session))(SLUG_TAKEN)}
        return _new_blog_page(session, services, values, errors, status=409)
    return _see_other(f"/admin/blogs/{quote(blog.slug)}")


# A blog's members --------------------------------------------------------------------------


def _members_page(
    session: Session,
    services: Services,
    slug: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
    done: str | None = None,
) -> Response:
    """The members page (blocking: reads the database)."""
    with services.db.read() as conn:  # the role and the members from one snapshot
        place = Place(*blog_for(conn, session.user, slug, Permission.VIEW_MEMBERS))
        members = member_rows.members_of(conn, place.blog.id)
    language = _language(session)
    _ = i18n.translator(language)
    return render(
        "members.html",
        language=language,
        title=_("Members") + " · " + place.blog.title,
        session=session,
        status=status,
        **_common(
            session,
            place,
            members=members,
            since=_moment(language, place.blog.timezone),
            values={"email": "", "role": BlogRole.EDITOR.value, **(values or {})},
            errors=errors or {},
            problem=problem,
            done=_(DONE[done]) if done in DONE else None,
        ),
    )


@router.get("/blogs/{slug}/members", response_class=HTMLResponse)
async def members(
    slug: str, session: DeskSession, services: ServicesDep, done: str | None = None
) -> Response:
    return await run_in_threadpool(lambda: _members_page(session, services, slug, done=done))


async def _change_members(
    request: Request,
    session: Session,
    services: Services,
    slug: str,
    change: Callable[[dict[str, str]], object],
    done: str,
) -> Response:
    """Run ``change`` with the checked form; 303 to the members page, or that page with the
    errors."""
    form = await checked_form(request, session)
    language = _language(session)
    try:
        await run_in_threadpool(change, form)
    except InvalidInput as exc:
        values = {k: form.get(k, "") for k in ("email", "role")}
        errors = _field_errors(exc, language)
        return await run_in_threadpool(
            lambda: _members_page(session, services, slug, values=values, errors=errors, status=422)
        )
    except Conflict:
        problem = i18n.translator(language)(LAST_OWNER)
        return await run_in_threadpool(
            lambda: _members_page(session, services, slug, problem=problem, status=409)
        )
    return _see_other(f"/admin/blogs/{quote(slug)}/members?done={done}")


@router.post("/blogs/{slug}/members", response_class=HTMLResponse)
async def add_member(
    slug: str, request: Request, session: DeskSession, services: ServicesDep
) -> Response:
    def change(form: dict[str, str]) -> object:
        return services.actions.add_member(
            session.user, slug, form.get("email", ""), form.get("role", "")
        )

    return await _change_members(request, session, services, slug, change, "added")


@router.post("/blogs/{slug}/members/{user_id}", response_class=HTMLResponse)
async def change_member(
    slug: str, user_id: UserId, request: Request, session: DeskSession, services: ServicesDep
) -> Response:
    def change(form: dict[str, str]) -> object:
        return services.actions.change_member(session.user, slug, user_id, form.get("role", ""))

    return await _change_members(request, session, services, slug, change, "changed")


@router.post("/blogs/{slug}/members/{user_id}/remove", response_class=HTMLResponse)
async def remove_member(
    slug: str, user_id: UserId, request: Request, session: DeskSession, services: ServicesDep
) -> Response:
    def change(form: dict[str, str]) -> object:
        services.actions.remove_member(session.user, slug, user_id)
        return None

    return await _change_members(request, session, services, slug, change, "removed")


# A blog's audit log ------------------------------------------------------------------------


@router.get("/blogs/{slug}/log", response_class=HTMLResponse)
async def audit_log(
    slug: str,
    session: DeskSession,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await run_in_threadpool(
        lambda: audit_page(services, session.user, slug, limit=LOG_PAGE_SIZE, cursor=cursor)
    )
    place = Place(page.blog, page.role)
    language = _language(session)
    _ = i18n.translator(language)
    return render(
        "log.html",
        language=language,
        title=_("Log") + " · " + page.blog.title,
        session=session,
        **_common(
            session,
            place,
            records=[_log_line(r, _) for r in page.records],
            when=_moment(language, page.blog.timezone),
            older=f"/admin/blogs/{quote(slug)}/log?cursor={quote(page.next_cursor)}"
            if page.next_cursor
            else None,
            first_page=cursor is None,
        ),
    )


def _log_line(record: AuditRecord, _: Callable[[str], str]) -> dict[str, Any]:
    """What the log page shows of one record: when, who, what, and about what."""
    detail = record.detail
    about = detail.get("entry") or detail.get("name") or detail.get("title") or ""
    role = detail.get("role")
    if role in ROLE_NAMES:
        about = f"{about} ({_(ROLE_NAMES[BlogRole(role)])})"
    return {
        "record": record,
        "actor": record.actor_name or _("someone no longer known"),
        "action": _(ACTIONS[record.action]) if record.action in ACTIONS else record.action,
        "about": str(about),
    }
