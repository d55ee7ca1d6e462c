"""Reader pages: ``/`` (every blog, the running ones first), ``/live/{slug}`` and
``/live/{slug}/entries/{id}``.

Server-rendered HTML, complete without JavaScript; what each view shows is described in
:mod:`.views`, how pages are cached in :mod:`liveblog.web.page_cache`.

The handlers are plain Starlette routes and ``async``: a cached page is served on the event loop
without a threadpool hop, dependency resolution or header encoding, because this is the hottest
path of the application. Only rendering and revalidation (database I/O) go to a worker thread.
:class:`~.fast_path.ReaderFastPath` goes one step further and answers fresh cache hits before
FastAPI's routing runs; everything else (misses, errors, other paths) comes here, and the
routes compute the same cache keys.

Status codes: 400 for a query value the page cannot mean (bad ``order``, ``key_events`` or
``cursor``), 404 for an unknown blog or an entry that is not in this blog, 410 for a deleted
entry. Error pages are HTML in the blog's language (the site's default when there is no blog).
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from liveblog.config import Settings
from liveblog.storage import blogs as blog_rows
from liveblog.storage.archive import Position
from liveblog.web.page_cache import CachedPage
from liveblog.web.reader import pages
from liveblog.web.reader.archive import parse_index_query
from liveblog.web.reader.fast_path import blog_key, entry_key, index_key
from liveblog.web.reader.models import Rendered
from liveblog.web.reader.views import DEFAULT_VIEW, BadView, parse_entry_id, parse_view, valid_slug
from liveblog.web.services import Services, services_of

router = APIRouter(include_in_schema=False)


def _error(services: Services, status: int, message: str) -> Response:
    settings = services.settings
    html = pages.error_page(settings.default_language, status, message, settings=settings)
    return CachedPage.build(Rendered(status, html, None), services.settings).response()


async def blog_page(request: Request) -> Response:
    """A blog's live page; cached pages are served without touching the database."""
    services = services_of(request)
    slug: str = request.path_params["slug"]
    if not valid_slug(slug):
        return _error(services, 404, pages.BLOG_MISSING)
    if request.scope["query_string"]:
        try:
            view = parse_view(request.query_params, lambda: services.cursor_key)
        except BadView as exc:
            return _error(services, 400, exc.message)
    else:
        view = DEFAULT_VIEW
    render = partial(
        pages.blog_page,
        settings=services.settings,
        slug=slug,
        view=view,
        cursor_key=services.cursor_key,
    )
    page = await services.pages.fetch(blog_key(slug, view), render)
    return page.response(request.headers.get("if-none-match"))


async def entry_page(request: Request) -> Response:
    """One entry's permalink page (blog header, the entry, a link back to the blog page that
    shows it, :mod:`.permalink`)."""
    services = services_of(request)
    slug: str = request.path_params["slug"]
    entry_id = parse_entry_id(request.path_params["entry_id"])
    if not valid_slug(slug):
        return _error(services, 404, pages.BLOG_MISSING)
    # Every id gets its own key, also ids that do not exist: their 404 is cached per version
    # like any page, within the LRU bound.
    render = partial(
        pages.entry_page,
        settings=services.settings,
        slug=slug,
        entry_id=entry_id,
        cursor_key=services.cursor_key,
    )
    page = await services.pages.fetch(entry_key(slug, entry_id), render)
    return page.response(request.headers.get("if-none-match"))


def render_index(
    conn: Connection, *, settings: Settings, after: Position | None = None, cursor_key: bytes
) -> Rendered:
    """The index page after ``after`` as of the snapshot ``conn``, stamped with the site's
    version."""
    html = pages.index_page(conn, settings, after, cursor_key)
    return Rendered(200, html, blog_rows.site_version(conn))


async def index_page(request: Request) -> Response:
    """Every blog, a page at a time, cached like blog pages: any local commit makes each page
    stale at once, another process's within ``page_revalidate_seconds`` (one query for the
    site's version). A ``cursor`` this server did not give out is a 400 page."""
    services = services_of(request)
    after = None
    if request.scope["query_string"]:
        try:
            after = parse_index_query(request.query_params, lambda: services.cursor_key)
        except BadView as exc:
            return _error(services, 400, exc.message)
    render = partial(
        render_index, settings=services.settings, after=after, cursor_key=services.cursor_key
    )
    page = await services.pages.fetch(index_key(after), render)
    return page.response(request.headers.get("if-none-match"))


router.add_route("/", index_page, methods=["GET"], name="reader_index", include_in_schema=False)
router.add_route(
    "/live/{slug}", blog_page, methods=["GET"], name="reader_blog", include_in_schema=False
)
router.add_route(
    "/live/{slug}/entries/{entry_id}",
    entry_page,
    methods=["GET"],
    name="reader_entry",
    include_in_schema=False,
)
