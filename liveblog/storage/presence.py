"""Desk presence rows (``desk_presence``): one per open desk page (*client*) of a user in a
blog, with its last sign of life and the entry it marks as being edited. The rules are
:mod:`liveblog.domain.presence`; :mod:`liveblog.actions.presence` is the only writer.

Also here: :func:`queue_mark`, what the desk streams compare to learn that a blog's queue may
have changed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from liveblog.domain.models import EntryStatus
from liveblog.domain.presence import Sign
from liveblog.storage.tables import audit_log, desk_presence, entries, users
from liveblog.storage.users import user_from_row

_USER = (
    users.c.id,
    users.c.email,
    users.c.role,
    users.c.created_at,
    users.c.display_name,
    users.c.language,
    users.c.disabled_at,
)


def signs(conn: Connection, blog_id: int, since: datetime) -> list[Sign]:
    """The blog's clients seen at ``since`` or later, of users not disabled."""
    p = desk_presence.c
    rows = conn.execute(
        select(p.client, p.seen_at, p.entry_id, p.editing_at, *_USER)
        .join(users, users.c.id == p.user_id)
        .where(p.blog_id == blog_id, p.seen_at >= since, users.c.disabled_at.is_(None))
        .order_by(p.user_id, p.client)
    )
    found = []
    for row in rows.mappings():
        user = user_from_row(row)
        found.append(
            Sign(
                user.id,
                user.name,
                row["client"],
                row["seen_at"],
                row["entry_id"],
                row["editing_at"],
            )
        )
    return found


def _upsert(conn: Connection, values: dict[str, Any], changes: dict[str, Any]) -> None:
    """Insert the row, or change ``changes`` of the one with its key (one statement, so two
    processes writing the same client at once cannot collide)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(desk_presence).values(values)
    keys = [desk_presence.c.blog_id, desk_presence.c.user_id, desk_presence.c.client]
    conn.execute(insert.on_conflict_do_update(index_elements=keys, set_=changes))


def seen(conn: Connection, blog_id: int, user_id: int, client: str, now: datetime) -> None:
    """The client shows life: its row's ``seen_at`` is ``now`` (its editing mark is kept)."""
    values = {"blog_id": blog_id, "user_id": user_id, "client": client, "seen_at": now}
    _upsert(conn, values, {"seen_at": now})


def seen_all(
    conn: Connection, blog_id: int, clients: Collection[tuple[int, str]], now: datetime
) -> None:
    """:func:`seen` for several clients (``(user_id, client)``) of one blog."""
    for user_id, client in sorted(clients):
        seen(conn, blog_id, user_id, client, now)


def mark(
    conn: Connection,
    blog_id: int,
    user_id: int,
    client: str,
    entry_id: int | None,
    now: datetime,
) -> None:
    """The client edits ``entry_id`` (``None``: nothing) as of ``now``; a client without a row
    gets one, seen ``now``."""
    editing = {"entry_id": entry_id, "editing_at": now if entry_id is not None else None}
    values = {"blog_id": blog_id, "user_id": user_id, "client": client, "seen_at": now, **editing}
    _upsert(conn, values, editing)


def gone(conn: Connection, blog_id: int, user_id: int, client: str, seen_at: datetime) -> int:
    """Delete the client's row if its ``seen_at`` is still the one its desk stream wrote (a
    newer one was written by a stream of the same page that reconnected meanwhile)."""
    p = desk_presence.c
    return int(
        conn.execute(
            delete(desk_presence).where(
                p.blog_id == blog_id, p.user_id == user_id, p.client == client, p.seen_at == seen_at
            )
        ).rowcount
    )


def keep_newest(conn: Connection, blog_id: int, user_id: int, count: int) -> int:
    """Delete all but the ``count`` most recently seen clients of the user in the blog."""
    p = desk_presence.c
    mine = (p.blog_id == blog_id, p.user_id == user_id)
    newest = select(p.client).where(*mine).order_by(p.seen_at.desc(), p.client).limit(count)
    kept = newest.scalar_subquery()
    return int(conn.execute(delete(desk_presence).where(*mine, p.client.not_in(kept))).rowcount)


def expire(conn: Connection, before: datetime) -> int:
    """Delete every row (of any blog) last seen before ``before``."""
    return int(conn.execute(delete(desk_presence).where(desk_presence.c.seen_at < before)).rowcount)


def queue_mark(conn: Connection, blog_id: int) -> str:
    """A value that changes whenever the blog's queue may have: its newest audit record (every
    change of an entry's status, a post, a deletion, a member's role writes one) and the sum of
    its unpublished entries' versions (an edit of a draft writes no audit record, but raises its
    entry's version). ``"812.35"``: equal marks, equal queues."""
    newest = select(func.max(audit_log.c.id)).where(audit_log.c.blog_id == blog_id)
    versions = select(func.coalesce(func.sum(entries.c.version), 0)).where(
        entries.c.blog_id == blog_id,
        entries.c.status != EntryStatus.PUBLISHED.value,
        entries.c.deleted_at.is_(None),
    )
    row = conn.execute(select(newest.scalar_subquery(), versions.scalar_subquery())).one()
    return f"{int(row[0] or 0)}.{int(row[1] or 0)}"
