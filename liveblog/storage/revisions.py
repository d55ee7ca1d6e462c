"""An entry's history (``entry_revisions``): written by edits (:mod:`liveblog.actions.entries`),
read by members (the API's ``.../revisions`` and the desk's history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from liveblog.domain.models import Entry, Revision
from liveblog.storage import users as user_rows
from liveblog.storage.tables import entry_revisions, users


def record(
    conn: Connection,
    entry: Entry,
    *,
    editor_id: int | None,
    at: datetime,
    minor: bool,
) -> None:
    """Keep ``entry`` as it is now as its revision ``entry.revision``."""
    conn.execute(
        insert(entry_revisions).values(
            entry_id=entry.id,
            number=entry.revision,
            created_at=at,
            editor_id=editor_id,
            minor=minor,
            **_content(entry),
        )
    )


def history(conn: Connection, entry: Entry) -> list[Revision]:
    """``entry``'s revisions, oldest first; one never edited has one, its content as posted
    (the first edit writes it: posting does not)."""
    kept = of_entry(conn, entry.id)
    if kept:
        return kept
    author = user_rows.names(conn, [entry.author_id] if entry.author_id is not None else [])
    editor_id = entry.author_id if entry.author_id in author else None
    return [
        Revision(
            entry_id=entry.id,
            number=1,
            created_at=entry.published_at,
            editor_id=editor_id,
            editor_name=author.get(editor_id) if editor_id is not None else None,
            minor=False,
            **_content(entry),
        )
    ]


def _content(entry: Entry) -> dict[str, Any]:
    """What a revision keeps of an entry besides who and when."""
    return {
        "headline": entry.headline,
        "body": entry.body,
        "source": entry.source,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "published_at": entry.published_at,
        "correction": entry.correction,
        "unverified": entry.unverified,
    }


def of_entry(conn: Connection, entry_id: int) -> list[Revision]:
    """The revisions kept of the entry, oldest first, with each editor's name."""
    rows = conn.execute(
        select(entry_revisions, users.c.display_name, users.c.email)
        .select_from(entry_revisions.outerjoin(users, users.c.id == entry_revisions.c.editor_id))
        .where(entry_revisions.c.entry_id == entry_id)
        .order_by(entry_revisions.c.number)
    ).mappings()
    return [
        Revision(
            entry_id=row["entry_id"],
            number=row["number"],
            created_at=row["created_at"],
            editor_id=row["editor_id"],
            editor_name=_name(row["display_name"], row["email"]),
            headline=row["headline"],
            body=row["body"],
            source=row["source"],
            key_event=row["key_event"],
            pinned=row["pinned"],
            published_at=row["published_at"],
            correction=row["correction"],
            minor=row["minor"],
            unverified=row["unverified"],
        )
        for row in rows
    ]


def _name(display_name: str | None, email: str | None) -> str | None:
    """As :attr:`User.name <liveblog.domain.models.User.name>`; ``None`` for a deleted user."""
    if email is None:
        return None
    return display_name or email.split("@", 1)[0]
