"""The outputs' routes and page-cache keys.

``GET /live/{slug}/feed.atom``, ``feed.rss`` and ``feed.json`` (each also with
``?key_events=1``), ``GET /sitemap.xml``, ``/sitemap-news.xml`` and ``/robots.txt``; ``HEAD``
too. Answers come from the page cache (:mod:`liveblog.web.page_cache`) as reader pages do.

Query: feeds read ``key_events`` as reader pages do (``1``/``true``/``yes``/``on``, or
``0``/``false``/``no``/``off``/empty); another value is a 400 problem naming the parameter. Other
parameters are ignored, as reader pages ignore them (feed readers add tracking parameters).
An unknown blog is a 404 problem (``application/problem+json``).

Absolute URLs in the outputs come from ``LIVEBLOG_PUBLIC_URL``. When it is set, the cache keys
are the same for every request and :func:`output_keys` lets the fast path
(:class:`~liveblog.web.reader.fast_path.ReaderFastPath`) answer fresh feeds, sitemaps and
``robots.txt`` before the application is entered, as it answers reader pages. Without it, the
URLs come from each request (its ``Host``), so the site's name in them is part of the key (a
request can never be given a document naming another host) and only the routes answer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from liveblog.config import Settings
from liveblog.domain.errors import FieldError
from liveblog.domain.rules import SLUG_PATTERN
from liveblog.storage import blogs as blog_rows
from liveblog.web.outputs import atom, json_feed, rss, sitemaps
from liveblog.web.outputs.feeds import Feed, FeedFormat, read_feed
from liveblog.web.page_cache import SITE, CachedPage, Key, closed_cache_control
from liveblog.web.problems import problem
from liveblog.web.reader.fast_path import KeyFunction
from liveblog.web.reader.models import Rendered
from liveblog.web.reader.views import BadView, parse_view
from liveblog.web.services import services_of
from liveblog.web.urls import base_url

router = APIRouter(include_in_schema=False)

WRITERS: dict[FeedFormat, Callable[[Feed], str]] = {
    FeedFormat.ATOM: atom.render,
    FeedFormat.RSS: rss.render,
    FeedFormat.JSON: json_feed.render,
}
FEED_PATHS = {f"/live/{{slug}}/feed.{format_.value}": format_ for format_ in FeedFormat}
SITE_PATHS = (sitemaps.SITEMAP_PATH, sitemaps.NEWS_SITEMAP_PATH, sitemaps.ROBOTS_PATH)
OUTPUT_PATHS = (*FEED_PATHS, *SITE_PATHS)
"""Every route of the outputs (the role matrix has a row for each)."""

_FEED_URL = re.compile(r"^/live/([^/]+)/feed\.(atom|rss|json)$")
_CANONICAL_QUERIES = {b"": False, b"key_events=1": True}


# -- keys ----------------------------------------------------------------------------------------


def feed_key(slug: str, format_: FeedFormat, key_events: bool, base: str | None) -> Key:
    """``base``: ``None`` when ``LIVEBLOG_PUBLIC_URL`` names the site, else the request's."""
    return (slug, f"feed|{format_.value}|{int(key_events)}" + (f"|{base}" if base else ""))


def site_key(name: str, base: str | None) -> Key:
    return (SITE, name + (f"|{base}" if base else ""))


def news_key(hour: int, base: str | None) -> Key:
    return site_key(f"sitemap-news|{hour}", base)


def output_keys(settings: Settings, clock: Callable[[], datetime]) -> KeyFunction:
    """The fast path's key function of the outputs: the cache key of a feed (without a query,
    or with exactly ``key_events=1``), a sitemap or ``robots.txt``; ``None`` for anything
    else, and for everything while ``LIVEBLOG_PUBLIC_URL`` is unset (see the module docstring).
    ``clock``: the application's (the news sitemap's key has the hour)."""

    def key_for(path: str, query_string: bytes) -> Key | None:
        if not settings.public_url:
            return None
        if path == sitemaps.SITEMAP_PATH:
            return site_key("sitemap", None)
        if path == sitemaps.NEWS_SITEMAP_PATH:
            return news_key(sitemaps.news_hour(clock()), None)
        if path == sitemaps.ROBOTS_PATH:
            return site_key("robots", None)
        match = _FEED_URL.match(path)
        key_events = _CANONICAL_QUERIES.get(query_string)
        if match is None or key_events is None or not SLUG_PATTERN.fullmatch(match.group(1)):
            return None
        return feed_key(match.group(1), FeedFormat(match.group(2)), key_events, None)

    return key_for


def _request_base(settings: Settings, request: Request) -> tuple[str, str | None]:
    """The site's URL for absolute links, and the part of the cache key it adds (``None``
    when ``LIVEBLOG_PUBLIC_URL`` is set: then every request has the same)."""
    base = base_url(settings, request)
    return base, None if settings.public_url else base


# -- feeds ---------------------------------------------------------------------------------------


def render_feed(
    conn: Connection,
    *,
    settings: Settings,
    slug: str,
    format_: FeedFormat,
    key_events: bool,
    base: str,
) -> Rendered:
    """The feed as of the snapshot ``conn``, or the 404 problem of an unknown blog."""
    found = read_feed(conn, settings, slug=slug, format_=format_, key_events=key_events, base=base)
    if found is None:
        return _missing(slug)
    feed, version = found
    headers: tuple[tuple[str, str], ...] = ()
    if feed.hub:
        headers = (("Link", f'<{feed.hub}>; rel="hub", <{feed.self_url}>; rel="self"'),)
    blog = blog_rows.by_slug(conn, slug)
    # A closed blog's feeds are cached for long, as its pages are.
    lifetime = closed_cache_control(settings) if blog and not blog.is_open else None
    return Rendered(
        200,
        WRITERS[format_](feed),
        version,
        content_type=format_.content_type,
        headers=headers,
        cache_control=lifetime,
    )


def _missing(slug: str) -> Rendered:
    body = problem(404, f"no blog with the slug {slug!r}", type_="not-found", title="Not Found")
    return Rendered(404, bytes(body.body).decode(), None, content_type=body.media_type or "")


def _feed_route(format_: FeedFormat) -> Callable[[Request], Awaitable[Response]]:
    async def feed(request: Request) -> Response:
        """One of a blog's feeds in ``format_``."""
        services = services_of(request)
        settings = services.settings
        slug: str = request.path_params["slug"]
        if not SLUG_PATTERN.fullmatch(slug):
            return CachedPage.build(_missing(slug), settings).response()
        try:
            view = parse_view({"key_events": request.query_params.get("key_events", "")}, _none)
        except BadView as exc:
            errors = [FieldError("key_events", exc.message)]  # msgids are the English texts
            return problem(
                400, exc.message, type_="bad-request", title="Bad Request", errors=errors
            )
        base, key_base = _request_base(settings, request)
        render = partial(
            render_feed,
            settings=settings,
            slug=slug,
            format_=format_,
            key_events=view.key_events,
            base=base,
        )
        key = feed_key(slug, format_, view.key_events, key_base)
        page = await services.pages.fetch(key, render)
        return page.response(request.headers.get("if-none-match"))

    return feed


def _none() -> bytes:
    """The cursor key of :func:`parse_view`, never asked for: feeds read no cursor."""
    return b""


# -- sitemaps and robots.txt ---------------------------------------------------------------------


async def sitemap(request: Request) -> Response:
    services = services_of(request)
    base, key_base = _request_base(services.settings, request)
    render = partial(sitemaps.sitemap, base=base)
    page = await services.pages.fetch(site_key("sitemap", key_base), render)
    return page.response(request.headers.get("if-none-match"))


async def news_sitemap(request: Request) -> Response:
    services = services_of(request)
    base, key_base = _request_base(services.settings, request)
    hour = sitemaps.news_hour(services.actions.clock())
    render = partial(sitemaps.news_sitemap, settings=services.settings, base=base, hour=hour)
    page = await services.pages.fetch(news_key(hour, key_base), render)
    return page.response(request.headers.get("if-none-match"))


async def robots(request: Request) -> Response:
    services = services_of(request)
    base, key_base = _request_base(services.settings, request)
    render = partial(sitemaps.robots, base=base)
    page = await services.pages.fetch(site_key("robots", key_base), render)
    return page.response(request.headers.get("if-none-match"))


for _path, _format in FEED_PATHS.items():
    router.add_route(_path, _feed_route(_format), methods=["GET"], name=f"feed_{_format.value}")
router.add_route(sitemaps.SITEMAP_PATH, sitemap, methods=["GET"], name="sitemap")
router.add_route(sitemaps.NEWS_SITEMAP_PATH, news_sitemap, methods=["GET"], name="news_sitemap")
router.add_route(sitemaps.ROBOTS_PATH, robots, methods=["GET"], name="robots")
