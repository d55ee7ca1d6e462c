"""The reads of an export: one blog's rows as an export document
(:class:`liveblog.domain.export.Document`), in the caller's snapshot, so the document is one
consistent state of the blog.

Every row of the blog's entries that is not deleted (every status), the tombstones of deleted
published entries (deleted drafts, which readers never saw, are left out), the revisions of the
entries, their bylines, the members, and every other user an entry names (its poster, an
author, an editor of a revision): users by e-mail, never by id. A few queries per blog, however
many entries it has.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, Select, or_, select

from liveblog.domain.export import (
    Document,
    ExportedBlog,
    ExportedEntry,
    ExportedRevision,
    ExportedUser,
    Tombstone,
)
from liveblog.domain.models import Blog, BlogRole, Entry, EntryStatus, User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import members as member_rows
from liveblog.storage.entries import entry_from_row
from liveblog.storage.tables import entries, entry_authors, entry_revisions, users
from liveblog.storage.users import user_from_row


def document(conn: Connection, slug: str, *, exported_at: datetime) -> Document | None:
    """The blog ``slug`` as an export document; ``None`` if there is no such blog."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        return None
    rows = conn.execute(
        select(entries)
        .where(
            entries.c.blog_id == blog.id,
            or_(
                entries.c.deleted_at.is_(None),
                entries.c.status == EntryStatus.PUBLISHED.value,
            ),
        )
        .order_by(entries.c.id)
    ).mappings()
    found = [entry_from_row(row) for row in rows]
    kept = [e for e in found if not e.deleted]
    history = _revisions(conn, blog)
    bylines = _bylines(conn, blog)
    members = member_rows.members_of(conn, blog.id)
    named = {e.author_id for e in kept} | {a for ids in bylines.values() for a in ids}
    named |= {editor for revs in history.values() for _, editor in revs}
    people = _users(conn, named - {m.user.id for m in members})
    people.update({m.user.id: m.user for m in members})
    emails = {user_id: user.email for user_id, user in people.items()}
    roles = {m.user.id: (m.role, m.since) for m in members}
    return Document(
        blog=_blog(blog),
        users=tuple(
            _user(user, *roles.get(user_id, (None, None))) for user_id, user in people.items()
        ),
        entries=tuple(
            _entry(e, emails, bylines.get(e.id, []), history.get(e.id, [])) for e in kept
        ),
        tombstones=tuple(
            Tombstone(id=e.id, version=e.version, deleted_at=e.deleted_at)
            for e in found
            if e.deleted_at is not None
        ),
        exported_at=exported_at,
    )


def _blog(blog: Blog) -> ExportedBlog:
    return ExportedBlog(
        slug=blog.slug,
        title=blog.title,
        summary=blog.summary,
        language=blog.language,
        timezone=blog.timezone,
        status=blog.status,
        show_authors=blog.show_authors,
        embed_origins=blog.embed_origins,
        closing_note=blog.closing_note,
        closed_at=blog.closed_at,
        created_at=blog.created_at,
        updated_at=blog.updated_at,
    )


def _user(user: User, role: BlogRole | None, since: datetime | None) -> ExportedUser:
    return ExportedUser(
        email=user.email,
        display_name=user.display_name,
        language=user.language,
        role=role,
        member_since=since,
    )


def _entry(
    entry: Entry,
    emails: dict[int, str],
    byline: list[int],
    history: list[tuple[ExportedRevision, int | None]],
) -> ExportedEntry:
    return ExportedEntry(
        id=entry.id,
        status=entry.status,
        headline=entry.headline,
        body=entry.body,
        source=entry.source,
        key_event=entry.key_event,
        pinned=entry.pinned,
        published_at=entry.published_at,
        updated_at=entry.updated_at,
        version=entry.version,
        revision=entry.revision,
        edited_at=entry.edited_at,
        correction=entry.correction,
        corrected_at=entry.corrected_at,
        publish_at=entry.publish_at,
        review_note=entry.review_note,
        poster=emails.get(entry.author_id) if entry.author_id is not None else None,
        authors=tuple(emails[user_id] for user_id in byline),
        revisions=tuple(
            _with_editor(revision, emails.get(editor) if editor is not None else None)
            for revision, editor in history
        ),
        unverified=entry.unverified,
    )


def _with_editor(revision: ExportedRevision, editor: str | None) -> ExportedRevision:
    return replace(revision, editor=editor)


def _kept_entries(blog: Blog) -> Select[tuple[int]]:
    """The ids of the blog's entries that are not deleted (a subquery)."""
    return select(entries.c.id).where(entries.c.blog_id == blog.id, entries.c.deleted_at.is_(None))


def _revisions(
    conn: Connection, blog: Blog
) -> dict[int, list[tuple[ExportedRevision, int | None]]]:
    """Each kept entry's revisions in order, each with its editor's user id."""
    rows = conn.execute(
        select(entry_revisions)
        .where(entry_revisions.c.entry_id.in_(_kept_entries(blog)))
        .order_by(entry_revisions.c.entry_id, entry_revisions.c.number)
    ).mappings()
    found: dict[int, list[tuple[ExportedRevision, int | None]]] = {}
    for row in rows:
        revision = ExportedRevision(
            number=row["number"],
            created_at=row["created_at"],
            editor=None,
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
        found.setdefault(int(row["entry_id"]), []).append((revision, row["editor_id"]))
    return found


def _bylines(conn: Connection, blog: Blog) -> dict[int, list[int]]:
    """Each kept entry's named authors (user ids) in order; entries by their poster alone
    have none."""
    rows = conn.execute(
        select(entry_authors.c.entry_id, entry_authors.c.user_id)
        .where(entry_authors.c.entry_id.in_(_kept_entries(blog)))
        .order_by(entry_authors.c.entry_id, entry_authors.c.position)
    )
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(int(row.entry_id), []).append(int(row.user_id))
    return found


def _users(conn: Connection, user_ids: set[int | None]) -> dict[int, User]:
    wanted = sorted(i for i in user_ids if i is not None)
    if not wanted:
        return {}
    rows = conn.execute(select(users).where(users.c.id.in_(wanted))).mappings()
    return {int(row["id"]): user_from_row(row) for row in rows}
