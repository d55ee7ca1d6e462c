"""The public JSON shape of blogs and entries, shared by the API and event payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liveblog.domain.models import Blog, Entry


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
    }


def entry_payload(entry: Entry) -> dict[str, Any]:
    if entry.deleted:
        assert entry.deleted_at is not None
        return {"id": entry.id, "version": entry.version, "deleted_at": rfc3339(entry.deleted_at)}
    return {
        "id": entry.id,
        "version": entry.version,
        "headline": entry.headline,
        "body": entry.body,
        "body_html": entry.body_html,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "source": entry.source,
        "published_at": rfc3339(entry.published_at),
        "updated_at": rfc3339(entry.updated_at),
    }


def entry_from_payload(blog_id: int, payload: dict[str, Any]) -> Entry:
    """The entry an event payload describes (a visible entry: deleted ones carry no content)."""
    return Entry(
        id=payload["id"],
        blog_id=blog_id,
        headline=payload["headline"],
        body=payload["body"],
        body_html=payload["body_html"],
        key_event=payload["key_event"],
        pinned=payload["pinned"],
        source=payload["source"],
        published_at=datetime.fromisoformat(payload["published_at"]),
        updated_at=datetime.fromisoformat(payload["updated_at"]),
        version=payload["version"],
        deleted_at=None,
        author_id=None,
    )
