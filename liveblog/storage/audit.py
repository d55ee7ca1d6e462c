"""The audit log: who did what in a blog, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.sql.dml import Insert

from liveblog.domain.models import AuditRecord
from liveblog.storage.tables import audit_log, users


@cache
def _insert() -> Insert:
    """The record insert, built once (its columns come with the parameters)."""
    return insert(audit_log)


def row(
    blog_id: int,
    action: str,
    actor_id: int | None,
    now: datetime,
    *,
    entry_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A record's column values, for :func:`record` or ``events.record(..., audit=...)``."""
    return {
        "blog_id": blog_id,
        "action": action,
        "actor_id": actor_id,
        "entry_id": entry_id,
        "detail": detail or {},
        "created_at": now,
    }


def record(
    conn: Connection,
    blog_id: int,
    action: str,
    actor_id: int | None,
    now: datetime,
    *,
    entry_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    insert_row(conn, row(blog_id, action, actor_id, now, entry_id=entry_id, detail=detail))


def insert_row(conn: Connection, values: dict[str, Any]) -> None:
    """Store a record made by :func:`row`."""
    conn.execute(_insert(), values)


def newest_first(
    conn: Connection, blog_id: int, *, limit: int, before_id: int | None = None
) -> list[AuditRecord]:
    """Up to ``limit`` records of the blog, newest first, older than ``before_id`` if given."""
    name = users.c.display_name
    query = (
        select(audit_log, users.c.email, name.label("display_name"))
        .outerjoin(users, users.c.id == audit_log.c.actor_id)
        .where(audit_log.c.blog_id == blog_id)
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [
        AuditRecord(
            id=r["id"],
            blog_id=r["blog_id"],
            action=r["action"],
            actor_id=r["actor_id"],
            actor_name=(r["display_name"] or r["email"].split("@", 1)[0]) if r["email"] else None,
            entry_id=r["entry_id"],
            detail=r["detail"],
            created_at=r["created_at"],
        )
        for r in conn.execute(query).mappings()
    ]
