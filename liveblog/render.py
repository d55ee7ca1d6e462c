"""Markdown to safe HTML, and the formatted parts of a reader page's header.

Markdown is parsed by markdown-it-py with raw HTML disabled, then cleaned by nh3 to an allowlist,
so nothing an editor types can run script in a reader's browser.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import nh3
from babel import Locale
from babel.dates import format_datetime
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])

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
    return sanitize(_markdown.render(source))


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
