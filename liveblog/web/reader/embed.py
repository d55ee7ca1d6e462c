"""``GET /live/{slug}/embed``: the blog as a compact page for other sites' ``<iframe>``.

The embed is the blog's default view (the pinned entry on top, the newest entries, the live
toggle) with the same live behaviour as the page (``live.js``, the same templates and macros),
without anything around it: no view links, no pagination, a link to the whole blog at the end.
Links open in a new tab (``<base target="_blank">``), the embed is not for search engines
(``noindex``, its canonical URL is the blog's page), and it needs no cookie.

Framing: the embed is the one page other sites may frame, and only the origins of the blog's
``embed_origins`` (:mod:`liveblog.domain.embedding`): its ``Content-Security-Policy`` has
``frame-ancestors`` with exactly those (``'none'`` without any); every other page keeps
``frame-ancestors 'self'``. ``embed.js`` sends the page's height to the parent only when the
parent's origin is one of them (they are on ``<body data-embed-origins>``), and the parent's
``embed-resizer.js`` sizes the iframe from it (see the comments at the top of both scripts).

Caching: like the blog's pages (:mod:`liveblog.web.page_cache`, and the fast path). The policy
comes from the blog's settings, which are part of its version: a change of ``embed_origins``
writes ``blog.updated``, so the next request renders the embed anew.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from liveblog.config import Settings
from liveblog.domain.embedding import frame_ancestors
from liveblog.domain.public import PublicEntry
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.web import i18n
from liveblog.web.brand import brand_of
from liveblog.web.page_cache import CachedPage
from liveblog.web.reader import pages
from liveblog.web.reader.embed_code import embed_path
from liveblog.web.reader.fast_path import embed_key
from liveblog.web.reader.models import Rendered
from liveblog.web.reader.views import DEFAULT_VIEW, valid_slug
from liveblog.web.security_headers import framed_by
from liveblog.web.services import services_of
from liveblog.web.templating import environment
from liveblog.web.urls import base_url

EMBED_PATH = embed_path("{slug}")


def render_embed(conn: Connection, *, settings: Settings, slug: str) -> Rendered:
    """The embed as of the snapshot ``conn``, or the 404 page of an unknown blog."""
    blog = blog_rows.by_slug(conn, slug) if valid_slug(slug) else None
    if blog is None:
        html = pages.error_page(
            settings.default_language, 404, pages.BLOG_MISSING, settings=settings
        )
        return Rendered(404, html, None)
    _ = i18n.translator(blog.language)
    header = pages.header_for(conn, blog)
    pinned = reads.pinned(conn, blog.id)
    timeline = reads.timeline(conn, blog.id, limit=settings.page_size, exclude_pinned=True)
    items = ([pinned] if pinned else []) + timeline.items
    empty = _("No entries yet.")
    html = (
        environment(blog.language)
        .get_template("embed.html")
        .render(
            language=blog.language,
            page_title=header.headline,
            description=header.description,
            canonical=base_url(settings, None) + header.href,
            brand=brand_of(settings),  # its colour; no header or footer in a frame
            origins=" ".join(blog.embed_origins),
            blog=header,
            live=pages.live_client(blog, DEFAULT_VIEW, timeline.next_cursor),
            entries=[
                pages.entry_view(PublicEntry.of(e, authors=blog.show_authors), blog, header)
                for e in items
            ],
            empty=empty,
        )
    )
    policy = framed_by(frame_ancestors(blog.embed_origins))
    return Rendered(
        200,
        html,
        blog.last_seq,
        cache_control=pages.lifetime(settings, blog),
        headers=(("Content-Security-Policy", policy),),
    )


async def embed_page(request: Request) -> Response:
    """The embed; cached like the blog's pages (and served by the fast path when fresh)."""
    services = services_of(request)
    slug: str = request.path_params["slug"]
    if not valid_slug(slug):
        settings = services.settings
        html = pages.error_page(
            settings.default_language, 404, pages.BLOG_MISSING, settings=settings
        )
        return CachedPage.build(Rendered(404, html, None), services.settings).response()
    render = partial(render_embed, settings=services.settings, slug=slug)
    page = await services.pages.fetch(embed_key(slug), render)
    return page.response(request.headers.get("if-none-match"))


router = APIRouter(include_in_schema=False)
router.add_route(EMBED_PATH, embed_page, methods=["GET"], name="reader_embed")
