"""Turns the event log into SSE frames and polling JSON: each event is encoded once, with the
entry's rendered ``<article>`` and the page header as it is after the event, so a reader's page
never has to fetch anything to apply it.

Each event is encoded on its own: one that cannot be (a row no version of this code could
show) is logged and replaced by a placeholder with its number, so the numbers readers get stay
consecutive and the events after it still arrive. The placeholder is an SSE comment with the
event's ``id:`` (browsers then resume after it) and ``{"seq": N, "type": "skipped"}`` in polls.

Entry events are stored with the entry's byline (``authors``); readers get it, in the JSON and
the ``<article>``, only while the blog's ``show_authors`` is on, as the blog is when the frame
is encoded.

A blog event that leaves the blog closed (``blog.closed``, or a change while it stays closed)
makes a frame with an ``ending`` (:func:`liveblog.web.live.sse.end_message`): the hub ends the
readers' streams after it (:mod:`liveblog.pubsub.hub`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from liveblog.domain.models import Blog, BlogStatus, Event, EventType
from liveblog.domain.serialize import entry_from_payload, public_entry_json
from liveblog.pubsub.hub import Frame
from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from liveblog.storage.database import Database
from liveblog.web.live.sse import HEARTBEAT, encode, end_message
from liveblog.web.reader import pages

log = logging.getLogger("liveblog.live")

SKIPPED = "skipped"
"""The ``type`` of a placeholder for an event that could not be encoded."""
_ENTRY_EVENTS = frozenset(
    {
        EventType.ENTRY_CREATED,
        EventType.ENTRY_UPDATED,
        EventType.ENTRY_PINNED,
        EventType.ENTRY_UNPINNED,
    }
)


def page_state(header: pages.Header, version: int) -> dict[str, Any]:
    """What the top of the page shows after an event: headline, dateline, title."""
    return {
        "version": version,
        "headline": header.display_headline,
        "title": header.headline,
        "stand": header.stand,
        "stand_datetime": header.stand_datetime,
        "day": header.day,
        "closed": header.closed,
        "closing_note": header.closing_note,
        "ended": header.ended,
        "ended_datetime": header.ended_datetime,
        "teaser": header.teaser,
    }


def event_data(blog: Blog, header: pages.Header, event: Event, version: int) -> dict[str, Any]:
    """The JSON of one event for readers (SSE ``data:`` and the polling API)."""
    data: dict[str, Any] = {"seq": event.seq, "type": event.type.value, **event.payload}
    if event.type in _ENTRY_EVENTS:
        entry = entry_from_payload(event.payload["entry"])
        if not blog.show_authors:
            entry = replace(entry, authors=None)
        data["entry"] = public_entry_json(entry)
        view = pages.entry_view(entry, blog, header)
        data["html"] = pages.entry_article_html(view, blog.language, fold=True)
    data["page"] = page_state(header, version)
    return data


def read_events(conn: Connection, blog: Blog, after: int, limit: int) -> list[dict[str, Any]]:
    """Events after ``after`` as reader JSON; the header is computed once for the batch."""
    return describe(conn, blog, event_log.after(conn, blog.id, after, limit))


def describe(conn: Connection, blog: Blog, events: Sequence[Event]) -> list[dict[str, Any]]:
    """``events`` as reader JSON; the header is computed once for the batch. An event that
    cannot be described becomes ``{"seq": N, "type": "skipped"}``."""
    if not events:
        return []
    header = pages.header_for(conn, blog)
    described = []
    for event in events:
        try:
            described.append(event_data(blog, header, event, blog.last_seq))
        except Exception:
            _log_skipped(blog.id, event.seq)
            described.append({"seq": event.seq, "type": SKIPPED})
    return described


def skipped_frame(seq: int) -> Frame:
    """The placeholder for event ``seq``: no message, but readers' Last-Event-ID moves past it."""
    return Frame(seq, f"id: {seq}\n: event {seq} could not be encoded\n\n".encode())


def frame(blog: Blog, header: pages.Header, event: Event) -> Frame:
    """One event as an SSE frame, or its placeholder if it cannot be encoded."""
    try:
        data = event_data(blog, header, event, blog.last_seq)
        encoded = encode(event.seq, event.type.value, data)
        entry = event.payload.get("entry")
        entry_id = entry["id"] if entry is not None else None
        ending = end_message(event.seq) if leaves_closed(event) else b""
    except Exception:
        _log_skipped(blog.id, event.seq)
        return skipped_frame(event.seq)
    return Frame(event.seq, encoded, entry_id, event.type in event_log.SUPERSEDING, ending)


def leaves_closed(event: Event) -> bool:
    """Whether the blog is closed after ``event`` (blog events carry the blog as they left it;
    entries never change while a blog is closed)."""
    blog = event.payload.get("blog")
    return isinstance(blog, dict) and blog.get("status") == BlogStatus.CLOSED.value


def _log_skipped(blog_id: int, seq: int) -> None:
    log.exception("event %s of blog %s cannot be encoded; readers skip it", seq, blog_id)


EventPicker = Callable[[Connection], Sequence[Event]]


class LogFrames:
    """The hub's :class:`~liveblog.pubsub.hub.FrameSource` on the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def frames_after(self, blog_id: int, after: int, limit: int) -> list[Frame]:
        return self._encode(blog_id, lambda conn: event_log.after(conn, blog_id, after, limit))

    def frames_for(self, blog_id: int, events: Sequence[Event]) -> list[Frame]:
        """Frames of events a commit just wrote, without reading them back from the log (the
        page state comes from one read, as for :meth:`frames_after`)."""
        return self._encode(blog_id, lambda conn: events)

    @staticmethod
    def frames_in(conn: Connection, blog: Blog, events: Sequence[Event]) -> list[Frame]:
        """Frames of ``events`` in the transaction that writes them (``conn``; ``blog`` as the
        transaction leaves it): the page state comes from the rows just written, no second
        transaction."""
        header = pages.header_for(conn, blog)
        return [frame(blog, header, e) for e in events]

    def _encode(self, blog_id: int, events_of: EventPicker) -> list[Frame]:
        """The events ``events_of`` picks, encoded with the page state of the same snapshot."""
        with self.db.read() as conn:
            blog = blog_rows.by_id(conn, blog_id)
            if blog is None:
                return []
            events = events_of(conn)
            if not events:
                return []
            header = pages.header_for(conn, blog)
        return [frame(blog, header, e) for e in events]

    def heads(self, blog_ids: Collection[int]) -> dict[int, int]:
        with self.db.read() as conn:
            return blog_rows.heads(conn, blog_ids)

    def ending(self, blog_id: int) -> bytes:
        """The hub's ``ending_of``: the end of a closed blog's streams, ``b""`` while open."""
        with self.db.read() as conn:
            blog = blog_rows.by_id(conn, blog_id)
        return end_message(blog.last_seq) if blog is not None and not blog.is_open else b""

    def reset_frame(self, blog_id: int, head: int, reason: str) -> Frame:
        return Frame(head, encode(head, "reset", {"seq": head, "reason": reason}))

    @property
    def heartbeat(self) -> bytes:
        return HEARTBEAT
