"""Structured data: what search engines read of a reader page, as schema.org JSON-LD in a
``<script type="application/ld+json">`` block of its ``<head>``.

* A blog's pages carry a ``LiveBlogPosting``: the blog's title (``headline``), description,
  ``url`` (the blog's page, the same for every view), ``datePublished`` (the blog's creation,
  also ``coverageStartTime``), ``dateModified`` (the page's dateline: the newest change of an
  entry readers see, not before the creation), ``coverageEndTime`` once the blog is closed,
  ``inLanguage``, the ``publisher`` (an ``Organization`` named by the setting ``site_name``,
  with ``site_logo`` as its ``logo`` when set) and ``liveBlogUpdate``: the newest
  ``ld_updates`` entries, whatever the view, each a ``BlogPosting``.
* An entry's permalink carries the entry's ``BlogPosting`` alone, ``isPartOf`` its blog.

A ``BlogPosting`` has the entry's ``headline`` (else its first words, ``render.entry_title``),
``datePublished``, ``dateModified`` (``updated_at``: any change), ``articleBody`` as plain text
(an entry marked ``unverified`` starts it with the page's label, see :func:`_article_body`),
its source as written as ``creditText`` (without the label pages give a name, see
:mod:`liveblog.domain.sources`), its permalink as ``url`` and, while the blog shows authors
(``show_authors``), each author with a display name as a ``Person``; no names otherwise.

Only entries readers see come here: the callers read them through :mod:`liveblog.storage.reads`
(published, not deleted), and these functions take :class:`PublicEntry` values. Times are
RFC 3339 (ISO 8601 with an explicit offset); URLs are absolute (:class:`Site`).

:func:`script_json` writes the block: no character of it can end the ``<script>`` element or
start a comment or another script in it (``<``, ``>``, ``&`` and U+2028/U+2029 are escaped as
``\\u003c`` etc., which JSON reads back as the same text), whatever an editor typed.

Everything here is a pure function of its arguments: pages stay a function of the blog's rows
(and the settings), as the page cache needs (:mod:`liveblog.web.page_cache`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from liveblog import render
from liveblog.config import Settings
from liveblog.domain.bylines import shown_names
from liveblog.domain.models import Blog
from liveblog.domain.public import PublicEntry
from liveblog.domain.serialize import rfc3339
from liveblog.figures import photo_urls
from liveblog.render import plain_text
from liveblog.web import i18n
from liveblog.web.brand import brand_of
from liveblog.web.reader.models import UNVERIFIED, Header
from liveblog.web.urls import base_url

CONTEXT = "https://schema.org"
"""An entry without a headline is titled with its first words (as in the feeds)."""

_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True)
class Site:
    """The site as pages name it to the outside: its absolute URL, name and logo."""

    base: str
    """Absolute, without a trailing slash: ``LIVEBLOG_PUBLIC_URL``, else the listen address
    (pages are cached for every request, so they never take a request's ``Host``)."""
    name: str
    logo: str
    """The logo's absolute URL; empty when the setting ``site_logo`` is empty."""

    @classmethod
    def of(cls, settings: Settings) -> Site:
        base = base_url(settings, None)
        logo = _absolute(base, brand_of(settings).logo)  # a logo file: its URL with the hash
        return cls(base=base, name=settings.site_name, logo=logo)

    def url(self, path: str) -> str:
        """``path`` (from the site's root) as an absolute URL."""
        return self.base + path


def _absolute(base: str, location: str) -> str:
    """An http(s) URL as it is; anything else as a path under the site."""
    location = location.strip()
    if not location:
        return ""
    parts = urlsplit(location)
    if parts.scheme in ("http", "https") and parts.netloc:
        return location
    return base + "/" + location.lstrip("/")


def blog_url(site: Site, slug: str) -> str:
    return site.url(f"/live/{slug}")


def entry_url(site: Site, slug: str, entry_id: int) -> str:
    return site.url(f"/live/{slug}/entries/{entry_id}")


def entry_title(entry: PublicEntry) -> str:
    """The entry's headline, else its first words (:func:`liveblog.render.entry_title`)."""
    return render.entry_title(entry.headline, entry.body_html)


def coverage_end(blog: Blog) -> datetime | None:
    """When the coverage ended: when the blog was closed (a blog closed before that was
    recorded: its last change); ``None`` while it is open."""
    if blog.is_open:
        return None
    return blog.closed_at or blog.updated_at


def modified(blog: Blog, header: Header) -> datetime:
    """When a blog's page last changed for readers: its dateline (the newest change of an entry
    they see), never before the blog was created (entries may be dated back)."""
    return max(blog.created_at, header.stand_at)


def publisher(site: Site) -> dict[str, Any]:
    organization: dict[str, Any] = {"@type": "Organization", "name": site.name}
    if site.logo:
        organization["logo"] = {"@type": "ImageObject", "url": site.logo}
    return organization


def live_blog_posting(
    site: Site, blog: Blog, header: Header, updates: Sequence[PublicEntry]
) -> dict[str, Any]:
    """The ``LiveBlogPosting`` of a blog's pages; ``updates``: its newest visible entries."""
    url = blog_url(site, blog.slug)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": header.title,
        "description": header.description,
        "datePublished": rfc3339(blog.created_at),
        "dateModified": rfc3339(modified(blog, header)),
        "coverageStartTime": rfc3339(blog.created_at),
    }
    ended = coverage_end(blog)
    if ended is not None:
        data["coverageEndTime"] = rfc3339(ended)
    data["inLanguage"] = blog.language
    data["publisher"] = publisher(site)
    data["liveBlogUpdate"] = [_update(site, blog, entry) for entry in updates]
    return data


def blog_posting(site: Site, blog: Blog, header: Header, entry: PublicEntry) -> dict[str, Any]:
    """The ``BlogPosting`` of an entry's permalink page."""
    url = blog_url(site, blog.slug)
    data = {"@context": CONTEXT, **_update(site, blog, entry)}
    data["inLanguage"] = blog.language
    data["publisher"] = publisher(site)
    data["isPartOf"] = {
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": header.title,
    }
    return data


def _update(site: Site, blog: Blog, entry: PublicEntry) -> dict[str, Any]:
    url = entry_url(site, blog.slug, entry.id)
    data: dict[str, Any] = {
        "@type": "BlogPosting",
        "@id": url,
        "url": url,
        "headline": entry_title(entry),
        "datePublished": rfc3339(entry.published_at),
        "dateModified": rfc3339(entry.updated_at),
        "articleBody": _article_body(blog, entry),
    }
    images = [_absolute(site.base, url) for url in photo_urls(entry.body_html)]
    if images:  # each photo's widest file
        data["image"] = images
    if entry.source:
        data["creditText"] = entry.source
    names = shown_names(entry.authors or ()) if blog.show_authors else []
    if names:
        data["author"] = [{"@type": "Person", "name": name} for name in names]
    return data


def _article_body(blog: Blog, entry: PublicEntry) -> str:
    """The entry's text; one marked ``unverified`` starts with the page's label ("Nicht
    unabhängig überprüfbar."). schema.org has no property that says a claim was not verified:
    ``creativeWorkStatus`` names a work's editorial stage (Draft, Published, Obsolete...), and a
    value other than those would read as "not final" to search engines, not as "not
    verified"; a ``ClaimReview`` is a fact-checker's verdict on a claim, which this is not. So
    the caveat goes where the page has it, in the text, and travels with every snippet or
    summary made of ``articleBody``. The headline stays as the page shows it (structured data
    must match the visible headline)."""
    text = plain_text(entry.body_html)
    if not entry.unverified:
        return text
    label = i18n.translator(blog.language)(UNVERIFIED)
    return f"{label}.\n\n{text}"


def script_json(data: dict[str, Any]) -> Markup:
    """``data`` as the text of a ``<script type="application/ld+json">`` element (see the module
    docstring): one JSON document, nothing in it that HTML would read as markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_SAFE))  # noqa: S704 - no "<", ">" or "&" is left
