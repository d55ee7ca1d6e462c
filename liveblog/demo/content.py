"""The demo's blogs and entries, read from ``content.json`` beside this module.

Entries are placed relative to the moment of seeding (``minutes_ago``), so the demo always
looks live. Everything in the file is invented: places, people, organisations and events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from liveblog.demo.picture import PICTURES

_T = TypeVar("_T")


@dataclass(frozen=True)
class DemoPhoto:
    """A photo shown after an entry's text: one of :data:`liveblog.demo.picture.PICTURES`,
    uploaded like an editor's photo when the demo is seeded."""

    picture: str
    alt: str
    credit: str
    caption: str | None = None


@dataclass(frozen=True)
class DemoEntry:
    minutes_ago: int
    body: str
    headline: str | None = None
    key_event: bool = False
    pinned: bool = False
    source: str | None = None
    authors: tuple[str, ...] = ()
    """E-mail addresses of the blog's demo authors (the byline); empty: the demo admin."""
    unverified: bool = False
    photo: DemoPhoto | None = None


@dataclass(frozen=True)
class DemoAuthor:
    """An invented reporter: a user made for the demo, a contributor of the blog."""

    email: str
    name: str


@dataclass(frozen=True)
class DemoBlog:
    slug: str
    title: str
    summary: str
    language: str
    timezone: str
    entries: tuple[DemoEntry, ...]
    show_authors: bool = False
    """Readers see the entries' bylines."""
    authors: tuple[DemoAuthor, ...] = ()


class ContentError(ValueError):
    """``content.json`` does not have the expected shape."""


def load_content(text: str | None = None) -> tuple[DemoBlog, ...]:
    """The demo blogs, from ``text`` or else the packaged ``content.json``."""
    if text is None:
        text = resources.files("liveblog.demo").joinpath("content.json").read_text(encoding="utf-8")
    data = json.loads(text)
    try:
        return tuple(_blog(raw) for raw in data["blogs"])
    except (KeyError, TypeError) as exc:
        raise ContentError(f"demo content is malformed: {exc!r}") from exc


def _blog(raw: dict[str, Any]) -> DemoBlog:
    entries = tuple(_entry(item) for item in raw["entries"])
    # Seeding writes them in this order, so ids ascend with publication time.
    entries = tuple(sorted(entries, key=lambda e: -e.minutes_ago))
    return DemoBlog(
        slug=_typed(raw, "slug", str),
        title=_typed(raw, "title", str),
        summary=_typed(raw, "summary", str),
        language=_typed(raw, "language", str),
        timezone=_typed(raw, "timezone", str),
        entries=entries,
        show_authors=raw.get("show_authors", False) is True,
        authors=tuple(
            DemoAuthor(_typed(a, "email", str), _typed(a, "name", str))
            for a in raw.get("authors", [])
        ),
    )


def _entry(raw: dict[str, Any]) -> DemoEntry:
    minutes_ago = _typed(raw, "minutes_ago", int)
    if minutes_ago < 1:
        raise ContentError("minutes_ago must be at least 1: demo entries lie in the past")
    return DemoEntry(
        minutes_ago=minutes_ago,
        body=_typed(raw, "body", str),
        headline=_optional(raw, "headline"),
        key_event=raw.get("key_event", False) is True,
        pinned=raw.get("pinned", False) is True,
        source=_optional(raw, "source"),
        authors=_emails(raw),
        unverified=raw.get("unverified", False) is True,
        photo=_photo(raw.get("photo")),
    )


def _photo(raw: Any) -> DemoPhoto | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ContentError("photo must be an object")
    picture = _typed(raw, "picture", str)
    if picture not in PICTURES:
        raise ContentError(f"photo: no picture named {picture!r}")
    return DemoPhoto(
        picture=picture,
        alt=_typed(raw, "alt", str),
        credit=_typed(raw, "credit", str),
        caption=_optional(raw, "caption"),
    )


def _emails(raw: dict[str, Any]) -> tuple[str, ...]:
    """An entry's ``authors``: e-mail addresses of the blog's demo authors."""
    value = raw.get("authors", [])
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ContentError(f"authors must be a list of e-mail addresses, not {value!r}")
    return tuple(value)


def _typed(raw: dict[str, Any], key: str, kind: type[_T]) -> _T:
    value = raw[key]
    if not isinstance(value, kind):
        raise ContentError(f"{key} must be a {kind.__name__}, not {value!r}")
    return value


def _optional(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ContentError(f"{key} must be a string or absent, not {value!r}")
    return value
