"""The event log: every change of a blog, numbered per blog, written with the change itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from liveblog.domain.models import Event, EventType
from liveblog.storage import blogs as blog_rows
from liveblog.storage.tables import events


def append(
    conn: Connection, blog_id: int, type_: EventType, payload: dict[str, Any], now: datetime
) -> Event:
    """Number and store one event in the caller's transaction."""
    return record(conn, blog_id, blog_rows.next_seq(conn, blog_id, now), type_, payload, now)


def record(
    conn: Connection,
    blog_id: int,
    seq: int,
    type_: EventType,
    payload: dict[str, Any],
    now: datetime,
) -> Event:
    """Store an event whose number the caller took with :func:`blogs.next_seq`."""
    conn.execute(
        insert(events).values(
            blog_id=blog_id, seq=seq, type=type_.value, payload=payload, created_at=now
        )
    )
    return Event(blog_id=blog_id, seq=seq, type=type_, payload=payload, created_at=now)


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


def count(conn: Connection, blog_id: int | None = None) -> int:
    query = select(func.count()).select_from(events)
    if blog_id is not None:
        query = query.where(events.c.blog_id == blog_id)
    return int(conn.execute(query).scalar_one())
