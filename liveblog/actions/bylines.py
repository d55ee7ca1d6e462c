"""Bylines on the write path: the ``authors`` of a post or an edit, checked and written, and
the byline every entry the entry actions write or put into an event carries.

A post without ``authors`` is by its poster (no query, no row); an edit without them keeps the
byline. ``authors`` is a list of user ids (:func:`liveblog.domain.bylines.author_ids`), checked
in the write's transaction against the blog's members and the admins (422 naming ``authors``
otherwise). An edit handles ``authors`` as a value among the entry's others, a tuple of
:class:`~liveblog.domain.models.Author`, so "what changed" compares it like any field: a new
byline of a published entry is an edit (``entry.updated``, so live readers get the new byline
and earlier events are rewritten), with a new version but no revision of its own (the history
keeps the content: headline, body, source, flags, correction) and no "updated" mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from liveblog.domain import bylines as byline_rules
from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.domain.models import Author, Blog, Entry, User
from liveblog.domain.rules import Collector
from liveblog.storage import bylines as byline_rows
from liveblog.storage import entries as entry_rows

FIELD = byline_rules.FIELD


def asked(
    errors: Collector, given: Mapping[str, Any], *, optional: bool = False
) -> dict[str, list[int]]:
    """``{"authors": ids}`` if ``given`` (an edit's changes or a post's fields) names a byline,
    checked for shape; else nothing. ``optional`` (a post): ``None`` asks for none."""
    if FIELD not in given or (optional and given[FIELD] is None):
        return {}
    return {FIELD: byline_rules.author_ids(errors, given[FIELD])}


def resolved(conn: Connection, blog: Blog, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with their ``authors`` ids (if any) as the blog's :class:`Author`\\s, in
    order; 422 naming ``authors`` for a user who is neither a member nor an admin."""
    if FIELD not in values:
        return values
    ids: list[int] = values[FIELD]
    found = byline_rows.eligible(conn, blog.id, ids)
    problem = byline_rules.not_eligible(ids, found)
    if problem is not None:
        raise InvalidInput([FieldError(FIELD, problem)])
    return {**values, FIELD: tuple(found[user_id] for user_id in ids)}


def of_post(conn: Connection, blog: Blog, actor: User, ids: list[int] | None) -> tuple[Author, ...]:
    """The byline of a new entry: the authors asked for, else the poster."""
    if ids is None:
        return (Author(actor.id, actor.display_name),)
    return tuple(resolved(conn, blog, {FIELD: ids})[FIELD])


def posted(conn: Connection, entry: Entry, byline: tuple[Author, ...]) -> Entry:
    """``entry``, just inserted, with ``byline`` stored and carried."""
    ids = [a.id for a in byline]
    byline_rows.put(conn, entry.id, ids, poster_id=entry.author_id, new=True)
    return replace(entry, authors=byline)


def loaded(conn: Connection, entry: Entry) -> Entry:
    """``entry`` (a row read by a writer) with its byline."""
    return byline_rows.with_authors(conn, [entry])[0]


def update(conn: Connection, current: Entry, values: dict[str, Any]) -> Entry:
    """Write ``values`` to ``current``'s row, its ``authors`` (if there) to its byline; the
    entry as it is then, byline included (``current`` must carry its own)."""
    columns = {k: v for k, v in values.items() if k != FIELD}
    entry = entry_rows.update_entry(conn, current.id, columns)
    if FIELD not in values:
        return replace(entry, authors=current.authors)
    byline: tuple[Author, ...] = values[FIELD]
    byline_rows.put(conn, entry.id, [a.id for a in byline], poster_id=entry.author_id, new=False)
    return replace(entry, authors=byline)


def hashed(text: dict[str, Any], ids: list[int] | None) -> dict[str, Any]:
    """A post's fields for its idempotency hash: ``authors`` only when asked for, so keys
    stored before bylines existed keep their hashes."""
    return text if ids is None else {**text, FIELD: ids}
