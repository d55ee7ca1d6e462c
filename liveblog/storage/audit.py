"""The audit log: who did what in a blog, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from liveblog.domain.models import AuditRecord
from liveblog.storage.tables import audit_log, users


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
    conn.execute(
        insert(audit_log).values(
            blog_id=blog_id,
            action=action,
            actor_id=actor_id,
            entry_id=entry_id,
            detail=detail or {},
            created_at=now,
        )
    )


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
