"""Bylines (``entry_authors``): an entry's authors in order, with their display names.

The entry actions write them (:func:`put`); the reads that show entries (pages, the API, the
events' payloads) read the authors of all their entries in one query (:func:`with_authors`).
An entry without rows is by its poster (``entries.author_id``) alone: the usual byline costs
no row and no write. The rules of a byline are :mod:`liveblog.domain.bylines`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from sqlalchemy import Connection, and_, delete, insert, literal, or_, select, union_all

from liveblog.domain.models import Author, Entry, Role
from liveblog.storage.tables import entry_authors, memberships, users

_POSTER = -1
"""The ``position`` the poster's row has in :func:`authors_of`'s query (named ones count from 0)."""


def put(
    conn: Connection, entry_id: int, user_ids: Sequence[int], *, poster_id: int | None, new: bool
) -> None:
    """Make ``user_ids`` the entry's byline, in this order (``new``: the entry has no rows
    yet). The poster alone is stored as no rows."""
    if not new:
        conn.execute(delete(entry_authors).where(entry_authors.c.entry_id == entry_id))
    if list(user_ids) == [poster_id]:
        return
    conn.execute(
        insert(entry_authors),
        [
            {"entry_id": entry_id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(user_ids)
        ],
    )


def authors_of(conn: Connection, found: Sequence[Entry]) -> dict[int, tuple[Author, ...]]:
    """The byline of each of these entries, in one query: its named authors in order, else
    its poster; entries with neither (the poster's account deleted) are missing."""
    if not found:
        return {}
    named = (
        select(
            entry_authors.c.entry_id,
            entry_authors.c.position,
            users.c.id.label("user_id"),
            users.c.display_name,
        )
        .join(users, users.c.id == entry_authors.c.user_id)
        .where(entry_authors.c.entry_id.in_(sorted({e.id for e in found})))
    )
    posters = select(
        literal(0).label("entry_id"),
        literal(_POSTER).label("position"),
        users.c.id.label("user_id"),
        users.c.display_name,
    ).where(users.c.id.in_(sorted({e.author_id for e in found if e.author_id is not None})))
    own: dict[int, list[tuple[int, Author]]] = {}
    poster: dict[int, Author] = {}
    for row in conn.execute(union_all(named, posters)):
        author = Author(int(row.user_id), str(row.display_name or ""))
        if row.position == _POSTER:
            poster[author.id] = author
        else:
            own.setdefault(int(row.entry_id), []).append((int(row.position), author))
    bylines = {}
    for entry in found:
        if entry.id in own:
            bylines[entry.id] = tuple(a for _, a in sorted(own[entry.id], key=lambda r: r[0]))
        elif entry.author_id in poster:
            bylines[entry.id] = (poster[entry.author_id],)
    return bylines


def with_authors(conn: Connection, found: Sequence[Entry]) -> list[Entry]:
    """``found`` with each entry's ``authors`` (one query for all; tombstones need none)."""
    bylines = authors_of(conn, [e for e in found if not e.deleted])
    return [replace(e, authors=bylines[e.id]) if e.id in bylines else e for e in found]


def eligible(conn: Connection, blog_id: int, user_ids: Collection[int]) -> dict[int, Author]:
    """Those of ``user_ids`` who may be named in the blog's bylines: its members (any role)
    and the admins whose accounts are not disabled."""
    if not user_ids:
        return {}
    membership = and_(memberships.c.user_id == users.c.id, memberships.c.blog_id == blog_id)
    rows = conn.execute(
        select(users.c.id, users.c.display_name)
        .outerjoin(memberships, membership)
        .where(
            users.c.id.in_(sorted(set(user_ids))),
            or_(
                memberships.c.user_id.is_not(None),
                and_(users.c.role == Role.ADMIN.value, users.c.disabled_at.is_(None)),
            ),
        )
    )
    return {int(row.id): Author(int(row.id), str(row.display_name or "")) for row in rows}
