"""Markdown to safe HTML, and the formatted parts of a reader page's header.

Markdown is parsed by markdown-it-py with raw HTML disabled, then cleaned by nh3 to an allowlist,
so nothing an editor types can run script in a reader's browser.

The work is bounded too: to find where a link or image label ends, markdown-it looks ahead token
by token, and nested brackets repeat that look-ahead (``![`` 10,000 times cost 800,000 steps and
most of a second). :class:`_BoundedInline` allows one look-ahead step per character of the body
plus :data:`LOOK_AHEAD_BASE`; past that, labels are not looked for any more and the rest shows
as text. Real entries take a small fraction of it (links cost about one step per character of
their text), so they render as before.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import nh3
from babel import Locale
from babel.dates import format_datetime
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

LOOK_AHEAD_BASE = 1000
"""Look-ahead steps allowed to every body on top of one per character."""
_LOOK_AHEAD = "liveblog.look_ahead_left"


class _BoundedInline(ParserInline):
    """markdown-it's inline parser with a budget, kept in the render's ``env``, for the
    look-ahead of link labels (``skipToken`` serves nothing else)."""

    def skipToken(self, state: StateInline) -> None:
        left = state.env.get(_LOOK_AHEAD)
        if left is not None:
            if left <= 0:
                # What markdown-it itself does when nesting is too deep: skip to the end.
                state.pos = state.posMax
                return
            state.env[_LOOK_AHEAD] = left - 1
        super().skipToken(state)


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])
_markdown.inline.__class__ = _BoundedInline

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
        "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def markdown_to_html(source: str) -> str:
    """Render Markdown and sanitise the result; links get ``rel="noopener noreferrer"``."""
    env = {_LOOK_AHEAD: len(source) + LOOK_AHEAD_BASE}
    return sanitize(_markdown.render(source, env))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def headline(title: str, key_event_headline: str | None) -> str:
    """``Title ++ Headline of the newest key event ++``, or just the title."""
    if key_event_headline:
        return f"{title} ++ {key_event_headline} ++"
    return title


_STAND_PATTERN = {"de": "dd.MM.yyyy HH:mm 'Uhr'", "en": "d MMMM yyyy, HH:mm"}
_STAND_LABEL = {"de": "Stand", "en": "Updated"}
_TIME_PATTERN = {"de": "HH:mm 'Uhr'", "en": "HH:mm"}
_DATE_TIME_PATTERN = {"de": "dd.MM.yyyy, HH:mm 'Uhr'", "en": "d MMM yyyy, HH:mm"}


def stand(moment: datetime, language: str, timezone: str) -> str:
    """``Stand: 12.10.2023 05:15 Uhr`` (de) or ``Updated: 12 October 2023, 05:15 CEST`` (en)."""
    zone = ZoneInfo(timezone)
    text = format_datetime(moment, _STAND_PATTERN[language], tzinfo=zone, locale=_locale(language))
    if language == "en":
        # Babel spells the zone as an offset; readers know the abbreviation (CEST, GMT).
        text = f"{text} {moment.astimezone(zone).tzname()}"
    return f"{_STAND_LABEL[language]}: {text}"


def local_day(moment: datetime, timezone: str) -> tuple[int, int, int]:
    local = moment.astimezone(ZoneInfo(timezone))
    return (local.year, local.month, local.day)


def entry_time(moment: datetime, language: str, timezone: str, *, with_date: bool) -> str:
    """An entry's local time, with the date when it is not the page's day."""
    pattern = (_DATE_TIME_PATTERN if with_date else _TIME_PATTERN)[language]
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(timezone), locale=_locale(language))


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    """Parsed once per language: Babel would otherwise load the locale data on every call."""
    return Locale.parse(language)
