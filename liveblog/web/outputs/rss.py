"""A feed as RSS 2.0 (https://www.rssboard.org/rss-specification).

The document::

    <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
      <channel>
        <title>, <link>{the blog's page}</link>, <description>, <language>, <lastBuildDate>,
        <generator>, <atom:link rel="self" type="application/rss+xml">, [<atom:link rel="hub">],
        <item> ... </item>                      newest first
      </channel>
    </rss>

Each ``<item>`` has ``<title>``, ``<link>`` and ``<guid isPermaLink="true">`` (the permalink:
its stable id), ``<pubDate>`` (``published_at``), ``<atom:updated>`` (``updated_at``: RSS has no
element of its own for a change), ``<category>`` for key events and ``<description>``: the
entry's HTML as escaped text. Escaped text rather than a CDATA section, so a body that contains
``]]>`` cannot end it. Dates are RFC 822 (``Thu, 12 Oct 2023 03:15:00 GMT``) as RSS asks for,
the others RFC 3339. RSS cannot announce deletions: a deleted entry just leaves the feed (the
Atom feed has its tombstone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from liveblog import __version__
from liveblog.domain.serialize import rfc3339
from liveblog.web.outputs.atom import ATOM
from liveblog.web.outputs.feeds import Feed
from liveblog.web.outputs.xml_text import child, document, root


def rfc822(moment: datetime) -> str:
    """``Thu, 12 Oct 2023 03:15:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def render(feed: Feed) -> str:
    """The RSS 2.0 document of ``feed``."""
    element = root("rss", {"atom": ATOM}, version="2.0")
    channel = child(element, "channel")
    child(channel, "title", feed.title)
    child(channel, "link", feed.home_url)
    child(channel, "description", feed.description)
    child(channel, "language", feed.language)
    child(channel, "lastBuildDate", rfc822(feed.updated))
    child(channel, "generator", f"liveblog {__version__}")
    child(
        channel,
        "atom:link",
        rel="self",
        type="application/rss+xml",
        href=feed.self_url,
    )
    if feed.hub:
        child(channel, "atom:link", rel="hub", href=feed.hub)
    for entry in feed.items:
        item = child(channel, "item")
        child(item, "title", entry.title)
        child(item, "link", entry.url)
        child(item, "guid", entry.id, isPermaLink="true")
        child(item, "pubDate", rfc822(entry.published))
        child(item, "atom:updated", rfc3339(entry.updated))
        if entry.key_event:
            child(item, "category", feed.key_event_label)
        if entry.unverified:
            child(item, "category", feed.unverified_label)
        child(item, "description", entry.content_html)
    return document(element)
