"""The reads of an export: every column of a blog, its entries and its revisions is in the
document or deliberately left out, and a blog takes the same few queries however many entries
it has."""

from __future__ import annotations

from dataclasses import fields

import pytest

from liveblog.actions import Actions
from liveblog.domain.export import ExportedBlog, ExportedEntry, ExportedRevision, ExportedUser
from liveblog.domain.models import User
from liveblog.storage import export as export_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import blogs, entries, entry_revisions, users
from tests.conftest import FakeClock, Statements

LEFT_OUT = {
    # the row's own id and event counter: the importing site numbers both
    "blogs": {"id", "last_seq"},
    # the blog is the document's; HTML is rendered again on import; deleted entries are
    # tombstones; the poster is named by e-mail
    "entries": {"blog_id", "body_html", "deleted_at", "author_id"},
    # the entry is the one that holds it; the editor is named by e-mail
    "entry_revisions": {"entry_id", "editor_id"},
    # accounts' secrets and rights never travel; the importing site makes its own accounts
    "users": {"id", "role", "password_hash", "created_at", "disabled_at"},
}
RENAMED = {"author_id": "poster", "editor_id": "editor"}


@pytest.mark.parametrize(
    ("table", "exported"),
    [
        (blogs, ExportedBlog),
        (entries, ExportedEntry),
        (entry_revisions, ExportedRevision),
        (users, ExportedUser),
    ],
    ids=["blogs", "entries", "entry_revisions", "users"],
)
def test_every_column_is_exported_or_deliberately_left_out(table: object, exported: type) -> None:
    columns = set(table.c.keys())  # type: ignore[attr-defined]
    names = {f.name for f in fields(exported)}
    left_out = LEFT_OUT[table.name]  # type: ignore[attr-defined]
    missing = columns - names - left_out - {c for c in RENAMED if RENAMED[c] in names}
    assert not missing, f"columns an export leaves out without saying so: {sorted(missing)}"


def test_an_unknown_blog_has_no_document(db: Database, clock: FakeClock) -> None:
    with db.read() as conn:
        assert export_rows.document(conn, "nothing", exported_at=clock.now) is None


def test_a_blog_takes_the_same_queries_however_many_entries_it_has(
    actions: Actions, admin: User, db: Database, clock: FakeClock, statements: Statements
) -> None:
    counts = []
    for slug, count in (("small", 2), ("large", 30)):
        actions.create_blog(admin, slug=slug, title=slug)
        for n in range(count):
            entry = actions.create_entry(admin, slug, body=f"Eintrag {n}")
            actions.update_entry(admin, slug, entry.id, {"body": f"Neu {n}"}, if_match="*")
        statements.clear()
        with db.read() as conn:
            document = export_rows.document(conn, slug, exported_at=clock.now)
        assert document is not None
        assert len(document.entries) == count
        assert all(len(e.revisions) == 2 for e in document.entries)
        counts.append(len(statements.selects()))
    assert counts[0] == counts[1] <= 7


TABLES_LEFT_OUT = {
    "media": "uploaded photos: their files are not in the document (a JSON text), and a row "
    "without its files would show nothing on the importing site; entries keep their "
    "media:ID references as Markdown (docs/export.md)",
}


def test_photos_are_deliberately_left_out(
    actions: Actions, admin: User, db: Database, clock: FakeClock, statements: Statements
) -> None:
    actions.create_blog(admin, slug="storm", title="Storm")
    statements.clear()
    with db.read() as conn:
        assert export_rows.document(conn, "storm", exported_at=clock.now) is not None
    for table in TABLES_LEFT_OUT:
        assert not [s for s in statements.sql if f"FROM {table}" in s or f"JOIN {table}" in s]
