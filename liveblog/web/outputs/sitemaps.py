"""What search engines are told: ``/sitemap.xml``, ``/sitemap-news.xml`` and ``/robots.txt``.

* ``/sitemap.xml`` (https://www.sitemaps.org/protocol.html): every blog's page, open and closed,
  with ``<lastmod>`` its last change (``blogs.updated_at``, which every event moves), the most
  recently changed first, at most :data:`MAX_URLS` (the protocol's limit for one file).
* ``/sitemap-news.xml`` (Google News sitemap, namespace
  ``http://www.google.com/schemas/sitemap-news/0.9``): the blogs changed in the last 48 hours,
  each with ``<news:publication>`` (``<news:name>`` the setting ``site_name``, ``<news:language>``
  the blog's language), ``<news:publication_date>`` (when the blog was created) and
  ``<news:title>``; at most :data:`MAX_NEWS_URLS` (Google's limit). The 48 hours are counted to
  the hour (:func:`news_hour`): the hour is part of the page's cache key, so the cached sitemap
  drops an old blog within the hour, and any commit renders it anew.
* ``/robots.txt``: every robot may read everything but the desk (``/admin``) and the API
  (``/api``); it names both sitemaps.

All three are pages of the whole site in the page cache (version: the site's, see
:mod:`liveblog.web.page_cache`) and their URLs are absolute, from ``LIVEBLOG_PUBLIC_URL``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from liveblog.config import Settings
from liveblog.domain.serialize import rfc3339
from liveblog.storage import blogs as blog_rows
from liveblog.web.outputs.xml_text import child, clean, document, root
from liveblog.web.reader.models import Rendered

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_TYPE = "application/xml; charset=utf-8"
MAX_URLS = 50_000
MAX_NEWS_URLS = 1_000
NEWS_WINDOW = timedelta(hours=48)
SITEMAP_PATH = "/sitemap.xml"
NEWS_SITEMAP_PATH = "/sitemap-news.xml"
ROBOTS_PATH = "/robots.txt"
DISALLOWED = ("/admin", "/api")


def news_hour(now: datetime) -> int:
    """The hour (counted from the epoch) a news sitemap asked for at ``now`` shows."""
    return int(now.timestamp() // 3600)


def sitemap(conn: Connection, *, base: str) -> Rendered:
    """``/sitemap.xml`` as of the snapshot ``conn``."""
    version = blog_rows.site_version(conn)
    blogs = sorted(blog_rows.all_blogs(conn), key=lambda b: (b.updated_at, b.id), reverse=True)
    element = root("urlset", {"": SITEMAP})
    for blog in blogs[:MAX_URLS]:
        url = child(element, "url")
        child(url, "loc", f"{base}/live/{blog.slug}")
        child(url, "lastmod", rfc3339(blog.updated_at))
    return Rendered(200, document(element), version, content_type=XML_TYPE)


def news_sitemap(conn: Connection, *, settings: Settings, base: str, hour: int) -> Rendered:
    """``/sitemap-news.xml`` as of the snapshot ``conn``: the blogs changed in the 48 hours
    before the start of ``hour`` (:func:`news_hour`) or since."""
    version = blog_rows.site_version(conn)
    since = datetime.fromtimestamp(hour * 3600, UTC) - NEWS_WINDOW
    blogs = sorted(
        (b for b in blog_rows.all_blogs(conn) if b.updated_at >= since),
        key=lambda b: (b.updated_at, b.id),
        reverse=True,
    )
    element = root("urlset", {"": SITEMAP, "news": NEWS})
    for blog in blogs[:MAX_NEWS_URLS]:
        url = child(element, "url")
        child(url, "loc", f"{base}/live/{blog.slug}")
        child(url, "lastmod", rfc3339(blog.updated_at))
        news = child(url, "news:news")
        publication = child(news, "news:publication")
        child(publication, "news:name", settings.site_name)
        child(publication, "news:language", blog.language)
        child(news, "news:publication_date", rfc3339(blog.created_at))
        child(news, "news:title", blog.title)
    return Rendered(200, document(element), version, content_type=XML_TYPE)


def robots(conn: Connection, *, base: str) -> Rendered:
    """``/robots.txt``; stamped with the site's version only to be cached like the others."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), ""]
    lines += [f"Sitemap: {clean(base)}{path}" for path in (SITEMAP_PATH, NEWS_SITEMAP_PATH)]
    text = "\n".join(lines) + "\n"
    return Rendered(
        200, text, blog_rows.site_version(conn), content_type="text/plain; charset=utf-8"
    )
