"""The entries API's reads from the page cache, read-your-writes on every process.

``GET /api/v1/blogs/{slug}/entries`` (every page, order, filter and size) and
``GET /api/v1/blogs/{slug}/entries/{id}`` are kept in the per-process page cache
(:mod:`liveblog.web.page_cache`) as bytes with their headers, under the blog version they show.
Each request first reads the blog's version from the database
(:class:`~liveblog.web.version_checks.VersionChecks`: one query by a unique index, begun after
the request arrived and shared by the requests that wait for it) and is served the kept answer
if that shows the version or a newer one; otherwise the answer is rendered anew, once for all
requests that wait for it. A client whose write was acknowledged, by this process or any other,
reads it on its next request; nothing waits for a time window or a broker.

What is kept is public: :mod:`liveblog.storage.reads` (the reader's side) renders it, never
anything of who asks; entries carry their ``authors`` only while the blog's ``show_authors`` is
on (toggling it is a blog event: a new version). Unknown blogs are never kept (an attacker's
made-up slugs take no memory).

:class:`CachedEntryReads` answers canonical requests before the application is entered (the
app calls :meth:`~CachedEntryReads.answer` after the reader fast path); anything else, and
every answer that is not 200 or 304, is left to the routes in :mod:`.entries`, which use the
same cache through :func:`list_page` and :func:`entry_page`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from liveblog.domain.errors import Gone, NotFound
from liveblog.domain.pagination import BadCursor, Cursor, Order
from liveblog.domain.rules import MAX_ID, SLUG_PATTERN
from liveblog.domain.serialize import entry_payload
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.web.cached_page import request_header
from liveblog.web.page_cache import CachedPage, Key, PageCache
from liveblog.web.services import Services
from liveblog.web.urls import route_path

_PATH = re.compile(r"^/api/v1/blogs/([^/]+)/entries(?:/([1-9][0-9]{0,18}))?$")
_LIMIT = re.compile(r"^[1-9][0-9]{0,8}$")
_CURSOR = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_BOOLS = {"true": True, "false": False}


def _json(payload: dict[str, Any]) -> bytes:
    """Byte for byte what Starlette's ``JSONResponse`` renders."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


# -- keys and renderers ----------------------------------------------------------------------------


def list_key(slug: str, order: Order, key_events: bool, size: int, after: Cursor | None) -> Key:
    position = after.position if after is not None else ""
    return (slug, f"api|entries|{order.value}|{int(key_events)}|{size}|{position}")


def entry_key(slug: str, entry_id: int) -> Key:
    return (slug, f"api|entry|{entry_id}")


Render = Callable[[Connection], CachedPage]


def list_read(
    slug: str,
    order: Order,
    key_events: bool,
    size: int,
    after: Cursor | None,
    cursor_key: bytes,
) -> tuple[Key, Render]:
    """A list's cache key and how to render it."""
    render = partial(
        render_list,
        slug=slug,
        order=order,
        key_events=key_events,
        size=size,
        after=after,
        cursor_key=cursor_key,
    )
    return list_key(slug, order, key_events, size, after), render


def entry_read(slug: str, entry_id: int) -> tuple[Key, Render]:
    """An entry's cache key and how to render it."""
    return entry_key(slug, entry_id), partial(render_entry, slug=slug, entry_id=entry_id)


def render_list(
    conn: Connection,
    *,
    slug: str,
    order: Order,
    key_events: bool,
    size: int,
    after: Cursor | None,
    cursor_key: bytes,
) -> CachedPage:
    """One page of the timeline as of the snapshot ``conn``; 404 (not kept) without the blog."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        return CachedPage.json(404, b"", None)
    page = reads.timeline(
        conn, blog.id, limit=size, order=order, after=after, key_events_only=key_events
    )
    body = {
        "items": [entry_payload(e, authors=blog.show_authors) for e in page.items],
        "next_cursor": page.next_cursor.encode(cursor_key) if page.next_cursor else None,
    }
    return CachedPage.json(200, _json(body), blog.last_seq)


def render_entry(conn: Connection, *, slug: str, entry_id: int) -> CachedPage:
    """The entry with its version tag as ETag; 404 or 410 (a tombstone) kept as a bare status
    for the route to answer with its problem."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        return CachedPage.json(404, b"", None)
    entry = reads.entry(conn, blog.id, entry_id)
    if entry is None:
        return CachedPage.json(404, b"", blog.last_seq)
    if entry.deleted:
        return CachedPage.json(410, b"", blog.last_seq)
    tag = f'"{entry.id}-{entry.version}"'
    body = _json(entry_payload(entry, authors=blog.show_authors))
    return CachedPage.json(200, body, blog.last_seq, etag=tag, cache_control="no-cache")


async def cached(
    pages: PageCache, key: Key, render: Callable[[Connection], CachedPage]
) -> CachedPage | None:
    """The answer for ``key`` showing at least the blog's version as of now; ``None`` when
    the blog does not exist."""
    version = await pages.versions.version(key[0])
    if version is None:
        return None
    page = pages.at(key, version)
    if page is None:
        page = await run_in_threadpool(pages.get_at, key, version, render)
    return page


# -- for the routes --------------------------------------------------------------------------------


async def list_page(
    services: Services,
    slug: str,
    *,
    order: Order,
    key_events: bool,
    size: int,
    after: Cursor | None,
) -> CachedPage:
    """The list's answer (200); :class:`NotFound` without the blog."""
    read = list_read(slug, order, key_events, size, after, services.cursor_key)
    page = await cached(services.pages, *read)
    if page is None or page.status == 404:
        raise NotFound(f"no blog with the slug {slug!r}")
    return page


async def entry_page(services: Services, slug: str, entry_id: int) -> CachedPage:
    """The entry's answer (200); :class:`NotFound` or :class:`Gone` as the route answers."""
    page = await cached(services.pages, *entry_read(slug, entry_id))
    if page is None or page.status == 404:
        raise NotFound(f"no entry {entry_id} in the blog {slug!r}")
    if page.status == 410:
        raise Gone(f"entry {entry_id} was deleted")
    return page


# -- before the application ------------------------------------------------------------------------


class CachedEntryReads:
    """Answers ``GET``/``HEAD`` of the entries API in canonical form (no parameters but
    ``limit``, ``cursor``, ``order`` and ``key_events``, each at most once, with plain valid
    values) before the application is entered, with the bytes and headers the route would send
    (200, or 304 for a matching ``If-None-Match``). Anything else, every 404/410/422 and any
    error on the way (the database down) is left to the application: :meth:`answer` returns
    ``False`` having sent nothing."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        match = _PATH.match(route_path(scope))
        if match is None or not SLUG_PATTERN.fullmatch(match.group(1)):
            return False
        slug, entry_text = match.groups()
        if entry_text is None:
            key_render = self._list(slug, scope["query_string"])
        elif not scope["query_string"] and int(entry_text) <= MAX_ID:
            key_render = entry_read(slug, int(entry_text))
        else:
            key_render = None
        if key_render is None:
            return False
        try:
            page = await cached(self.services.pages, *key_render)
        except Exception:  # the application answers it, with its problem
            return False
        if page is None or page.status != 200:
            return False
        await page.response(request_header(scope, b"if-none-match"))(scope, receive, send)
        return True

    def _list(self, slug: str, query_string: bytes) -> tuple[Key, Render] | None:
        settings = self.services.settings
        order, key_events, size, after = Order.NEWEST, False, settings.page_size, None
        seen: set[str] = set()
        for part in query_string.decode("latin-1").split("&") if query_string else ():
            name, _, value = part.partition("=")
            if name in seen:
                return None
            seen.add(name)
            if name == "limit" and _LIMIT.match(value) and int(value) <= settings.max_page_size:
                size = int(value)
            elif name == "order" and value in ("newest", "oldest"):
                order = Order(value)
            elif name == "key_events" and value in _BOOLS:
                key_events = _BOOLS[value]
            elif name == "cursor" and _CURSOR.match(value):
                try:
                    after = Cursor.decode(value, self.services.cursor_key)
                except BadCursor:
                    return None
            else:
                return None
        return list_read(slug, order, key_events, size, after, self.services.cursor_key)
