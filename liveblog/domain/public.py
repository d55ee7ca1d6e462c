"""What readers get of an entry: one definition of its public fields, used by the API
(``EntryOut``, checked against this by a test), the ``entry`` of event payloads
(:func:`liveblog.domain.serialize.entry_payload`), the reader pages and live updates
(``EntryView``) and, later, feeds. A field added here is a field readers get everywhere;
one that readers must not see (the poster's id, the tombstone time) never comes here. The one
field readers get only sometimes is ``authors``: ``None`` (``null`` in the JSON) unless the
blog shows its bylines (``show_authors``; see :mod:`liveblog.domain.bylines`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liveblog.domain.models import Author, Entry


@dataclass(frozen=True)
class PublicEntry:
    """A visible entry as readers see it. The field order is the order of the JSON objects."""

    id: int
    """Unique across blogs; with ``version`` it makes the entry's ETag ``"id-version"``."""
    version: int
    """1 when posted, one more with every change."""
    headline: str | None
    """An optional single line above the text."""
    body: str
    """The text as written, in Markdown."""
    body_html: str
    """``body`` rendered by the server and sanitised to an allowlist: safe to put in a page."""
    key_event: bool
    """Part of the blog's summary of key events; the newest one with a headline is in the
    blog's headline."""
    pinned: bool
    """Kept at the top of the reader page (a blog has at most one)."""
    unverified: bool
    """Not independently verified: readers see a label saying so at the top of the entry
    (pages, live updates, feeds, structured data)."""
    source: str | None
    """An optional single line naming where the news comes from."""
    published_at: datetime
    """When the entry counts as published (UTC); it orders the timeline."""
    updated_at: datetime
    """When the entry last changed in any way (UTC): an edit, a minor one included, pinning."""
    edited_at: datetime | None
    """When an edit readers are told about last changed it (UTC): the reader's "updated"
    mark; ``None`` until then (minor edits, pinning and key-event changes do not count)."""
    correction: str | None
    """The newest correction note, shown under the entry; earlier ones stay in its history."""
    corrected_at: datetime | None
    """When ``correction`` was written (UTC)."""
    revision: int
    """How many versions of its content the entry's history holds (1 until it is edited)."""
    status: str
    """``published`` for everything readers get; members also see their ``draft``,
    ``submitted`` and ``scheduled`` entries in this shape."""
    publish_at: datetime | None
    """When a scheduled entry will be published (UTC); ``None`` otherwise."""
    authors: tuple[Author, ...] | None = None
    """The byline in order, each author's id and display name (empty when they set none);
    ``None`` where the blog does not show authors to readers."""

    @classmethod
    def of(cls, entry: Entry, *, authors: bool = True) -> PublicEntry:
        """The public fields of ``entry``, which must be visible (not a tombstone).
        ``authors=False`` leaves its byline out: public reads of a blog whose
        ``show_authors`` is off; members' answers and event payloads carry it."""
        return cls(
            id=entry.id,
            version=entry.version,
            headline=entry.headline,
            body=entry.body,
            body_html=entry.body_html,
            key_event=entry.key_event,
            pinned=entry.pinned,
            unverified=entry.unverified,
            source=entry.source,
            published_at=entry.published_at,
            updated_at=entry.updated_at,
            edited_at=entry.edited_at,
            correction=entry.correction,
            corrected_at=entry.corrected_at,
            revision=entry.revision,
            status=entry.status.value,
            publish_at=entry.publish_at,
            authors=entry.authors if authors else None,
        )
