"""Sharing and search: what a reader page's ``<head>`` tells the sites and apps its link is
shared on, and search engines.

Every blog page and permalink page names:

* its **canonical URL** (``<link rel="canonical">``): the blog's page without view parameters
  for every view and every older page of a blog, the permalink for an entry;
* **Open Graph** tags: ``og:type`` ``article``, ``og:title``, ``og:description``, ``og:url``
  (the canonical URL), ``og:site_name`` (the setting ``site_name``), ``og:locale`` (the blog's
  language with its likeliest territory, ``de_DE``), ``og:image`` when ``site_logo`` is set,
  ``article:published_time`` and ``article:modified_time``;
* **Twitter card** tags: ``twitter:card`` ``summary``, ``twitter:title``,
  ``twitter:description``;
* its structured data (:mod:`.structured_data`).

A blog page's title and description are the page's own (the headline with the newest key
event, the summary). An entry's permalink has its own: the entry's headline, else its first
words, then the blog's title; and the first :data:`DESCRIPTION_CHARS` or so characters of its
text. The ``<title>`` and ``<meta name="description">`` of the page say the same.

Only entries readers see come here (the pages read them through :mod:`liveblog.storage.reads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from babel.core import Locale, get_global
from markupsafe import Markup

from liveblog.domain.models import Blog
from liveblog.domain.public import PublicEntry
from liveblog.domain.serialize import rfc3339
from liveblog.render import plain_text
from liveblog.web.reader import structured_data as ld
from liveblog.web.reader.models import Header
from liveblog.web.reader.structured_data import Site

DESCRIPTION_CHARS = 200
"""An entry's description is its text up to the last word that ends within this many
characters, then "…"."""


@dataclass(frozen=True)
class MetaTag:
    """``<meta property="og:title" content="...">``; Twitter's tags take ``name``."""

    key: str
    content: str

    @property
    def attribute(self) -> str:
        return "name" if self.key.startswith("twitter:") else "property"


@dataclass(frozen=True)
class Sharing:
    """What a page's ``<head>`` says of it beyond its own markup (see the module docstring)."""

    title: str
    description: str
    canonical: str
    tags: tuple[MetaTag, ...]
    structured_data: Markup
    """The text of its ``<script type="application/ld+json">``."""


def blog_sharing(site: Site, blog: Blog, header: Header, updates: Sequence[PublicEntry]) -> Sharing:
    """A blog's pages, every view; ``updates``: the newest visible entries."""
    url = ld.blog_url(site, blog.slug)
    data = ld.live_blog_posting(site, blog, header, updates)
    return _sharing(
        site,
        blog.language,
        header.headline,
        header.description,
        url,
        (blog.created_at, ld.modified(blog, header)),
        ld.script_json(data),
    )


def entry_sharing(site: Site, blog: Blog, header: Header, entry: PublicEntry) -> Sharing:
    """An entry's permalink page."""
    title = ld.entry_title(entry)
    text = plain_text(entry.body_html)
    return _sharing(
        site,
        blog.language,
        f"{title} \u2013 {header.title}" if title else header.headline,
        excerpt(text) or header.description,
        ld.entry_url(site, blog.slug, entry.id),
        (entry.published_at, entry.updated_at),
        ld.script_json(ld.blog_posting(site, blog, header, entry)),
    )


def _sharing(
    site: Site,
    language: str,
    title: str,
    description: str,
    url: str,
    times: tuple[datetime, datetime],
    structured_data: Markup,
) -> Sharing:
    published, modified = times
    tags = [
        ("og:type", "article"),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
        ("og:site_name", site.name),
        ("og:locale", og_locale(language)),
    ]
    if site.logo:
        tags.append(("og:image", site.logo))
    tags += [
        ("article:published_time", rfc3339(published)),
        ("article:modified_time", rfc3339(modified)),
        ("twitter:card", "summary"),
        ("twitter:title", title),
        ("twitter:description", description),
    ]
    return Sharing(
        title=title,
        description=description,
        canonical=url,
        tags=tuple(MetaTag(key, content) for key, content in tags),
        structured_data=structured_data,
    )


def excerpt(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """``text`` (plain, whitespace collapsed) whole if it fits in ``limit`` characters, else
    up to the last word that does, then "…" (a single overlong word is cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return (cut.rstrip(" ,;:.\u2013-") or cut) + " \u2026"


@cache
def og_locale(language: str) -> str:
    """``de`` -> ``de_DE``: Open Graph's ``language_TERRITORY`` with the likeliest territory
    (CLDR's likely subtags)."""
    locale = Locale.parse(language)
    territory = locale.territory
    if territory is None:
        likely = get_global("likely_subtags").get(locale.language)
        territory = Locale.parse(likely).territory if likely else None
    return f"{locale.language}_{territory}" if territory else locale.language
