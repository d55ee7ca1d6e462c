"""A feed as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), ``application/feed+json``.

The object has ``version``, ``title``, ``home_page_url`` (the blog's page), ``feed_url`` (the
feed's own URL), ``description``, ``language``, ``authors`` (the site's name) and, with a WebSub
hub, ``hubs: [{"type": "WebSub", "url": ...}]``. Each of its ``items`` has ``id`` and ``url``
(the permalink), ``title``, ``content_html``, ``date_published`` (``published_at``),
``date_modified`` (``updated_at``, moved by every change), ``tags`` (``"key-event"`` for key
events, ``"unverified"`` for entries not independently verified) and ``authors`` while the
blog shows bylines. Times are RFC 3339 with their offset.

JSON Feed has no way to say an entry was deleted: it just leaves the feed (the Atom feed has
its tombstone). The texts are the cleaned ones of :class:`~.feeds.Feed`; ``json.dumps`` escapes
what JSON needs escaped.
"""

from __future__ import annotations

import json
from typing import Any

from liveblog.domain.serialize import rfc3339
from liveblog.web.outputs.atom import KEY_EVENT_TERM, UNVERIFIED_TERM
from liveblog.web.outputs.feeds import Feed

VERSION = "https://jsonfeed.org/version/1.1"


def render(feed: Feed) -> str:
    """The JSON Feed document of ``feed``."""
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
    }
    if feed.hub:
        document["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    items = []
    for entry in feed.items:
        item: dict[str, Any] = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
            "date_published": rfc3339(entry.published),
            "date_modified": rfc3339(entry.updated),
        }
        tags = [KEY_EVENT_TERM] if entry.key_event else []
        if entry.unverified:
            tags.append(UNVERIFIED_TERM)
        if tags:
            item["tags"] = tags
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        items.append(item)
    document["items"] = items
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
