"""``/admin/blogs/{slug}``: a blog's desk, where its editors post, edit, pin and delete live.

The page is rendered here in the user's language; small scripts bring it to life:
``static/desk.js`` (shared helpers), ``desk-entries.js`` (the live list), ``desk-edit.js``
(editing, conflicts, pin, key event, delete), ``desk-media.js`` (photos: upload by picker, drag
and drop or paste to ``POST .../media``, alt text, credit, caption) and ``desk-compose.js``
(draft, preview, posting).
The site's Content-Security-Policy allows no inline script, so settings and labels are data
attributes. Entries are shown exactly as readers see them, with the reader's own markup
(:func:`liveblog.web.reader.pages.entry_view` and the ``entry_article`` macro), in the blog's
language; the script keeps them current from the blog's public event stream
(``/live/{slug}/events``), whose frames carry the same ``<article>``. ``desk-stream.js`` opens
the desk's own stream (:mod:`liveblog.web.desk.stream`: queue snapshots, and who else has the
desk open and which entry they edit), with the page's random client id.

The script writes through the JSON API only: ``POST .../entries`` with an ``Idempotency-Key``
per composed entry, ``PATCH``/``DELETE`` with ``If-Match``, ``POST .../preview`` for the preview;
with the session cookie, the page's CSRF token (``data-csrf``) and the page's own origin.

Who sees it: members of the blog and admins (:data:`Permission.VIEW_DESK`); anyone else gets
404, as if the blog had no desk. Editors, owners and admins publish, schedule or keep a draft
(:data:`Permission.WRITE_ENTRIES`) and work the queue of unpublished entries
(``desk-queue.js``: publish, schedule, send back with a note, edit, delete). Contributors write
drafts and submit them for review (:data:`Permission.WRITE_DRAFTS`); they see their own drafts in
the queue and get no buttons on published entries.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from liveblog.domain import policy
from liveblog.domain.errors import NotFound
from liveblog.domain.media import MAX_ALT, MAX_CAPTION, MAX_CREDIT
from liveblog.domain.models import Blog, BlogRole, User
from liveblog.domain.pagination import Order
from liveblog.domain.public import PublicEntry
from liveblog.domain.rules import MAX_BODY, MAX_HEADLINE, MAX_SOURCE
from liveblog.domain.serialize import rfc3339
from liveblog.storage import members as member_rows
from liveblog.storage import reads
from liveblog.web import i18n
from liveblog.web.access import blog_for
from liveblog.web.desk.access import DeskSession
from liveblog.web.desk.pages import render
from liveblog.web.desk.stream import stream_url
from liveblog.web.i18n import N_
from liveblog.web.reader.models import EntryView
from liveblog.web.reader.pages import entry_article_html, header_for
from liveblog.web.reader.pages import entry_view as reader_entry_view
from liveblog.web.reader.views import valid_slug
from liveblog.web.services import Services, services_of

router = APIRouter()

_ROLE_NOTES = {
    BlogRole.OWNER: N_("You are an owner of this blog."),
    BlogRole.EDITOR: N_("You are an editor of this blog."),
    BlogRole.CONTRIBUTOR: N_(
        "You are a contributor: write drafts and submit them; an editor publishes them."
    ),
    None: N_("You are an admin: you may do everything here."),
}
_UNVERIFIED = N_("Not independently verified")
"""The readers' label (:mod:`liveblog.web.reader.models`), shown by the preview while ticked."""


@dataclass(frozen=True)
class DeskView:
    """What the desk page shows: read in one snapshot."""

    blog: Blog
    role: BlogRole | None
    entries: list[tuple[EntryView, Markup]]
    """Each entry and its ``<article>``, rendered as the reader page does (blog's language)."""
    floor_time: str
    floor_id: int
    authors: list[tuple[int, str]]
    """Who may be named in a byline: the blog's members (and the user, an admin who is none),
    as (user id, name), by name."""


def _load(services: Services, user: User, slug: str) -> DeskView:
    with services.db.read() as conn:
        # The blog row (its version) first: the entries are then at least as new as the
        # version the event stream resumes from, so no event between render and connect is lost.
        if not valid_slug(slug):
            raise NotFound(f"no blog with the slug {slug!r}")
        blog, role = blog_for(conn, user, slug, policy.Permission.VIEW_DESK)
        header = header_for(conn, blog)
        members = [m.user for m in member_rows.members_of(conn, blog.id)]
        pinned = reads.pinned(conn, blog.id)
        timeline = reads.timeline(
            conn,
            blog.id,
            limit=services.settings.max_page_size,
            order=Order.NEWEST,
            exclude_pinned=True,
        )
    items = ([pinned] if pinned else []) + timeline.items
    views = [reader_entry_view(PublicEntry.of(e), blog, header) for e in items]
    # As readers see them (folded long pinned entry included), as the live frames send them.
    html = [entry_article_html(v, blog.language, fold=True) for v in views]
    articles = [(v, Markup(h)) for v, h in zip(views, html, strict=True)]  # noqa: S704
    floor = timeline.next_cursor
    return DeskView(
        blog=blog,
        role=role,
        entries=articles,
        floor_time=rfc3339(floor.published_at) if floor else "",
        floor_id=floor.id if floor else 0,
        authors=_authors(members, user),
    )


def _authors(members: list[User], user: User) -> list[tuple[int, str]]:
    named = {m.id: m.name for m in members}
    named.setdefault(user.id, user.name)
    return sorted(named.items(), key=lambda item: (item[1].casefold(), item[0]))


@router.get("/blogs/{slug}", response_class=HTMLResponse)
async def desk_page(request: Request, slug: str, session: DeskSession) -> HTMLResponse:
    """The desk of one blog: compose with preview, and the entries, live."""
    services = services_of(request)
    user = session.user
    view = await run_in_threadpool(_load, services, user, slug)
    blog = view.blog
    _ = i18n.translator(user.language)
    writable = policy.can(user, policy.Permission.WRITE_ENTRIES, view.role)
    composer = policy.can(user, policy.Permission.WRITE_DRAFTS, view.role)
    return render(
        "desk.html",
        language=user.language,
        title=_("Desk: %(title)s") % {"title": blog.title},
        session=session,
        blog=blog,
        role_note=_(_ROLE_NOTES[view.role]),
        writable=writable,
        composer=composer,
        authors=view.authors,
        me=user.id,
        timezone=blog.timezone,
        closed=not blog.is_open,
        entries=view.entries,
        links=_links(user, view.role, blog.slug, user.language),
        live={
            "events": f"/live/{blog.slug}/events",
            "version": blog.last_seq,
            "floor_time": view.floor_time,
            "floor_id": view.floor_id,
        },
        api=f"/api/v1/blogs/{blog.slug}",
        # The desk stream (queue, who else is here) and this page's id in it.
        desk_stream={"url": stream_url(blog.slug), "client": secrets.token_urlsafe(18)},
        draft_key=f"liveblog.desk.draft.{blog.slug}",
        limits={
            "headline": MAX_HEADLINE,
            "body": MAX_BODY,
            "source": MAX_SOURCE,
            "alt": MAX_ALT,
            "credit": MAX_CREDIT,
            "caption": MAX_CAPTION,
            "media": services.settings.media_max_bytes,
            "media_mb": _megabytes(services.settings.media_max_bytes),
        },
        # The preview shows the reader's label in the blog's language, as readers will see it.
        unverified_label=i18n.translator(blog.language)(_UNVERIFIED),
    )


def _megabytes(size: int) -> str:
    """A byte limit as whole (or one decimal of) megabytes, for the desk's upload message."""
    mb = size / 1_048_576
    return f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


def _links(user: User, role: BlogRole | None, slug: str, language: str) -> list[tuple[str, str]]:
    """The blog's other pages that this user may open, as (href, text)."""
    _ = i18n.translator(language)
    links = [(f"/live/{slug}", _("Open the live page"))]
    if policy.can(user, policy.Permission.EDIT_BLOG, role):
        links.append((f"/admin/blogs/{slug}/settings", _("Settings of this blog")))
    if policy.can(user, policy.Permission.VIEW_MEMBERS, role):
        links.append((f"/admin/blogs/{slug}/members", _("Members of this blog")))
    if policy.can(user, policy.Permission.VIEW_LOG, role):
        links.append((f"/admin/blogs/{slug}/log", _("Audit log of this blog")))
    return links


__all__ = ["router"]
