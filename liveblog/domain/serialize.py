"""The public JSON shape of blogs and entries, shared by the API and event payloads. An entry's
fields are :class:`~liveblog.domain.public.PublicEntry`'s, with times as RFC 3339 and its
byline as ``authors: [{"id", "name"}]`` (``null`` where it is not shown)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, get_type_hints

from liveblog.domain.models import Author, Blog, Entry
from liveblog.domain.public import PublicEntry

_PUBLIC_FIELDS = tuple(f.name for f in fields(PublicEntry))
_OPTIONAL = frozenset({"authors"})
"""Fields that payloads stored before they existed lack."""
_MISSING_MEANS: dict[str, Any] = {"unverified": False}
"""Fields that payloads stored before they existed lack, with the value that means then."""
_PUBLIC_TIMES = frozenset(
    name
    for name, hint in get_type_hints(PublicEntry).items()
    if hint in (datetime, datetime | None)
)


def rfc3339(value: datetime) -> str:
    """UTC instant as RFC 3339 with an explicit offset, e.g. ``2023-10-12T03:15:00+00:00``."""
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def blog_payload(blog: Blog) -> dict[str, Any]:
    return {
        "slug": blog.slug,
        "title": blog.title,
        "summary": blog.summary,
        "language": blog.language,
        "timezone": blog.timezone,
        "status": blog.status.value,
        "created_at": rfc3339(blog.created_at),
        "updated_at": rfc3339(blog.updated_at),
        "version": blog.last_seq,
        "show_authors": blog.show_authors,
        "embed_origins": list(blog.embed_origins),
        "closing_note": blog.closing_note,
        "closed_at": rfc3339(blog.closed_at) if blog.closed_at else None,
    }


def public_entry_json(entry: PublicEntry) -> dict[str, Any]:
    """``entry``'s fields in order, times as RFC 3339: the JSON readers get."""
    json: dict[str, Any] = {}
    for name in _PUBLIC_FIELDS:
        value = getattr(entry, name)
        if name == "authors" and value is not None:
            json[name] = [{"id": a.id, "name": a.name} for a in value]
            continue
        json[name] = rfc3339(value) if name in _PUBLIC_TIMES and value is not None else value
    return json


def entry_payload(entry: Entry, *, authors: bool = True) -> dict[str, Any]:
    """The entry as the API answers it and events carry it; a deleted one as its tombstone.
    ``authors=False``: without its byline (a public read where the blog does not show it)."""
    if entry.deleted:
        assert entry.deleted_at is not None
        return {"id": entry.id, "version": entry.version, "deleted_at": rfc3339(entry.deleted_at)}
    return public_entry_json(PublicEntry.of(entry, authors=authors))


def entry_from_payload(payload: dict[str, Any]) -> PublicEntry:
    """The entry an event payload describes (a visible entry: deleted ones carry no content)."""
    payload = {**_MISSING_MEANS, **payload}
    values: dict[str, Any] = {
        name: payload[name] for name in _PUBLIC_FIELDS if name in payload or name not in _OPTIONAL
    }
    for name in _PUBLIC_TIMES:
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    if values.get("authors") is not None:
        values["authors"] = tuple(Author(int(a["id"]), str(a["name"])) for a in values["authors"])
    return PublicEntry(**values)
