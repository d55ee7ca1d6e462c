"""The demo's blogs and entries, read from ``content.json`` beside this module.

Entries are placed relative to the moment of seeding (``minutes_ago``), so the demo always
looks live. Everything in the file is invented: places, people, organisations and events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class DemoEntry:
    minutes_ago: int
    body: str
    headline: str | None = None
    key_event: bool = False
    pinned: bool = False
    source: str | None = None


@dataclass(frozen=True)
class DemoBlog:
    slug: str
    title: str
    summary: str
    language: str
    timezone: str
    entries: tuple[DemoEntry, ...]


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
    )


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
