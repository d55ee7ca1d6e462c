"""The event log: every change of a blog, numbered per blog, written with the change itself.

The log keeps each event's number and order, not every text an entry once had: when an entry is
edited, its earlier events are rewritten to carry it as it is now, and when it is deleted they
all become ``entry.deleted`` tombstones (:func:`supersede`). Applying the log still ends in the
same state, and no replay or poll shows text that was changed or deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from liveblog.domain.models import Event, EventType
from liveblog.storage import blogs as blog_rows
from liveblog.storage.tables import events


def append(
    conn: Connection,
    blog_id: int,
    type_: EventType,
    payload: dict[str, Any],
    now: datetime,
    *,
    actor_id: int | None = None,
) -> Event:
    """Number and store one event in the caller's transaction."""
    seq = blog_rows.next_seq(conn, blog_id, now)
    return record(conn, blog_id, seq, type_, payload, now, actor_id=actor_id)


def record(
    conn: Connection,
    blog_id: int,
    seq: int,
    type_: EventType,
    payload: dict[str, Any],
    now: datetime,
    *,
    actor_id: int | None = None,
) -> Event:
    """Store an event whose number the caller took with :func:`blogs.next_seq`; ``actor_id``
    is the user who made the change."""
    entry = payload.get("entry")
    conn.execute(
        insert(events).values(
            blog_id=blog_id,
            seq=seq,
            type=type_.value,
            payload=payload,
            created_at=now,
            entry_id=entry["id"] if entry is not None else None,
            actor_id=actor_id,
        )
    )
    return Event(blog_id=blog_id, seq=seq, type=type_, payload=payload, created_at=now)


SUPERSEDING = frozenset({EventType.ENTRY_UPDATED, EventType.ENTRY_DELETED})
"""Events that rewrite the entry's earlier ones. Pinning and unpinning change no text (the
earlier events already carry the entry's text as of its last edit), so they rewrite nothing."""


def supersede(conn: Connection, event: Event) -> None:
    """In the writer's transaction, after ``event`` was stored: if it edits an entry, the
    entry's earlier events carry its payload from now on; if it deletes one, they all become
    ``entry.deleted`` with its tombstone. They keep their numbers and, unless deleted, their
    types. Other events (a new entry, a pin) rewrite nothing and cost no statement."""
    if event.type not in SUPERSEDING:
        return
    values: dict[str, Any] = {"payload": event.payload}
    if event.type is EventType.ENTRY_DELETED:
        values["type"] = event.type.value
    conn.execute(
        update(events)
        .where(
            events.c.blog_id == event.blog_id,
            events.c.entry_id == event.payload["entry"]["id"],
            events.c.seq < event.seq,
        )
        .values(values)
    )


def after(conn: Connection, blog_id: int, seq: int, limit: int = 1000) -> list[Event]:
    """Events of the blog with a number above ``seq``, oldest first."""
    rows = conn.execute(
        select(events)
        .where(events.c.blog_id == blog_id, events.c.seq > seq)
        .order_by(events.c.seq)
        .limit(limit)
    ).mappings()
    return [
        Event(
            blog_id=r["blog_id"],
            seq=r["seq"],
            type=EventType(r["type"]),
            payload=r["payload"],
            created_at=r["created_at"],
        )
        for r in rows
    ]
