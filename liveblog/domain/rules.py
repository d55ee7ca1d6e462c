"""Validation rules for what editors send. Pure functions: each returns cleaned values or raises
:class:`InvalidInput` listing every bad field at once.

The limits are documented in ``docs/api.md``; tests read them from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from liveblog.domain.errors import FieldError, InvalidInput

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_ID = 2**63 - 1
"""Largest id a row can have (BIGINT); larger ones cannot exist."""
LANGUAGES = ("de", "en")
MAX_TITLE = 200
MAX_SUMMARY = 1_000
MAX_HEADLINE = 200
MAX_SOURCE = 300
MAX_CORRECTION = 500
MAX_NOTE = 500
MAX_CLOSING_NOTE = 1_000
MAX_BODY = 20_000
MAX_EMAIL = 254
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters other than tab, newline and carriage return never belong in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ``localtime`` follows the server's own zone and ``Factory`` is a placeholder: neither means
# one stable zone, though both are in the database.
_VALID_ZONES: frozenset[str] = frozenset(available_timezones()) - {"localtime", "Factory"}
# The range of ``published_at``: from the first instant, up to but not including the second.
# Every time zone can show any instant in it (Python's dates end at the years 1 and 9999).
EARLIEST_PUBLISHED_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_PUBLISHED_AT = datetime(2100, 1, 1, tzinfo=UTC)


class Collector:
    """Gathers field errors so one response can name every bad field."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def text(
    errors: Collector, field: str, value: str, *, max_len: int, required: bool, multiline: bool
) -> str | None:
    """Trim, then check one text field; an optional blank field becomes ``None``.

    Checks apply to the trimmed text, so a trailing newline does not make a single-line field
    span lines (``"Lage\\n"`` is ``"Lage"``)."""
    cleaned = value.strip()
    if _CONTROL.search(cleaned):
        errors.add(field, "must not contain NUL or other control characters")
        return None
    if not multiline and ("\n" in cleaned or "\r" in cleaned):
        errors.add(field, "must be a single line")
        return None
    if not cleaned:
        if required:
            errors.add(field, "must not be empty or only whitespace")
        return None
    if len(cleaned) > max_len:
        errors.add(field, f"must be at most {max_len} characters (got {len(cleaned)})")
        return None
    return cleaned.replace("\r\n", "\n")


def slug(errors: Collector, value: str) -> str:
    if not SLUG_PATTERN.fullmatch(value):
        errors.add(
            "slug",
            "must be 1-64 characters of lowercase letters a-z, digits and hyphens, "
            "starting and ending with a letter or digit",
        )
    return value


def language(errors: Collector, value: str) -> str:
    if value not in LANGUAGES:
        errors.add("language", f"must be one of {', '.join(LANGUAGES)} (got {value!r})")
    return value


def timezone(errors: Collector, value: str) -> str:
    if value not in _VALID_ZONES:
        errors.add("timezone", f"must be an IANA time zone such as Europe/Berlin (got {value!r})")
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add("timezone", f"must be an IANA time zone such as Europe/Berlin (got {value!r})")
    return value


def published_at(errors: Collector, value: datetime, now: datetime) -> datetime:
    """A past or present instant with an offset in the documented range, returned in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        errors.add("published_at", "must include a UTC offset, e.g. 2023-10-12T05:15:00+02:00")
        return value
    # Compared before converting: converting 0001-01-01T00:00+14:00 to UTC overflows.
    if not EARLIEST_PUBLISHED_AT <= value < LATEST_PUBLISHED_AT:
        errors.add(
            "published_at",
            f"must be from {EARLIEST_PUBLISHED_AT.isoformat()} up to, not including, "
            f"{LATEST_PUBLISHED_AT.isoformat()}",
        )
        return value
    as_utc = value.astimezone(UTC)
    if as_utc > now:
        errors.add(
            "published_at",
            "must not be in the future (to publish later, send publish_at and status scheduled)",
        )
    return as_utc


def publish_at(errors: Collector, value: datetime, now: datetime) -> datetime:
    """A future instant with an offset, before the documented end, returned in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        errors.add("publish_at", "must include a UTC offset, e.g. 2023-10-12T14:00:00+02:00")
        return value
    if not value < LATEST_PUBLISHED_AT:
        errors.add("publish_at", f"must be before {LATEST_PUBLISHED_AT.isoformat()}")
        return value
    as_utc = value.astimezone(UTC)
    if as_utc <= now:
        errors.add("publish_at", "must be in the future; to publish now, send status published")
    return as_utc


def email(errors: Collector, value: str) -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > MAX_EMAIL or not EMAIL_PATTERN.match(cleaned):
        errors.add("email", f"must be an e-mail address (got {value!r})")
    return cleaned


def unknown_fields(errors: Collector, given: Iterable[str], allowed: Iterable[str]) -> None:
    allowed_set = set(allowed)
    for name in given:
        if name not in allowed_set:
            errors.add(name, "is not a known field")
