"""A feed as Atom (RFC 4287), with deleted entries as tombstones (RFC 6721).

The document::

    <feed xmlns="http://www.w3.org/2005/Atom"
          xmlns:at="http://purl.org/atompub/tombstones/1.0" xml:lang="de">
      <id>, <title>, <subtitle>, <updated>, <author><name>{site name}</name></author>,
      <link rel="alternate" type="text/html">, <link rel="self">, [<link rel="hub">],
      <generator>,
      <entry> ... </entry>                      newest first
      <at:deleted-entry ref="{permalink}" when="{deleted at}"/>   most recently deleted first
    </feed>

Each ``<entry>`` has ``<id>`` (the permalink), ``<title type="text">``, ``<link
rel="alternate">``, ``<published>``, ``<updated>`` (every change moves it), an ``<author>`` per
name of its byline while the blog shows them, ``<category term="key-event">`` for key events,
``<category term="unverified">`` for entries not independently verified, and
``<content type="html">``: the entry's HTML as escaped text (what feed readers expect of
``type="html"``; the HTML can hold anything without ending the element). Times are RFC 3339
with their offset (UTC).
"""

from __future__ import annotations

from liveblog import __version__
from liveblog.domain.serialize import rfc3339
from liveblog.web.outputs.feeds import Feed
from liveblog.web.outputs.xml_text import child, document, root

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
KEY_EVENT_TERM = "key-event"
UNVERIFIED_TERM = "unverified"


def render(feed: Feed) -> str:
    """The Atom document of ``feed``."""
    element = root("feed", {"": ATOM, "at": TOMBSTONES}, xml_lang=feed.language)
    child(element, "id", feed.id)
    child(element, "title", feed.title, type="text")
    child(element, "subtitle", feed.description, type="text")
    child(element, "updated", rfc3339(feed.updated))
    author = child(element, "author")
    child(author, "name", feed.author)
    child(element, "link", rel="alternate", type="text/html", href=feed.home_url)
    child(element, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    if feed.hub:
        child(element, "link", rel="hub", href=feed.hub)
    child(element, "generator", "liveblog", version=__version__)
    for item in feed.items:
        entry = child(element, "entry")
        child(entry, "id", item.id)
        child(entry, "title", item.title, type="text")
        child(entry, "link", rel="alternate", type="text/html", href=item.url)
        child(entry, "published", rfc3339(item.published))
        child(entry, "updated", rfc3339(item.updated))
        for name in item.authors:
            child(child(entry, "author"), "name", name)
        if item.key_event:
            child(entry, "category", term=KEY_EVENT_TERM, label=feed.key_event_label)
        if item.unverified:
            child(entry, "category", term=UNVERIFIED_TERM, label=feed.unverified_label)
        child(entry, "content", item.content_html, type="html")
    for tombstone in feed.tombstones:
        child(element, "at:deleted-entry", ref=tombstone.ref, when=rfc3339(tombstone.when))
    return document(element)
