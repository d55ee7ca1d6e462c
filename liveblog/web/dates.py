"""Dates and times on reader pages, in the blog's language and time zone (Babel's CLDR data
for the patterns, the message catalogs of :mod:`liveblog.web.i18n` for the words)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime

from liveblog.domain.rules import EARLIEST_PUBLISHED_AT, LATEST_PUBLISHED_AT
from liveblog.web import i18n

_STAND_PATTERN = {"de": "dd.MM.yyyy HH:mm 'Uhr'", "en": "d MMMM yyyy, HH:mm"}
_TIME_PATTERN = {"de": "HH:mm 'Uhr'", "en": "HH:mm"}
_DATE_TIME_PATTERN = {"de": "dd.MM.yyyy, HH:mm 'Uhr'", "en": "d MMM yyyy, HH:mm"}


def stand(moment: datetime, language: str, timezone: str) -> str:
    """``Stand: 12.10.2023 05:15 Uhr`` (de) or ``Updated: 12 October 2023, 05:15 CEST`` (en)."""
    _ = i18n.translator(language)
    label = _("Updated")
    return f"{label}: {_stand_time(moment, language, timezone)}"


def ended(moment: datetime, language: str, timezone: str) -> str:
    """A closed blog's closing time as :func:`stand` shows a time: ``Beendet: 12.10.2023
    05:15 Uhr`` (de) or ``Ended: 12 October 2023, 05:15 CEST`` (en)."""
    _ = i18n.translator(language)
    label = _("Ended")
    return f"{label}: {_stand_time(moment, language, timezone)}"


def _stand_time(moment: datetime, language: str, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    text = format_datetime(moment, _STAND_PATTERN[language], tzinfo=zone, locale=_locale(language))
    if language == "en":
        # Babel spells the zone as an offset; readers know the abbreviation (CEST, GMT).
        text = f"{text} {moment.astimezone(zone).tzname()}"
    elif repeated_hour(moment, zone):
        text = f"{text} {_zone_name(moment, zone, language)}"
    return text


def local_day(moment: datetime, timezone: str) -> tuple[int, int, int]:
    local = moment.astimezone(ZoneInfo(timezone))
    return (local.year, local.month, local.day)


def iso_day(moment: datetime, timezone: str) -> str:
    """The local day of ``moment`` as ``YYYY-MM-DD`` (see :func:`zone_for`)."""
    year, month, day = local_day(moment, zone_for(moment, timezone))
    return f"{year:04d}-{month:02d}-{day:02d}"


def entry_time(moment: datetime, language: str, timezone: str, *, with_date: bool) -> str:
    """An entry's local time, with the date when it is not the page's day. In the hour that
    the end of summer time repeats, the zone follows ("02:30 Uhr MESZ", then "02:30 Uhr MEZ";
    "02:30 CEST", "02:30 CET"), so two entries an hour apart never show the same time."""
    pattern = (_DATE_TIME_PATTERN if with_date else _TIME_PATTERN)[language]
    zone = ZoneInfo(timezone)
    text = format_datetime(moment, pattern, tzinfo=zone, locale=_locale(language))
    if repeated_hour(moment, zone):
        text = f"{text} {_zone_name(moment, zone, language)}"
    return text


def repeated_hour(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether ``moment``'s wall time in ``zone`` happens twice (the hour after the clocks go
    back), so that it needs the zone to say which."""
    local = moment.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


def _zone_name(moment: datetime, zone: ZoneInfo, language: str) -> str:
    if language == "en":
        return moment.astimezone(zone).tzname() or "UTC"
    return format_datetime(moment, "z", tzinfo=zone, locale=_locale(language))


def zone_for(moment: datetime, timezone: str) -> str:
    """The zone to show ``moment`` in: the blog's, or UTC when the blog's zone cannot show it.
    Rows written before ``published_at`` had a range may hold the year 1, which is the year 0
    (no date in Python) in America/New_York."""
    if EARLIEST_PUBLISHED_AT <= moment < LATEST_PUBLISHED_AT:
        return timezone  # the common case: two comparisons
    try:
        local_day(moment, timezone)
    except (OverflowError, ValueError):
        return "UTC"
    return timezone


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    """Parsed once per language: Babel would otherwise load the locale data on every call."""
    return Locale.parse(language)
