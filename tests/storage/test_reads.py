"""The read side shows readers visible entries only; a deleted entry leaves a tombstone."""

from __future__ import annotations

from liveblog.actions import ANY_VERSION, Actions
from liveblog.domain.models import User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.storage.database import Database


def test_deleted_entries_are_invisible_but_leave_a_tombstone(
    db: Database, actions: Actions, admin: User
) -> None:
    actions.create_blog(admin, slug="storm", title="Storm")
    kept = actions.create_entry(admin, "storm", body="Kept.", headline="Lage", key_event=True)
    gone = actions.create_entry(
        admin, "storm", body="Gone.", headline="Alt", key_event=True, pinned=True
    )
    actions.delete_entry(admin, "storm", gone.id, if_match=ANY_VERSION)
    with db.read() as conn:
        blog = blog_rows.by_slug(conn, "storm")
        assert blog is not None
        assert [e.id for e in reads.timeline(conn, blog.id, limit=10).items] == [kept.id]
        assert reads.pinned(conn, blog.id) is None
        newest = reads.newest_key_event(conn, blog.id)
        assert newest is not None
        assert newest.id == kept.id
        assert reads.newest_change(conn, blog.id) == kept.updated_at
        tombstone = reads.entry(conn, blog.id, gone.id)
        assert tombstone is not None
        assert tombstone.deleted
        assert reads.entry(conn, blog.id + 1, kept.id) is None
