"""Reader pages: ``/`` (the open blogs), ``/live/{slug}`` and ``/live/{slug}/entries/{id}``.

Server-rendered HTML, complete without JavaScript; what each view shows is described in
:mod:`liveblog.web.pages`, how pages are cached in :mod:`liveblog.web.page_cache`.

The handlers are plain Starlette routes and ``async``: a cached page is served on the event loop
without a threadpool hop, dependency resolution or header encoding, because this is the hottest
path of the application. Only rendering and revalidation (database I/O) go to a worker thread.

:class:`ReaderFastPath` goes one step further: installed as the outermost ASGI middleware
(``app.add_middleware(ReaderFastPath, cache=pages)``) it answers fresh cache hits before
FastAPI's routing runs, which is most of the cost of a hit. Everything else (misses, errors, other
paths) passes through to the routes below, which compute the same cache keys.

Status codes: 400 for a query value the page cannot mean (bad ``order``, ``key_events`` or
``cursor``), 404 for an unknown blog or an entry that is not in this blog, 410 for a deleted
entry. Error pages are HTML in the blog's language (the site's default when there is no blog).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from liveblog.config import Settings
from liveblog.storage import blogs as blog_rows
from liveblog.web import pages
from liveblog.web.page_cache import SITE, CachedPage, Key, PageCache
from liveblog.web.services import Services, services_of

router = APIRouter(include_in_schema=False)
_PREFIX = "/live/"
INDEX_KEY: Key = (SITE, "index")


def blog_key(slug: str, view: pages.View) -> Key:
    return (slug, view.key)


def entry_key(slug: str, entry_id: int | None) -> Key:
    return (slug, f"entry|{entry_id or 0}")


def key_for(path: str, query_string: bytes) -> Key | None:
    """The cache key of a reader page URL, or ``None`` for anything the routes would reject."""
    if path == "/":
        return INDEX_KEY  # the index ignores its query
    if not path.startswith(_PREFIX):
        return None
    parts = path[len(_PREFIX) :].split("/")
    slug = parts[0]
    if not pages.valid_slug(slug):
        return None
    if len(parts) == 1:
        try:
            view = pages.parse_view(QueryParams(query_string)) if query_string else None
        except pages.BadView:
            return None
        return blog_key(slug, view or pages.DEFAULT_VIEW)
    if len(parts) == 3 and parts[1] == "entries":
        return entry_key(slug, pages.parse_entry_id(parts[2]))
    return None


KeyFunction = Callable[[str, bytes], Key | None]
"""``(path, query string)`` -> the page cache key of that URL, or ``None``."""


class ReaderFastPath:
    """Answers fresh page-cache hits before the application is entered at all.

    Only ``GET``/``HEAD`` of URLs one of ``keys`` knows (reader pages by default; the app adds
    the events polling endpoint) whose page :meth:`PageCache.lookup` has ready; the response
    (including 304 for a matching ``If-None-Match``) is byte for byte what the route would send.
    Never touches the database, never renders. The app calls :meth:`answer` first thing in its
    ``__call__`` (see :mod:`liveblog.web.app`), so a hit skips FastAPI's own per-request work,
    error handling and every middleware.
    """

    def __init__(self, cache: PageCache, keys: Sequence[KeyFunction] = (key_for,)) -> None:
        self.cache = cache
        self.keys = tuple(keys)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the cached page and return ``True``, or return ``False`` having done nothing."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        query: bytes = scope["query_string"]
        for key_of in self.keys:
            key = key_of(path, query)
            if key is not None:
                break
        else:
            return False
        page = self.cache.lookup(key)
        if page is None:
            return False
        await page.response(_if_none_match(scope))(scope, receive, send)
        return True


def _if_none_match(scope: Scope) -> str | None:
    values = [v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"]
    return ", ".join(values) if values else None


def _error(app: Services, status: int, label: str) -> Response:
    html = pages.error_page(app.settings.default_language, status, label)
    return CachedPage.build(pages.Rendered(status, html, None), app.settings).response()


async def blog_page(request: Request) -> Response:
    """A blog's live page; cached pages are served without touching the database."""
    app = services_of(request)
    slug: str = request.path_params["slug"]
    if not pages.valid_slug(slug):
        return _error(app, 404, "blog_missing")
    if request.scope["query_string"]:
        try:
            view = pages.parse_view(request.query_params)
        except pages.BadView as exc:
            return _error(app, 400, exc.label)
    else:
        view = pages.DEFAULT_VIEW
    render = partial(pages.blog_page, settings=app.settings, slug=slug, view=view)
    page = await app.pages.fetch(blog_key(slug, view), render)
    return page.response(request.headers.get("if-none-match"))


async def entry_page(request: Request) -> Response:
    """One entry's permalink page (blog header, the entry, a link back to the blog)."""
    app = services_of(request)
    slug: str = request.path_params["slug"]
    entry_id = pages.parse_entry_id(request.path_params["entry_id"])
    if not pages.valid_slug(slug):
        return _error(app, 404, "blog_missing")
    # Every id gets its own key, also ids that do not exist: their 404 is cached per version
    # like any page, within the LRU bound.
    render = partial(pages.entry_page, settings=app.settings, slug=slug, entry_id=entry_id)
    page = await app.pages.fetch(entry_key(slug, entry_id), render)
    return page.response(request.headers.get("if-none-match"))


def render_index(conn: Connection, *, settings: Settings) -> pages.Rendered:
    """The index as of the snapshot ``conn``, stamped with the site's version."""
    html = pages.index_page(conn, settings)
    return pages.Rendered(200, html, blog_rows.site_version(conn))


async def index_page(request: Request) -> Response:
    """The open blogs, cached like blog pages: any local commit makes the page stale at once,
    another process's within ``page_revalidate_seconds`` (one query for the site's version)."""
    app = services_of(request)
    page = await app.pages.fetch(INDEX_KEY, partial(render_index, settings=app.settings))
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
