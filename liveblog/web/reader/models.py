"""What a reader page shows, as plain values for the templates (and for live updates, which
send the same header and entry ``<article>`` the page has)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from liveblog.domain.public import PublicEntry
from liveblog.domain.sources import is_phrase
from liveblog.figures import eager
from liveblog.web import dates
from liveblog.web.i18n import N_
from liveblog.web.reader.folding import Folded, fold_body
from liveblog.web.reader.typography import typeset_headline

UNVERIFIED = N_("Not independently verified")
"""The label of an entry marked ``unverified``: at the top of its ``<article>``
(``_macros.html``), at the start of its feed title and content and of its structured data's
``articleBody``."""
LIVE_POLL_MS = 10_000
"""How often the live client polls when it cannot use the event stream."""
LIVE_CLOSED_POLL_MS = 300_000
"""How often a closed blog's page asks whether the blog was reopened."""


@dataclass(frozen=True)
class Rendered:
    """A rendered page and the blog version it shows (``None``: no blog, nothing to cache)."""

    status: int
    html: str
    """The body: HTML, or JSON for the events polling endpoint (see ``content_type``)."""
    version: int | None
    content_type: str = "text/html; charset=utf-8"
    cache_control: str | None = None
    """``None``: the reader pages' (``page_max_age`` with stale-while-revalidate)."""
    headers: tuple[tuple[str, str], ...] = ()
    """More headers of a 200 answer (the feeds' WebSub ``Link``, the embed's own
    ``Content-Security-Policy``, which replaces the pages' one)."""


@dataclass(frozen=True)
class Header:
    """The top of every page of a blog: kicker, headline, dateline ("Stand"), teaser."""

    slug: str
    language: str
    title: str
    headline: str
    stand: str
    stand_datetime: str
    stand_at: datetime
    teaser: list[str]
    description: str
    closed: bool

    timezone: str = "Europe/Berlin"
    closing_note: list[str] = field(default_factory=list)
    """The paragraphs of the note shown after "Ended" and the closing time while the blog is
    closed (empty while it is open, or when it has no note)."""
    ended: str = ""
    """When the blog was closed, in its zone and language ("17:10 Uhr", with the date when that
    is not the dateline's day); empty while it is open."""
    ended_datetime: str = ""

    @property
    def display_headline(self) -> str:
        """The headline as the page's ``<h1>`` sets it: no ``++`` alone on a line."""
        return typeset_headline(self.headline)

    @property
    def href(self) -> str:
        return f"/live/{self.slug}"

    @property
    def day(self) -> str:
        """The dateline's local day (ISO); entries of other days show their date."""
        return dates.iso_day(self.stand_at, self.timezone)


@dataclass(frozen=True)
class EntryView:
    """An entry as a reader page shows it: its public fields (:class:`PublicEntry`, the same
    the API and events carry) and what the page adds (anchor, permalink, local times)."""

    entry: PublicEntry
    anchor: str
    permalink: str
    time: str
    """The local time alone on the dateline's day, else with the date."""
    datetime: str
    day: str = ""
    time_short: str = ""
    time_long: str = ""
    edited: str = ""
    """The local time of the last edit readers are told of (with the date when that is not
    the entry's own day); empty when there is none."""
    edited_datetime: str = ""
    corrected: str = ""
    """The local time of the correction note, as ``edited``."""
    corrected_datetime: str = ""
    byline: str = ""
    """"By Anna Schmidt and Ben Ott" in the blog's language, while the blog shows authors
    (only those with a display name); empty otherwise."""
    eager: bool = False
    """The first entry of a page: its photos are on the first screen and load at once
    (the others load lazily, as stored; entries arriving live too)."""

    @property
    def correction(self) -> str | None:
        return self.entry.correction

    @property
    def id(self) -> int:
        return self.entry.id

    @property
    def headline(self) -> str | None:
        return self.entry.headline

    @property
    def body(self) -> Markup:
        # Sanitised by render.markdown_to_html when it was stored.
        return Markup(self._body_html)  # noqa: S704

    @property
    def source(self) -> str | None:
        return self.entry.source

    @property
    def source_is_phrase(self) -> bool:
        """The source is an attribution phrase, shown as written without the "Source" label
        (:mod:`liveblog.domain.sources`)."""
        return bool(self.entry.source) and is_phrase(self.entry.source or "")

    @property
    def pinned(self) -> bool:
        return self.entry.pinned

    @property
    def key_event(self) -> bool:
        return self.entry.key_event

    @property
    def unverified(self) -> bool:
        """Shown as "not independently verified" at the top of the entry."""
        return self.entry.unverified

    @property
    def folded(self) -> Folded | None:
        """A pinned entry's body as a visible lead and the rest behind "show more" (``None``:
        not pinned, or short enough to show whole)."""
        return fold_body(self._body_html) if self.entry.pinned else None

    @property
    def _body_html(self) -> str:
        return eager(self.entry.body_html) if self.eager else self.entry.body_html


@dataclass(frozen=True)
class LiveClient:
    """What ``live.js`` needs to keep a page current; rendered as ``data-live-*`` attributes."""

    events: str
    """The SSE stream, ``/live/{slug}/events``."""
    poll: str
    """The polling endpoint, ``/api/v1/blogs/{slug}/events``."""
    version: int
    """The blog version (last event number) the page was rendered at: the stream starts after it."""
    view: str
    """``all`` (pinned entry lifted to the top) or ``key`` (key events only)."""
    timezone: str
    """The blog's time zone: when the blog's language or time zone changes, every time and
    label on the page changes, and the client asks the reader to reload instead."""
    authors: str = "off"
    """``on`` while the blog shows bylines: when that changes, every entry on the page would
    change, and the client asks the reader to reload, as for the time zone."""
    floor_time: str = ""
    """With ``floor_id``, the oldest position (``published_at``, ``id``) the page covers when
    older pages exist: older entries belong to the next page and are never inserted. Empty when
    there is no older page."""
    floor_id: int = 0
    poll_ms: int = LIVE_POLL_MS
    """Poll interval when the browser cannot use the event stream."""
    closed: bool = False
    """The blog is closed: the page opens no stream, it only looks now and then
    (``LIVE_CLOSED_POLL_MS``) whether the blog was reopened, to offer a reload."""
    closed_poll_ms: int = 0
    order: str = "newest"
    """``newest``: new entries go on top; ``oldest``: they are appended at the end (the page
    shows the newest entries of an oldest-first view), and ``floor_*`` is the position the page
    starts after (older entries belong to earlier pages)."""


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    current: bool = False
