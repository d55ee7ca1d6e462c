"""Desk sessions, stored server-side: only the SHA-256 of a session id is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from liveblog.domain.models import User
from liveblog.storage.tables import sessions, users
from liveblog.storage.users import user_from_row


@dataclass(frozen=True)
class StoredSession:
    id_hash: str
    user: User
    csrf_token: str
    created_at: datetime
    seen_at: datetime


def insert_session(
    conn: Connection, id_hash: str, user_id: int, csrf_token: str, now: datetime
) -> None:
    conn.execute(
        insert(sessions).values(
            id_hash=id_hash, user_id=user_id, csrf_token=csrf_token, created_at=now, seen_at=now
        )
    )


def by_hash(conn: Connection, id_hash: str) -> StoredSession | None:
    """The session and its user (disabled users included: the caller checks)."""
    row = (
        conn.execute(
            select(
                users,
                sessions.c.id_hash,
                sessions.c.csrf_token,
                sessions.c.created_at.label("session_created_at"),
                sessions.c.seen_at,
            )
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.id_hash == id_hash)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return StoredSession(
        row["id_hash"],
        user_from_row(row),
        row["csrf_token"],
        row["session_created_at"],
        row["seen_at"],
    )


def touch(conn: Connection, id_hash: str, now: datetime) -> None:
    conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(seen_at=now))


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


def delete_sessions_of(conn: Connection, user_id: int, *, keep: str | None = None) -> int:
    """End every session of the user, but ``keep`` (a session's hash) if given."""
    query = delete(sessions).where(sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(sessions.c.id_hash != keep)
    return int(conn.execute(query).rowcount)


def keep_newest(conn: Connection, user_id: int, count: int) -> int:
    """Delete all but the user's ``count`` most recently used sessions."""
    newest = (
        select(sessions.c.id_hash)
        .where(sessions.c.user_id == user_id)
        .order_by(sessions.c.seen_at.desc(), sessions.c.created_at.desc())
        .limit(count)
    )
    return int(
        conn.execute(
            delete(sessions).where(
                sessions.c.user_id == user_id, sessions.c.id_hash.not_in(newest.scalar_subquery())
            )
        ).rowcount
    )
