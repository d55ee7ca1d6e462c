"""The rows an import writes (:mod:`liveblog.actions.imports`), in bulk: entries with the ids
their document gives them, revisions, bylines, events, accounts for users the site does not
know, and, for an import that replaces a blog, the removal of the blog's content.

Entries keep their ids (their permalinks and feed ids): PostgreSQL's id sequence does not see
ids written explicitly, so :func:`sync_entry_ids` moves it past them, and :func:`lock_entries`
keeps other writers from taking an id from the sequence meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from liveblog.domain.models import Entry, EntryStatus, Role
from liveblog.storage.entries import entry_from_row
from liveblog.storage.tables import (
    desk_presence,
    entries,
    entry_authors,
    entry_revisions,
    events,
    memberships,
    users,
)

UNUSABLE_HASH = "!"
"""The password hash of an account an import makes: no password matches it (it is no argon2
hash), until ``liveblog user set-password`` gives the user one."""
_CHUNK = 1000
"""Ids per ``IN (...)``: well within SQLite's and PostgreSQL's limits on parameters."""


def lock_entries(conn: Connection) -> None:
    """PostgreSQL: until the commit, no other transaction inserts an entry (it would take an
    id from the sequence that an imported entry may have). SQLite's write lock does this
    already."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE entries IN SHARE ROW EXCLUSIVE MODE"))


def sync_entry_ids(conn: Connection) -> None:
    """PostgreSQL: move the entries' id sequence past the largest id (never back)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite gives a new row the largest id plus one
    conn.execute(
        text(
            "SELECT setval(CAST(s.seq AS regclass), GREATEST("
            "(SELECT COALESCE(MAX(id), 1) FROM entries), "
            "COALESCE(pg_sequence_last_value(CAST(s.seq AS regclass)), 1))) "
            "FROM (SELECT pg_get_serial_sequence('entries', 'id') AS seq) AS s"
        )
    )


def taken_ids(conn: Connection, entry_ids: Sequence[int]) -> list[int]:
    """Those of ``entry_ids`` that entries already have, smallest first."""
    wanted = sorted(set(entry_ids))
    found: list[int] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += conn.execute(select(entries.c.id).where(entries.c.id.in_(chunk))).scalars()
    return sorted(int(i) for i in found)


def seen_by_readers(conn: Connection, blog_id: int) -> list[Entry]:
    """The blog's entries readers may have seen (published ones, deleted or not), by id."""
    rows = conn.execute(
        select(entries)
        .where(entries.c.blog_id == blog_id, entries.c.status == EntryStatus.PUBLISHED.value)
        .order_by(entries.c.id)
    ).mappings()
    return [entry_from_row(row) for row in rows]


def entries_of(conn: Connection, blog_id: int) -> list[Entry]:
    """Every row of the blog's entries, by id."""
    rows = conn.execute(
        select(entries).where(entries.c.blog_id == blog_id).order_by(entries.c.id)
    ).mappings()
    return [entry_from_row(row) for row in rows]


def clear_blog(conn: Connection, blog_id: int) -> None:
    """Remove the blog's content but keep its row (its id, its event counter): entries with
    their revisions, bylines and idempotency keys (cascading), events, members, presence."""
    conn.execute(delete(entries).where(entries.c.blog_id == blog_id))
    conn.execute(delete(events).where(events.c.blog_id == blog_id))
    conn.execute(delete(memberships).where(memberships.c.blog_id == blog_id))
    conn.execute(delete(desk_presence).where(desk_presence.c.blog_id == blog_id))


def insert_disabled_user(
    conn: Connection, email: str, display_name: str, language: str, now: datetime
) -> int:
    """An account for a user the site does not know: disabled, without a usable password."""
    return int(
        conn.execute(
            insert(users)
            .values(
                email=email,
                role=Role.USER.value,
                password_hash=UNUSABLE_HASH,
                created_at=now,
                display_name=display_name,
                language=language,
                disabled_at=now,
            )
            .returning(users.c.id)
        ).scalar_one()
    )


def insert_entries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Entry rows with their ids."""
    if rows:
        conn.execute(insert(entries), rows)


def insert_rows(
    conn: Connection, revisions: list[dict[str, Any]], authors: list[dict[str, Any]]
) -> None:
    """Revision rows and byline rows."""
    if revisions:
        conn.execute(insert(entry_revisions), revisions)
    if authors:
        conn.execute(insert(entry_authors), authors)


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Event rows, numbered by the caller (``blogs.last_seq`` is set with the blog's row)."""
    if rows:
        conn.execute(insert(events), rows)
