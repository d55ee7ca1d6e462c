"""Reader pages: what a view of a blog shows, assembled from storage and rendered with Jinja2.

Views of ``/live/{slug}`` (query parameters; anything else in the query string is ignored):

``order``
    ``newest`` (default) or ``oldest``. Any other value is a 400 page.
``key_events``
    ``1``/``true``/``yes``/``on`` shows only key events; ``0``/``false``/``no``/``off`` or empty
    shows everything. Any other value is a 400 page.
``cursor``
    ``next_cursor`` of the previous page (the "older entries" link). A cursor this server did not
    make is a 400 page.

Where the pinned entry goes:

* Default view (newest first, all entries): the pinned entry is lifted to the top of the first
  page, marked "Angeheftet"/"Pinned", and left out of the timeline of every page of that view,
  so across all pages it appears exactly once.
* Every other view (oldest first, key events only): the page is exactly the filtered timeline
  in order. The pinned entry stays in its chronological place (marked), because lifting it would
  break a reading in order, and it appears in the key-events view only if it is a key event.

So in every view each visible entry appears exactly once across the pages. Every query is a
keyset query bounded by ``page_size`` or an index lookup: no ``COUNT(*)``, no ``OFFSET``.

Nothing on a page depends on the wall clock, only on the blog's rows, so a page rendered at one
blog version (``blogs.last_seq``) is valid until the next version (see :mod:`page_cache`).

Live updates (``/static/live.js``, see the comment at its top) are offered on the first page of
the newest-first views only, the default view and the key-events view, where new entries belong
at the top. Those pages carry the client's settings as data attributes on ``.live`` (the version
the page shows, the stream and polling URLs, the oldest position the page covers, the labels),
and load the script. Oldest-first views and older pages (``cursor``) are plain pages: new entries
do not belong on them, and they load no script.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import Connection

from liveblog import render
from liveblog.config import Settings
from liveblog.domain.models import Blog, Entry
from liveblog.domain.pagination import BadCursor, Cursor, Order
from liveblog.domain.rules import (
    EARLIEST_PUBLISHED_AT,
    LANGUAGES,
    LATEST_PUBLISHED_AT,
    MAX_ID,
    SLUG_PATTERN,
)
from liveblog.domain.serialize import rfc3339
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.web.static_files import static_url

TEMPLATES = Path(__file__).parent / "templates"

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "kicker": "Liveblog",
        "skip": "Zu den Einträgen springen",
        "views": "Ansicht",
        "newest_first": "Neueste zuerst",
        "oldest_first": "Älteste zuerst",
        "all_entries": "Alle Einträge",
        "key_events": "Wichtige Ereignisse",
        "entries": "Einträge",
        "pinned": "Angeheftet",
        "key_event": "Wichtiges Ereignis",
        "source": "Quelle",
        "permalink": "Link zum Eintrag",
        "pagination": "Weitere Einträge",
        "older": "Ältere Einträge",
        "newer": "Neuere Einträge",
        "to_newest": "Zu den neuesten Einträgen",
        "to_oldest": "Zum Anfang des Liveblogs",
        "no_entries": "Noch keine Einträge.",
        "no_key_events": "Noch keine wichtigen Ereignisse.",
        "no_more": "Keine weiteren Einträge.",
        "closed": "Dieser Liveblog ist beendet.",
        "back": "Zurück zum Liveblog",
        "index_title": "Liveblogs",
        "index_empty": "Zurzeit läuft kein Liveblog.",
        "home": "Zur Startseite",
        "error_400": "Ungültige Anfrage",
        "error_404": "Nicht gefunden",
        "error_410": "Gelöscht",
        "blog_missing": "Diesen Liveblog gibt es nicht.",
        "entry_missing": "Diesen Eintrag gibt es in diesem Liveblog nicht.",
        "entry_deleted": "Dieser Eintrag wurde gelöscht.",
        "bad_order": "Der Parameter „order“ muss „newest“ oder „oldest“ sein.",
        "bad_key_events": "Der Parameter „key_events“ muss 1 oder 0 sein.",
        "bad_cursor": "Der Link zu weiteren Einträgen ist ungültig oder beschädigt.",
        "live": "Live",
        "live_paused": "Pausiert",
        "live_new_one": "1 neuer Eintrag",
        "live_new_many": "{n} neue Einträge",
        "live_stale": "Nicht mehr aktuell",
        "live_stale_note": "Diese Seite ist nicht mehr aktuell.",
        "live_reload": "Seite neu laden",
    },
    "en": {
        "kicker": "Live blog",
        "skip": "Skip to the entries",
        "views": "View",
        "newest_first": "Newest first",
        "oldest_first": "Oldest first",
        "all_entries": "All entries",
        "key_events": "Key events",
        "entries": "Entries",
        "pinned": "Pinned",
        "key_event": "Key event",
        "source": "Source",
        "permalink": "Link to this entry",
        "pagination": "More entries",
        "older": "Older entries",
        "newer": "Newer entries",
        "to_newest": "Back to the latest entries",
        "to_oldest": "Back to the beginning",
        "no_entries": "No entries yet.",
        "no_key_events": "No key events yet.",
        "no_more": "No further entries.",
        "closed": "This live blog has ended.",
        "back": "Back to the live blog",
        "index_title": "Live blogs",
        "index_empty": "No live blog is running at the moment.",
        "home": "Home page",
        "error_400": "Bad request",
        "error_404": "Not found",
        "error_410": "Deleted",
        "blog_missing": "There is no such live blog.",
        "entry_missing": "There is no such entry in this live blog.",
        "entry_deleted": "This entry has been deleted.",
        "bad_order": "The parameter “order” must be “newest” or “oldest”.",
        "bad_key_events": "The parameter “key_events” must be 1 or 0.",
        "bad_cursor": "The link to more entries is not valid or has been damaged.",
        "live": "Live",
        "live_paused": "Paused",
        "live_new_one": "1 new entry",
        "live_new_many": "{n} new entries",
        "live_stale": "Out of date",
        "live_stale_note": "This page is out of date.",
        "live_reload": "Reload the page",
    },
}

LIVE_POLL_MS = 10_000
"""How often the live client polls when it cannot use the event stream."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_env.globals["static_url"] = static_url


def labels(language: str) -> dict[str, str]:
    return LABELS[language if language in LABELS else LANGUAGES[0]]


# -- views ---------------------------------------------------------------------------------------


class BadView(ValueError):
    """A query parameter of the reader page has a value the page cannot show."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label
        """Key into :data:`LABELS` of the message for the reader."""


@dataclass(frozen=True)
class View:
    """One way of looking at a blog's timeline; see the module docstring."""

    order: Order = Order.NEWEST
    key_events: bool = False
    cursor: Cursor | None = None

    @property
    def is_default(self) -> bool:
        return self.order is Order.NEWEST and not self.key_events

    @property
    def lifts_pinned(self) -> bool:
        """The pinned entry is shown on top (first page of the default view only)."""
        return self.is_default and self.cursor is None

    @property
    def key(self) -> str:
        """Normalised parameters: equal for every query string that shows the same page."""
        cursor = self.cursor.encode() if self.cursor else ""
        return f"{self.order.value}|{int(self.key_events)}|{cursor}"

    def query(self, *, order: Order | None = None, key_events: bool | None = None) -> str:
        """Query string (with ``?``, or empty) of this view changed as given, on its first page."""
        params: dict[str, str] = {}
        if (order or self.order) is Order.OLDEST:
            params["order"] = Order.OLDEST.value
        if self.key_events if key_events is None else key_events:
            params["key_events"] = "1"
        return "?" + urlencode(params) if params else ""

    def next_query(self, cursor: Cursor) -> str:
        params = {"cursor": cursor.encode()}
        base = self.query()
        return (base + "&" if base else "?") + urlencode(params)


DEFAULT_VIEW = View()


def parse_view(params: Mapping[str, str]) -> View:
    """The view a query string asks for; :class:`BadView` for values it cannot mean."""
    order_text = params.get("order", "")
    if not order_text:
        order = Order.NEWEST
    else:
        try:
            order = Order(order_text)
        except ValueError:
            raise BadView("bad_order") from None
    key_events_text = params.get("key_events", "").lower()
    if key_events_text in _TRUE:
        key_events = True
    elif key_events_text in _FALSE:
        key_events = False
    else:
        raise BadView("bad_key_events")
    cursor_text = params.get("cursor", "")
    cursor = None
    if cursor_text:
        try:
            cursor = Cursor.decode(cursor_text)
        except BadCursor:
            raise BadView("bad_cursor") from None
        if cursor.id > MAX_ID:  # no such id; the database would fail, not miss
            raise BadView("bad_cursor")
    if not cursor and not key_events and order is Order.NEWEST:
        return DEFAULT_VIEW
    return View(order=order, key_events=key_events, cursor=cursor)


def valid_slug(slug: str) -> bool:
    return SLUG_PATTERN.fullmatch(slug) is not None


def parse_entry_id(text: str) -> int | None:
    """The entry id of a permalink path segment, ``None`` when it cannot name an entry."""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


# -- page models ---------------------------------------------------------------------------------


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

    @property
    def href(self) -> str:
        return f"/live/{self.slug}"

    @property
    def day(self) -> str:
        """The dateline's local day (ISO); entries of other days show their date."""
        return _iso_day(self.stand_at, self.timezone)


@dataclass(frozen=True)
class EntryView:
    id: int
    anchor: str
    permalink: str
    headline: str | None
    body: Markup
    source: str | None
    time: str
    datetime: str
    pinned: bool
    key_event: bool
    day: str = ""
    time_short: str = ""
    time_long: str = ""


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
    floor_time: str = ""
    """With ``floor_id``, the oldest position (``published_at``, ``id``) the page covers when
    older pages exist: older entries belong to the next page and are never inserted. Empty when
    there is no older page."""
    floor_id: int = 0
    poll_ms: int = LIVE_POLL_MS
    """Poll interval when the browser cannot use the event stream."""


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    current: bool = False


@dataclass
class _Context:
    """Values every template gets."""

    language: str
    title: str
    description: str
    t: dict[str, str] = field(repr=False)

    def as_dict(self, **more: Any) -> dict[str, Any]:
        return {
            "language": self.language,
            "page_title": self.title,
            "description": self.description,
            "t": self.t,
            **more,
        }


def header_for(conn: Connection, blog: Blog) -> Header:
    """The blog's page header as the database has it now."""
    key_event = entry_rows.newest_key_event(conn, blog.id)
    changed = entry_rows.newest_change(conn, blog.id) or blog.created_at
    paragraphs = [_SPACE.sub(" ", p).strip() for p in _BLANK_LINES.split(blog.summary)]
    return Header(
        slug=blog.slug,
        language=blog.language,
        title=blog.title,
        headline=render.headline(blog.title, key_event.headline if key_event else None),
        stand=render.stand(changed, blog.language, _zone_for(changed, blog.timezone)),
        stand_datetime=rfc3339(changed),
        stand_at=changed,
        teaser=[p for p in paragraphs if p],
        description=_SPACE.sub(" ", blog.summary).strip() or blog.title,
        closed=not blog.is_open,
        timezone=blog.timezone,
    )


def entry_view(entry: Entry, blog: Blog, header: Header) -> EntryView:
    """An entry as the page shows it: the time alone on the dateline's day, else with date.
    Both forms go into the page, so live updates can re-apply the rule when the day moves on."""
    day = _iso_day(entry.published_at, blog.timezone)
    zone = _zone_for(entry.published_at, blog.timezone)
    short = render.entry_time(entry.published_at, blog.language, zone, with_date=False)
    long = render.entry_time(entry.published_at, blog.language, zone, with_date=True)
    return EntryView(
        id=entry.id,
        anchor=f"entry-{entry.id}",
        permalink=f"/live/{blog.slug}/entries/{entry.id}",
        headline=entry.headline,
        # Sanitised by render.markdown_to_html when it was stored.
        body=Markup(entry.body_html),  # noqa: S704
        source=entry.source,
        time=short if day == header.day else long,
        datetime=rfc3339(entry.published_at),
        pinned=entry.pinned,
        key_event=entry.key_event,
        day=day,
        time_short=short,
        time_long=long,
    )


def _iso_day(moment: datetime, timezone: str) -> str:
    year, month, day = render.local_day(moment, _zone_for(moment, timezone))
    return f"{year:04d}-{month:02d}-{day:02d}"


def _zone_for(moment: datetime, timezone: str) -> str:
    """The zone to show ``moment`` in: the blog's, or UTC when the blog's zone cannot show it.
    Rows written before ``published_at`` had a range may hold the year 1, which is the year 0
    (no date in Python) in America/New_York."""
    if EARLIEST_PUBLISHED_AT <= moment < LATEST_PUBLISHED_AT:
        return timezone  # the common case: two comparisons
    try:
        render.local_day(moment, timezone)
    except (OverflowError, ValueError):
        return "UTC"
    return timezone


def _view_links(slug: str, view: View, t: dict[str, str]) -> tuple[list[Link], list[Link]]:
    base = f"/live/{slug}"
    orders = [
        Link(base + view.query(order=order), t[name], current=view.order is order)
        for order, name in ((Order.NEWEST, "newest_first"), (Order.OLDEST, "oldest_first"))
    ]
    filters = [
        Link(base + view.query(key_events=flag), t[name], current=view.key_events is flag)
        for flag, name in ((False, "all_entries"), (True, "key_events"))
    ]
    return orders, filters


# -- rendering -----------------------------------------------------------------------------------


def blog_page(conn: Connection, settings: Settings, slug: str, view: View) -> Rendered:
    """``/live/{slug}`` in the given view, or the 404 page of an unknown blog."""
    # The blog row (and with it the version) is read first: under any isolation the entries
    # are then at least as new as the version the page is cached under, never older.
    blog = blog_rows.by_slug(conn, slug) if valid_slug(slug) else None
    if blog is None:
        return Rendered(404, error_page(settings.default_language, 404, "blog_missing"), None)
    t = labels(blog.language)
    header = header_for(conn, blog)
    pinned = entry_rows.pinned(conn, blog.id) if view.lifts_pinned else None
    timeline = entry_rows.timeline(
        conn,
        blog.id,
        limit=settings.page_size,
        order=view.order,
        after=view.cursor,
        key_events_only=view.key_events,
        exclude_pinned=view.is_default,
    )
    items = ([pinned] if pinned else []) + timeline.items
    orders, filters = _view_links(blog.slug, view, t)
    if view.cursor is None:
        empty = t["no_key_events"] if view.key_events else t["no_entries"]
    else:
        empty = t["no_more"]
    context = _Context(blog.language, header.headline, header.description, t)
    html = _env.get_template("blog.html").render(
        context.as_dict(
            blog=header,
            live=_live_client(blog, view, timeline.next_cursor),
            entries=[entry_view(e, blog, header) for e in items],
            orders=orders,
            filters=filters,
            empty=empty,
            next_href=(
                header.href + view.next_query(timeline.next_cursor)
                if timeline.next_cursor
                else None
            ),
            next_text=t["older"] if view.order is Order.NEWEST else t["newer"],
            first_href=header.href + view.query() if view.cursor else None,
            first_text=t["to_newest"] if view.order is Order.NEWEST else t["to_oldest"],
        )
    )
    return Rendered(200, html, blog.last_seq)


def _live_client(blog: Blog, view: View, next_cursor: Cursor | None) -> LiveClient | None:
    """The live client's settings for views that new entries are inserted into, else ``None``."""
    if view.order is not Order.NEWEST or view.cursor is not None:
        return None
    return LiveClient(
        events=f"/live/{blog.slug}/events",
        poll=f"/api/v1/blogs/{blog.slug}/events",
        version=blog.last_seq,
        view="key" if view.key_events else "all",
        timezone=blog.timezone,
        floor_time=rfc3339(next_cursor.published_at) if next_cursor else "",
        floor_id=next_cursor.id if next_cursor else 0,
    )


def entry_page(conn: Connection, settings: Settings, slug: str, entry_id: int | None) -> Rendered:
    """``/live/{slug}/entries/{id}``: 404 for an entry of another blog, 410 for a deleted one."""
    blog = blog_rows.by_slug(conn, slug) if valid_slug(slug) else None
    if blog is None:
        return Rendered(404, error_page(settings.default_language, 404, "blog_missing"), None)
    entry = entry_rows.get(conn, blog.id, entry_id) if entry_id is not None else None
    back = f"/live/{blog.slug}"
    if entry is None:
        html = error_page(blog.language, 404, "entry_missing", back=back)
        return Rendered(404, html, blog.last_seq)
    if entry.deleted:
        html = error_page(blog.language, 410, "entry_deleted", back=back)
        return Rendered(410, html, blog.last_seq)
    t = labels(blog.language)
    header = header_for(conn, blog)
    title = f"{entry.headline} \u2013 {blog.title}" if entry.headline else header.headline
    context = _Context(blog.language, title, header.description, t)
    html = _env.get_template("entry.html").render(
        context.as_dict(blog=header, entry=entry_view(entry, blog, header))
    )
    return Rendered(200, html, blog.last_seq)


def index_page(conn: Connection, settings: Settings) -> str:
    """``/``: the open blogs, newest first, each with its dateline."""
    language = settings.default_language
    t = labels(language)
    blogs = [b for b in blog_rows.all_blogs(conn) if b.is_open]
    items = []
    for blog in blogs:
        changed = entry_rows.newest_change(conn, blog.id) or blog.created_at
        items.append(
            {
                "href": f"/live/{blog.slug}",
                "title": blog.title,
                "language": blog.language,
                "stand": render.stand(changed, blog.language, _zone_for(changed, blog.timezone)),
                "datetime": rfc3339(changed),
            }
        )
    context = _Context(language, t["index_title"], t["index_title"], t)
    return _env.get_template("index.html").render(context.as_dict(blogs=items))


def entry_article_html(view: EntryView, language: str) -> str:
    """One entry's ``<article>``, exactly as the blog page renders it (live updates send it)."""
    module = _env.get_template("_macros.html").module
    return str(module.entry_article(view, labels(language), 3)).strip()  # type: ignore[attr-defined]


def error_page(language: str, status: int, message: str, *, back: str | None = None) -> str:
    """A short page in the blog's (or the site's) language; ``message`` is a label key."""
    t = labels(language)
    title = t[f"error_{status}"]
    context = _Context(language, title, title, t)
    return _env.get_template("error.html").render(
        context.as_dict(status=status, heading=title, message=t[message], back=back)
    )
