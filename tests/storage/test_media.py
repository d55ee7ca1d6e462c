"""storage.media: a photo's row is stored and read back; prune's reads find which photos
entries and revisions show (per blog) and which files the rows list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from liveblog.actions import ANY_VERSION, Actions
from liveblog.domain.media import Variant
from liveblog.domain.models import User
from liveblog.storage import media as media_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import entries

T0 = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)


def insert(db: Database, blog_id: int, names: list[str], created_at: datetime = T0) -> int:
    values: dict[str, Any] = {
        "blog_id": blog_id,
        "uploaded_by": None,
        "created_at": created_at,
        "width": 960,
        "height": 640,
        "alt": "Deich",
        "credit": "Anna",
        "caption": None,
        "variants": [{"name": n, "width": 960, "height": 640, "mime": "image/webp"} for n in names],
    }
    with db.engine.begin() as conn:
        return media_rows.insert_media(conn, values).id


def test_a_row_is_stored_and_read_back(db: Database, actions: Actions, admin: User) -> None:
    blog = actions.create_blog(admin, slug="storm", title="Storm")
    values: dict[str, Any] = {
        "blog_id": blog.id,
        "uploaded_by": admin.id,
        "created_at": T0,
        "width": 1600,
        "height": 900,
        "alt": "Der Deich bei Nacht",
        "credit": "Anna Beispiel",
        "caption": "Um 3 Uhr",
        "variants": [
            {"name": "0123456789abcdef-480.webp", "width": 480, "height": 270, "mime": "image/webp"}
        ],
    }
    with db.engine.begin() as conn:
        stored = media_rows.insert_media(conn, values)
    with db.read() as conn:
        found = media_rows.by_ids(conn, blog.id, [stored.id, 999])
    assert found == {stored.id: stored}
    assert stored.variants == (Variant("0123456789abcdef-480.webp", 480, 270, "image/webp"),)
    assert (stored.alt, stored.credit, stored.caption, stored.uploaded_by) == (
        "Der Deich bei Nacht",
        "Anna Beispiel",
        "Um 3 Uhr",
        admin.id,
    )
    assert stored.created_at == T0


def test_references_are_found_in_entries_and_revisions_per_blog(
    db: Database, actions: Actions, admin: User
) -> None:
    storm = actions.create_blog(admin, slug="storm", title="Storm")
    race = actions.create_blog(admin, slug="race", title="Race")
    shown, edited_away, unused, other = (insert(db, storm.id, []) for _ in range(4))
    entry = actions.create_entry(admin, "storm", body=f'![Deich](media:{edited_away} "Anna")')
    actions.update_entry(
        admin, "storm", entry.id, {"body": f'![Deich](media:{shown} "Anna")'}, if_match=ANY_VERSION
    )
    # The same number in another blog's entry names that blog's photo, not this one's (the
    # write path refuses such an entry: an import from elsewhere could hold one).
    draft = actions.create_entry(admin, "race", body="Ziel", status="draft")
    with db.engine.begin() as conn:
        conn.execute(
            update(entries).where(entries.c.id == draft.id).values(body=f"![Ziel](media:{other})")
        )
    with db.read() as conn:
        found = media_rows.referenced(conn)
    assert (storm.id, shown) in found
    assert (storm.id, edited_away) in found  # an older revision still shows it
    assert (storm.id, unused) not in found
    assert (storm.id, other) not in found
    assert (race.id, other) in found


def test_old_rows_and_listed_names(db: Database, actions: Actions, admin: User) -> None:
    blog = actions.create_blog(admin, slug="storm", title="Storm")
    old = insert(db, blog.id, ["a" * 16 + "-480.webp"], T0 - timedelta(days=2))
    new = insert(db, blog.id, ["b" * 16 + "-480.webp"], T0)
    with db.read() as conn:
        assert [m.id for m in media_rows.created_before(conn, T0 - timedelta(days=1))] == [old]
        assert media_rows.listed_names(conn) == {"a" * 16 + "-480.webp", "b" * 16 + "-480.webp"}
        assert media_rows.listed_names(conn, except_ids=[old]) == {"b" * 16 + "-480.webp"}
    with db.engine.begin() as conn:
        media_rows.delete_media(conn, [old])
    with db.read() as conn:
        assert set(media_rows.by_ids(conn, blog.id, [old, new])) == {new}
