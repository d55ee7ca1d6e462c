"""Idempotency keys of entry posts: the same key from the same user returns the same entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from liveblog.storage.tables import idempotency_keys


def find(conn: Connection, user_id: int, key: str, since: datetime) -> tuple[str, int] | None:
    """The request hash and entry id stored for this key, if it was used after ``since``."""
    row = conn.execute(
        select(idempotency_keys.c.request_hash, idempotency_keys.c.entry_id).where(
            idempotency_keys.c.user_id == user_id,
            idempotency_keys.c.key == key,
            idempotency_keys.c.created_at >= since,
        )
    ).first()
    return (row.request_hash, row.entry_id) if row else None


def store(
    conn: Connection, user_id: int, key: str, request_hash: str, entry_id: int, now: datetime
) -> None:
    """Remember the key (replacing an expired use of it)."""
    conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key
        )
    )
    conn.execute(
        insert(idempotency_keys).values(
            user_id=user_id, key=key, request_hash=request_hash, entry_id=entry_id, created_at=now
        )
    )


def forget_before(conn: Connection, user_id: int, before: datetime) -> int:
    """Delete the user's keys used before ``before`` (they no longer count): what one user's
    posts keep stays bounded by a day's posts."""
    return int(
        conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.user_id == user_id, idempotency_keys.c.created_at < before
            )
        ).rowcount
    )
