"""The reader pages' cache keys, and :class:`ReaderFastPath`, which answers fresh page-cache
hits before the application is entered at all.

The contract (the desk adds sessions and CSRF in middleware that a fast-path answer skips):

* The fast path serves only **public** responses: pages that are the same for every reader and
  are rendered from the database alone, never from a request's headers, cookies or session.
  Anything that depends on who asks (a session, a preview, a draft) must not be put in the
  page cache under a key that :data:`KeyFunction` can return, or it would be served here.
* A request's ``Cookie`` header (or any header but ``If-None-Match``, and ``Accept-Encoding``
  for the coding of the same bytes) never changes the answer: a reader with a session cookie
  gets the same public bytes as one without.
* A fast-path answer never carries ``Set-Cookie``: no session is started, refreshed or ended
  here (:class:`~liveblog.web.page_cache.CachedPage` has no cookie to send).

``tests/web/reader/test_fast_path.py`` checks the last two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from liveblog.storage.archive import Position
from liveblog.web.cached_page import request_header
from liveblog.web.page_cache import SITE, CachedPage, Key, PageCache
from liveblog.web.reader.archive import parse_index_query, position_key
from liveblog.web.reader.views import (
    DEFAULT_VIEW,
    BadView,
    View,
    parse_entry_id,
    parse_view,
    valid_slug,
)
from liveblog.web.urls import route_path

_PREFIX = "/live/"
INDEX_KEY: Key = (SITE, "index")
"""The index's first page; its older pages (``?cursor=``) have keys of their own."""


def index_key(after: Position | None) -> Key:
    """The key of the index page that starts after ``after`` (the first page without one)."""
    return INDEX_KEY if after is None else (SITE, f"index|{position_key(after)}")


def blog_key(slug: str, view: View) -> Key:
    return (slug, view.key)


def entry_key(slug: str, entry_id: int | None) -> Key:
    return (slug, f"entry|{entry_id or 0}")


def embed_key(slug: str) -> Key:
    return (slug, "embed")


def key_for(path: str, query_string: bytes, cursor_key: Callable[[], bytes]) -> Key | None:
    """The cache key of a reader page URL, or ``None`` for anything the routes would reject;
    ``cursor_key`` gives the key of signed cursors (called only for a URL with one)."""
    if path == "/":
        if not query_string:
            return INDEX_KEY
        try:
            return index_key(parse_index_query(QueryParams(query_string), cursor_key))
        except BadView:
            return None
    if not path.startswith(_PREFIX):
        return None
    parts = path[len(_PREFIX) :].split("/")
    slug = parts[0]
    if not valid_slug(slug):
        return None
    if len(parts) == 1:
        try:
            view = parse_view(QueryParams(query_string), cursor_key) if query_string else None
        except BadView:
            return None
        return blog_key(slug, view or DEFAULT_VIEW)
    if len(parts) == 3 and parts[1] == "entries":
        return entry_key(slug, parse_entry_id(parts[2]))
    if len(parts) == 2 and parts[1] == "embed":
        return embed_key(slug)  # the embed ignores its query
    return None


FAST_PATH_KEY = "liveblog.fast_path"
"""Where the app publishes its :class:`ReaderFastPath` in the lifespan state, for the protocol
that answers cache hits itself (:class:`liveblog.web.live.protocol.LiveHttpToolsProtocol`)."""

KeyFunction = Callable[[str, bytes], Key | None]
"""``(path, query string)`` -> the page cache key of that URL, or ``None``."""


class ReaderFastPath:
    """Answers fresh page-cache hits before the application is entered at all.

    Only ``GET``/``HEAD`` of URLs one of ``keys`` knows (reader pages by default; the app adds
    the events polling endpoint) whose page :meth:`PageCache.lookup` has ready; the response
    (including 304 for a matching ``If-None-Match``) is byte for byte what the route would send.
    Never touches the database, never renders. The app calls :meth:`answer` first thing in its
    ``__call__`` (see :mod:`liveblog.web.app`), so a hit skips FastAPI's own per-request work,
    error handling and every middleware: see the contract in the module docstring.
    """

    def __init__(self, cache: PageCache, keys: Sequence[KeyFunction]) -> None:
        self.cache = cache
        self.keys = tuple(keys)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the cached page and return ``True``, or return ``False`` having done nothing."""
        if scope["type"] != "http":
            return False
        page = self.page(scope["method"], route_path(scope), scope["query_string"])
        if page is None:
            return False
        await page.response(request_header(scope, b"if-none-match"))(scope, receive, send)
        return True

    def page(self, method: str, path: str, query: bytes) -> CachedPage | None:
        """The fresh cached answer to ``method path?query``, or ``None`` (not a ``GET`` or
        ``HEAD``, not a URL of the cache, or not fresh). Never does I/O."""
        if method not in ("GET", "HEAD"):
            return None
        for key_of in self.keys:
            key = key_of(path, query)
            if key is not None:
                return self.cache.lookup(key)
        return None
