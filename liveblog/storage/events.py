"""The event log: every change of a blog, numbered per blog, written with the change itself.

The log keeps each event's number and order, not every text an entry once had: when an entry is
edited, its earlier events are rewritten to carry it as it is now, and when it is deleted they
all become ``entry.deleted`` tombstones (:func:`supersede`). Applying the log still ends in the
same state, and no replay or poll shows text that was changed or deleted.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.sql.dml import Insert

from liveblog.domain.models import Event, EventType
from liveblog.storage import audit as audit_rows
from liveblog.storage import blogs as blog_rows
from liveblog.storage.tables import audit_log, events


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


@cache
def _insert() -> Insert:
    """The event insert, built once (its columns come with the parameters)."""
    return insert(events)


_EVENT_COLUMNS = ("blog_id", "seq", "type", "payload", "created_at", "entry_id", "actor_id")
_AUDIT_COLUMNS = ("blog_id", "action", "actor_id", "entry_id", "detail", "created_at")


@cache
def _insert_with_audit() -> Insert:
    """PostgreSQL: the event and its audit record in one statement (one round trip fewer per
    change), the event's insert as a data-modifying CTE."""
    event = (
        insert(events)
        .values({c: bindparam(f"e_{c}", type_=events.c[c].type) for c in _EVENT_COLUMNS})
        .cte("new_event")
    )
    values = {c: bindparam(f"a_{c}", type_=audit_log.c[c].type) for c in _AUDIT_COLUMNS}
    return insert(audit_log).values(values).add_cte(event)


def record(
    conn: Connection,
    blog_id: int,
    seq: int,
    type_: EventType,
    payload: dict[str, Any],
    now: datetime,
    *,
    actor_id: int | None = None,
    audit: dict[str, Any] | None = None,
) -> Event:
    """Store an event whose number the caller took with :func:`blogs.next_seq`; ``actor_id``
    is the user who made the change; ``audit``, a record made by ``storage.audit.row``, is
    stored with it (on PostgreSQL in the same statement)."""
    entry = payload.get("entry")
    values = {
        "blog_id": blog_id,
        "seq": seq,
        "type": type_.value,
        "payload": payload,
        "created_at": now,
        "entry_id": entry["id"] if entry is not None else None,
        "actor_id": actor_id,
    }
    if audit is not None and conn.dialect.name == "postgresql":
        both = {f"e_{k}": v for k, v in values.items()}
        both.update({f"a_{k}": audit[k] for k in _AUDIT_COLUMNS})
        conn.execute(_insert_with_audit(), both)
    else:
        conn.execute(_insert(), values)
        if audit is not None:
            audit_rows.insert_row(conn, audit)
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
