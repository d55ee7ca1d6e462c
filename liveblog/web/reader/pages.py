"""Reader pages rendered with Jinja2 from storage: a blog in one view (:mod:`.views`), an
entry's permalink page, the index of all blogs, and error pages, each in the blog's language
(the site's default without a blog; strings from :mod:`liveblog.web.i18n`).

Every query is a keyset query bounded by ``page_size`` or an index lookup: no ``COUNT(*)``, no
``OFFSET``. Nothing on a page depends on the wall clock, only on the blog's rows, so a page
rendered at one blog version (``blogs.last_seq``) is valid until the next version (see
:mod:`liveblog.web.page_cache`).

Live updates (``/static/live.js``, see the comment at its top) are offered where new entries
belong on the page: the first page of the newest-first views (the default view and the
key-events view; new entries on top) and the last page of the oldest-first views (appended at
the end). Those pages carry the client's settings as data attributes on ``.live`` (the version
the page shows, the order, the stream and polling URLs, the position where the page's entries
begin or end, the labels), and load the script. Other pages are plain pages and say that they
do not update live; a closed blog's page shows "Ended" with the closing time and no toggle, and
its script opens no stream (it only looks now and then whether the blog was reopened).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from babel.lists import format_list
from sqlalchemy import Connection

from liveblog import render
from liveblog.config import Settings
from liveblog.domain.bylines import shown_names
from liveblog.domain.models import Blog
from liveblog.domain.pagination import Cursor, Order
from liveblog.domain.public import PublicEntry
from liveblog.domain.serialize import rfc3339
from liveblog.storage import archive as archive_rows
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.storage.archive import Position
from liveblog.web import dates, i18n
from liveblog.web.brand import brand_of
from liveblog.web.i18n import N_
from liveblog.web.page_cache import closed_cache_control
from liveblog.web.reader.archive import index_item, next_query
from liveblog.web.reader.embed_code import discovery_href
from liveblog.web.reader.models import (
    LIVE_CLOSED_POLL_MS,
    EntryView,
    Link,
    LiveClient,
    Rendered,
)
from liveblog.web.reader.models import (
    Header as Header,  # what header_for returns; live frames use it
)
from liveblog.web.reader.permalink import back_href
from liveblog.web.reader.sharing import Sharing, blog_sharing, entry_sharing
from liveblog.web.reader.structured_data import Site
from liveblog.web.reader.views import View, valid_slug
from liveblog.web.templating import environment

BLOG_MISSING = N_("There is no such live blog.")
ENTRY_MISSING = N_("There is no such entry in this live blog.")
ENTRY_DELETED = N_("This entry has been deleted.")
_ERROR_TITLES = {400: N_("Bad request"), 404: N_("Not found"), 410: N_("Deleted")}
_ORDERS = ((Order.NEWEST, N_("Newest first")), (Order.OLDEST, N_("Oldest first")))
_FILTERS = ((False, N_("All entries")), (True, N_("Key events")))

_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")


def _context(
    settings: Settings, language: str, title: str, description: str, **more: Any
) -> dict[str, Any]:
    """Values every template gets (``brand``: the site's name, logo, colour and footer links)."""
    return {
        "language": language,
        "page_title": title,
        "description": description,
        "brand": brand_of(settings),
        **more,
    }


def header_for(conn: Connection, blog: Blog) -> Header:
    """The blog's page header as the database has it now."""
    key_headline, changed = reads.header_facts(conn, blog.id)
    changed = changed or blog.created_at
    paragraphs = [_SPACE.sub(" ", p).strip() for p in _BLANK_LINES.split(blog.summary)]
    return Header(
        slug=blog.slug,
        language=blog.language,
        title=blog.title,
        headline=render.headline(blog.title, key_headline),
        stand=dates.stand(changed, blog.language, dates.zone_for(changed, blog.timezone)),
        stand_datetime=rfc3339(changed),
        stand_at=changed,
        teaser=[p for p in paragraphs if p],
        description=_SPACE.sub(" ", blog.summary).strip() or blog.title,
        closed=not blog.is_open,
        timezone=blog.timezone,
        closing_note=_closing_note(blog),
        **_ended(blog, dates.iso_day(changed, blog.timezone)),
    )


def _ended(blog: Blog, day: str) -> dict[str, str]:
    """``ended`` and ``ended_datetime`` of a closed blog: when it was closed, the time alone on
    the dateline's ``day``, else with the date."""
    if blog.is_open or blog.closed_at is None:
        return {}
    moment = blog.closed_at
    zone = dates.zone_for(moment, blog.timezone)
    with_date = dates.iso_day(moment, blog.timezone) != day
    shown = dates.entry_time(moment, blog.language, zone, with_date=with_date)
    return {"ended": shown, "ended_datetime": rfc3339(moment)}


def _closing_note(blog: Blog) -> list[str]:
    """The closing note's paragraphs while the blog is closed (kept but not shown once open)."""
    if blog.is_open or not blog.closing_note:
        return []
    paragraphs = [_SPACE.sub(" ", p).strip() for p in _BLANK_LINES.split(blog.closing_note)]
    return [p for p in paragraphs if p]


def lifetime(settings: Settings, blog: Blog) -> str | None:
    """The ``Cache-Control`` of the blog's pages: long once it is closed, else the default."""
    return None if blog.is_open else closed_cache_control(settings)


def entry_view(entry: PublicEntry, blog: Blog, header: Header, *, eager: bool = False) -> EntryView:
    """An entry as the page shows it: the time alone on the dateline's day, else with date.
    Both forms go into the page, so live updates can re-apply the rule when the day moves on.
    Its byline only while the blog shows authors (and ``entry`` carries them). ``eager``: the
    page's first entry, whose photos load at once."""
    day = dates.iso_day(entry.published_at, blog.timezone)
    zone = dates.zone_for(entry.published_at, blog.timezone)
    short = dates.entry_time(entry.published_at, blog.language, zone, with_date=False)
    long = dates.entry_time(entry.published_at, blog.language, zone, with_date=True)
    return EntryView(
        entry=entry,
        anchor=f"entry-{entry.id}",
        permalink=f"/live/{blog.slug}/entries/{entry.id}",
        time=short if day == header.day else long,
        datetime=rfc3339(entry.published_at),
        day=day,
        time_short=short,
        time_long=long,
        **_later_time("edited", entry.edited_at, day, blog),
        **_later_time("corrected", entry.corrected_at, day, blog),
        byline=_byline(entry, blog),
        eager=eager,
    )


def _byline(entry: PublicEntry, blog: Blog) -> str:
    """ "Von Anna Schmidt und Ben Ott": the authors with a display name, listed in the blog's
    language; empty when the blog does not show authors or none has a name."""
    names = shown_names(entry.authors or ()) if blog.show_authors else []
    if not names:
        return ""
    _ = i18n.translator(blog.language)
    return _("By %(names)s") % {"names": format_list(names, locale=blog.language)}


def _later_time(name: str, moment: datetime | None, day: str, blog: Blog) -> dict[str, str]:
    """``name`` and ``name_datetime`` of a time after publication: the time alone on the
    entry's own day, else with the date (the same on a fresh page and a live update)."""
    if moment is None:
        return {}
    zone = dates.zone_for(moment, blog.timezone)
    with_date = dates.iso_day(moment, blog.timezone) != day
    shown = dates.entry_time(moment, blog.language, zone, with_date=with_date)
    return {name: shown, f"{name}_datetime": rfc3339(moment)}


def _view_links(slug: str, view: View, language: str) -> tuple[list[Link], list[Link]]:
    _ = i18n.translator(language)
    base = f"/live/{slug}"
    orders = [
        Link(base + view.query(order=order), _(name), current=view.order is order)
        for order, name in _ORDERS
    ]
    filters = [
        Link(base + view.query(key_events=flag), _(name), current=view.key_events is flag)
        for flag, name in _FILTERS
    ]
    return orders, filters


def blog_page(
    conn: Connection, settings: Settings, slug: str, view: View, cursor_key: bytes
) -> Rendered:
    """``/live/{slug}`` in the given view, or the 404 page of an unknown blog; ``cursor_key``
    signs the link to the next page."""
    # The blog row (and with it the version) is read first: under any isolation the entries
    # are then at least as new as the version the page is cached under, never older.
    blog = blog_rows.by_slug(conn, slug) if valid_slug(slug) else None
    if blog is None:
        html = error_page(settings.default_language, 404, BLOG_MISSING, settings=settings)
        return Rendered(404, html, None)
    _ = i18n.translator(blog.language)
    header = header_for(conn, blog)
    pinned = reads.pinned(conn, blog.id) if view.lifts_pinned else None
    timeline = reads.timeline(
        conn,
        blog.id,
        limit=settings.page_size,
        order=view.order,
        after=view.cursor,
        key_events_only=view.key_events,
        exclude_pinned=view.is_default,
    )
    items = ([pinned] if pinned else []) + timeline.items
    orders, filters = _view_links(blog.slug, view, blog.language)
    if view.cursor is None:
        empty = _("No key events yet.") if view.key_events else _("No entries yet.")
    else:
        empty = _("No further entries.")
    newest = view.order is Order.NEWEST
    sharing = _blog_sharing(conn, settings, blog, header)
    html = (
        environment(blog.language)
        .get_template("blog.html")
        .render(
            _context(
                settings,
                blog.language,
                sharing.title,
                sharing.description,
                sharing=sharing,
                oembed=discovery_href(settings, header.href),
                blog=header,
                live=live_client(blog, view, timeline.next_cursor),
                entries=[
                    entry_view(
                        PublicEntry.of(e, authors=blog.show_authors), blog, header, eager=n == 0
                    )
                    for n, e in enumerate(items)
                ],
                orders=orders,
                filters=filters,
                empty=empty,
                next_href=(
                    header.href + view.next_query(timeline.next_cursor, cursor_key)
                    if timeline.next_cursor
                    else None
                ),
                next_text=_("Older entries") if newest else _("Newer entries"),
                first_href=header.href + view.query() if view.cursor else None,
                live_href=header.href + view.query(order=Order.NEWEST),
                first_text=_("Back to the latest entries")
                if newest
                else _("Back to the beginning"),
            )
        )
    )
    return Rendered(200, html, blog.last_seq, cache_control=lifetime(settings, blog))


def _blog_sharing(conn: Connection, settings: Settings, blog: Blog, header: Header) -> Sharing:
    """The blog's canonical URL, sharing tags and structured data, which lists its newest
    ``ld_updates`` entries whatever the view."""
    limit = settings.ld_updates
    newest = reads.timeline(conn, blog.id, limit=limit).items if limit > 0 else []
    updates = [PublicEntry.of(e, authors=blog.show_authors) for e in newest]
    return blog_sharing(Site.of(settings), blog, header, updates)


def live_client(blog: Blog, view: View, next_cursor: Cursor | None) -> LiveClient | None:
    """The live client's settings for views that new entries are inserted into, else ``None``:
    the first page of a newest-first view (new entries on top), the last page of an
    oldest-first view (new entries at the end; it starts after ``view.cursor``)."""
    if view.order is Order.OLDEST:
        if next_cursor is not None:
            return None
        floor = view.cursor
    elif view.cursor is not None:
        return None
    else:
        floor = next_cursor
    return LiveClient(
        events=f"/live/{blog.slug}/events",
        poll=f"/api/v1/blogs/{blog.slug}/events",
        version=blog.last_seq,
        view="key" if view.key_events else "all",
        timezone=blog.timezone,
        authors="on" if blog.show_authors else "off",
        floor_time=rfc3339(floor.published_at) if floor else "",
        floor_id=floor.id if floor else 0,
        closed=not blog.is_open,
        closed_poll_ms=LIVE_CLOSED_POLL_MS,
        order=view.order.value,
    )


def entry_page(
    conn: Connection, settings: Settings, slug: str, entry_id: int | None, cursor_key: bytes
) -> Rendered:
    """``/live/{slug}/entries/{id}``: 404 for an entry of another blog, 410 for a deleted one.
    Its link back leads to the blog page that shows the entry (:mod:`.permalink`), its cursor
    signed with ``cursor_key``."""
    blog = blog_rows.by_slug(conn, slug) if valid_slug(slug) else None
    if blog is None:
        html = error_page(settings.default_language, 404, BLOG_MISSING, settings=settings)
        return Rendered(404, html, None)
    entry = reads.entry(conn, blog.id, entry_id) if entry_id is not None else None
    back = f"/live/{blog.slug}"
    if entry is None:
        html = error_page(blog.language, 404, ENTRY_MISSING, settings=settings, back=back)
        return Rendered(404, html, blog.last_seq)
    if entry.deleted:
        html = error_page(blog.language, 410, ENTRY_DELETED, settings=settings, back=back)
        return Rendered(410, html, blog.last_seq)
    header = header_for(conn, blog)
    public = PublicEntry.of(entry, authors=blog.show_authors)
    sharing = entry_sharing(Site.of(settings), blog, header, public)
    html = (
        environment(blog.language)
        .get_template("entry.html")
        .render(
            _context(
                settings,
                blog.language,
                sharing.title,
                sharing.description,
                sharing=sharing,
                oembed=discovery_href(settings, f"{header.href}/entries/{entry.id}"),
                blog=header,
                entry=entry_view(public, blog, header, eager=True),
                back_href=back_href(conn, blog, entry, settings.page_size, cursor_key),
            )
        )
    )
    return Rendered(200, html, blog.last_seq, cache_control=lifetime(settings, blog))


def index_page(
    conn: Connection, settings: Settings, after: Position | None, cursor_key: bytes
) -> str:
    """``/``: every blog, the open ones ("Live now") by newest change, then the closed ones
    ("Ended") by closing time, ``index_page_size`` a page after ``after`` (see
    :mod:`liveblog.storage.archive`); ``cursor_key`` signs the link to the next page. In the
    site's language; each blog's item in its own."""
    language = settings.default_language
    _ = i18n.translator(language)
    listing = archive_rows.page(conn, limit=settings.index_page_size, after=after)
    items = [index_item(listed) for listed in listing.items]
    title = _("Live blogs")
    context = _context(
        settings,
        language,
        title,
        title,
        first_page=after is None,
        running=[item for item in items if item.ended_datetime is None],
        ended=[item for item in items if item.ended_datetime is not None],
        next_href="/" + next_query(listing.next, cursor_key) if listing.next else None,
        first_href="/" if after is not None else None,
    )
    return environment(language).get_template("index.html").render(context)


def entry_article_html(view: EntryView, language: str, *, fold: bool = False) -> str:
    """One entry's ``<article>``, exactly as the blog page renders it (live updates send it,
    with ``fold``: a long pinned entry's rest behind "show more", as on the blog page)."""
    module = environment(language).get_template("_macros.html").module
    return str(module.entry_article(view, 3, fold=fold)).strip()  # type: ignore[attr-defined]


def error_page(
    language: str, status: int, message: str, *, settings: Settings, back: str | None = None
) -> str:
    """A short page in the blog's (or the site's) language; ``message`` is a msgid."""
    _ = i18n.translator(language)
    title = _(_ERROR_TITLES[status])
    context = _context(
        settings,
        language,
        title,
        title,
        status=status,
        heading=title,
        message=_(message),
        back=back,
    )
    return environment(language).get_template("error.html").render(context)
