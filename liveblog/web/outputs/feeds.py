"""A blog's feed: what it holds, whatever the format it is sent in.

Each blog has three feeds, Atom (RFC 4287) ``/live/{slug}/feed.atom``, RSS 2.0
``/live/{slug}/feed.rss`` and JSON Feed 1.1 ``/live/{slug}/feed.json``, each also as
``?key_events=1`` with the key events alone. :func:`read_feed` reads one as a :class:`Feed`;
:mod:`.atom`, :mod:`.rss` and :mod:`.json_feed` write it out.

What a feed holds:

* **Items**: the newest ``feed_size`` entries readers see (through :mod:`liveblog.storage.reads`:
  published, not deleted; drafts, submitted and scheduled entries never), newest first by
  ``published_at``, the pinned one in its place. Each item's id is its permalink
  (``{public url}/live/{slug}/entries/{id}``), which never changes; its ``published`` time is
  ``published_at``, its ``updated`` time ``updated_at``, which moves with every change (an edit,
  a minor one too, pinning). The title is the headline, else the first words of the text; the
  content is the sanitised HTML of the text (the same the page shows) followed by the correction
  note and the source, labelled in the blog's language (an attribution phrase as written, see
  :mod:`liveblog.domain.sources`). Photos served by the site (``/media/…``) get absolute
  addresses, as feed readers show them away from it. The byline names the authors while the
  blog shows them.
  An entry marked ``unverified`` starts its content with the label the page shows ("Nicht
  unabhängig überprüfbar"), and its title too: titles travel alone (feed readers' lists,
  notifications, tickers, social posts made from feeds), and a claim that no one could verify
  must not reach anyone without its caveat. Formats with categories also carry it as one
  (``unverified``).
* **Tombstones**: the ``feed_tombstones`` most recently deleted entries (ids and deletion
  times only, nothing of their text), so a reader that holds one can drop it. Only Atom can say
  so (RFC 6721); RSS and JSON Feed simply stop listing the entry. Every feed of a blog carries
  the same tombstones, the key-events feeds too: an entry may have been a key event when a
  reader fetched it. Their number, not their age, bounds them, so the feed depends on the
  blog's rows alone and is cached like a page.
* **Links**: the blog's page, the feed's own URL (``self``) and, with ``LIVEBLOG_WEBSUB_HUB``,
  the hub (:mod:`.websub`).

The feed's ``updated`` time is the blog's last change (``blogs.updated_at``, which every event
moves), so it moves with every publish, edit and deletion. Every text is cleaned of characters
XML 1.0 does not allow (:func:`.xml_text.clean`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import Connection

from liveblog import render
from liveblog.config import Settings
from liveblog.domain.bylines import shown_names
from liveblog.domain.models import Blog, Entry
from liveblog.domain.sources import source_line
from liveblog.figures import absolute_photos
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.web import i18n
from liveblog.web.outputs.xml_text import clean
from liveblog.web.reader.models import UNVERIFIED

_SPACE = re.compile(r"\s+")


class FeedFormat(StrEnum):
    """A feed's format; its value is the extension of its path (``feed.atom``)."""

    ATOM = "atom"
    RSS = "rss"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]


_CONTENT_TYPES = {
    FeedFormat.ATOM: "application/atom+xml; charset=utf-8",
    FeedFormat.RSS: "application/rss+xml; charset=utf-8",
    FeedFormat.JSON: "application/feed+json",
}


def feed_path(slug: str, format_: FeedFormat, *, key_events: bool = False) -> str:
    """The feed's path and query: ``/live/{slug}/feed.atom`` or ``...?key_events=1``."""
    return f"/live/{slug}/feed.{format_.value}" + ("?key_events=1" if key_events else "")


def feed_urls(base: str, slug: str) -> list[str]:
    """Every feed of a blog, absolute: three formats, each in full and with key events only."""
    return [
        base + feed_path(slug, format_, key_events=key_events)
        for key_events in (False, True)
        for format_ in FeedFormat
    ]


@dataclass(frozen=True)
class Item:
    """One entry of a feed."""

    id: str
    """The entry's permalink, absolute: its stable id."""
    url: str
    title: str
    content_html: str
    published: datetime
    updated: datetime
    key_event: bool
    authors: tuple[str, ...]
    """The byline's names while the blog shows its authors, else empty."""
    unverified: bool = False
    """Not independently verified: the title and the content start with the label."""


@dataclass(frozen=True)
class Tombstone:
    """A deleted entry: its id (its permalink) and when it was deleted."""

    ref: str
    when: datetime


@dataclass(frozen=True)
class Feed:
    """One feed of a blog, its texts cleaned for XML."""

    format: FeedFormat
    id: str
    """The feed's stable id: the URL of the page it follows."""
    title: str
    description: str
    language: str
    home_url: str
    """The page the feed follows: the blog, or its key-events view."""
    self_url: str
    hub: str
    """The WebSub hub's URL; empty without one."""
    updated: datetime
    author: str
    """Who publishes the feed: the site's name."""
    key_event_label: str
    """"Key event" in the blog's language (the category of key events)."""
    unverified_label: str
    """"Not independently verified" in the blog's language (the category of such entries)."""
    items: tuple[Item, ...]
    tombstones: tuple[Tombstone, ...]


def read_feed(
    conn: Connection,
    settings: Settings,
    *,
    slug: str,
    format_: FeedFormat,
    key_events: bool,
    base: str,
) -> tuple[Feed, int] | None:
    """The feed as of the snapshot ``conn`` and the blog version it shows; ``None`` for an
    unknown blog. ``base``: the site's URL that absolute links start with."""
    # The blog row (and its version) first, as reader pages do: the entries read after it are
    # at least as new as the version the feed is cached under.
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        return None
    _ = i18n.translator(blog.language)
    entries = (
        reads.timeline(conn, blog.id, limit=settings.feed_size, key_events_only=key_events).items
        if settings.feed_size > 0
        else []
    )
    items = tuple(_item(entry, blog, base, _) for entry in entries)
    tombstones = tuple(
        Tombstone(_permalink(base, blog.slug, entry_id), when)
        for entry_id, when in reads.deletions(conn, blog.id, limit=settings.feed_tombstones)
    )
    home = base + f"/live/{blog.slug}" + ("?key_events=1" if key_events else "")
    title = f"{blog.title} \u2013 {_('Key events')}" if key_events else blog.title
    updated = max([blog.updated_at, *(item.updated for item in items)])
    feed = Feed(
        format=format_,
        id=clean(home),
        title=clean(title),
        description=clean(_SPACE.sub(" ", blog.summary).strip() or blog.title),
        language=blog.language,
        home_url=clean(home),
        self_url=clean(base + feed_path(blog.slug, format_, key_events=key_events)),
        hub=clean(settings.websub_hub),
        updated=updated,
        author=clean(settings.site_name),
        key_event_label=clean(_("Key event")),
        unverified_label=clean(_(UNVERIFIED)),
        items=items,
        tombstones=tombstones,
    )
    return feed, blog.last_seq


def _permalink(base: str, slug: str, entry_id: int) -> str:
    return clean(f"{base}/live/{slug}/entries/{entry_id}")


def _item(entry: Entry, blog: Blog, base: str, _: Callable[[str], str]) -> Item:
    url = _permalink(base, blog.slug, entry.id)
    authors = tuple(clean(n) for n in shown_names(entry.authors)) if blog.show_authors else ()
    title = clean(entry_title(entry)).strip() or clean(blog.title)
    if entry.unverified:
        title = f"{clean(_(UNVERIFIED))}: {title}"
    return Item(
        id=url,
        url=url,
        title=title,
        content_html=clean(absolute_photos(content_html(entry, _), base)),
        published=entry.published_at,
        updated=entry.updated_at,
        key_event=entry.key_event,
        authors=authors,
        unverified=entry.unverified,
    )


def entry_title(entry: Entry) -> str:
    """The entry's headline, else its first words (:func:`liveblog.render.entry_title`)."""
    return render.entry_title(entry.headline, entry.body_html)


def content_html(entry: Entry, _: Callable[[str], str]) -> str:
    """The entry as HTML for a feed: its sanitised text, then the correction note and the
    source (plain text, escaped), labelled with ``_`` unless it is an attribution phrase
    (:mod:`liveblog.domain.sources`). An unverified entry starts with the page's label."""
    parts = [Markup(entry.body_html)]  # noqa: S704 - sanitised when it was stored
    if entry.unverified:
        parts.insert(
            0, Markup('<p class="unverified"><strong>{}</strong></p>').format(_(UNVERIFIED))
        )
    if entry.correction:
        parts.append(
            Markup("<p><strong>{}</strong>: {}</p>").format(_("Correction"), entry.correction)
        )
    if entry.source:
        parts.append(Markup("<p>{}</p>").format(source_line(entry.source, _("Source"))))
    return str(Markup("\n").join(parts))
