"""Importing export documents (on SQLite and PostgreSQL): export, import into a fresh database
and export again give the same bytes; imports write a compact event log, match users by
e-mail and make disabled accounts for the others, render bodies again, refuse a taken slug
(unless replacing, which swaps the blog in one transaction) and taken entry ids (unless asked
for new ones); a bad document writes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import Actions, Committed, IdsTaken, SlugTaken
from liveblog.actions.sessions import LoginFailed
from liveblog.domain.errors import InvalidInput
from liveblog.domain.export import encode
from liveblog.domain.models import EventType, User
from liveblog.render import markdown_to_html
from liveblog.storage import audit, reads
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log
from liveblog.storage import export as export_rows
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.storage.tables import metadata
from tests.conftest import FakeClock, _empty_postgres

PASSWORD = "correct horse battery"
SLUG = "storm"


def rich_blog(actions: Actions, admin: User, clock: FakeClock, slug: str = SLUG) -> None:
    """A blog with something of everything an export holds: entries in every status, edits
    with a correction and a minor one, a byline naming a former member, a pinned
    entry, a tombstone, a discarded draft, a note on a draft sent back, microseconds, a closed
    blog with a closing note and embed origins."""
    user = actions.create_user
    editor = user("ed@example.org", "user", PASSWORD, display_name="Ed Itor", language="en")
    ben = user("ben@example.org", "user", PASSWORD, display_name="Ben")
    gone = user("ex@example.org", "user", PASSWORD)
    actions.create_blog(admin, slug=slug, title="Sturmflut", summary="Alles.\nLive.")
    for member, role in ((editor, "editor"), (ben, "contributor"), (gone, "editor")):
        actions.add_member(admin, slug, member.email, role)
    clock.advance(seconds=1.25)
    first = actions.create_entry(
        admin, slug, body="Der Pegel steigt.", headline="Pegel", key_event=True, source="DWD"
    )
    clock.advance(minutes=3)
    edit = actions.update_entry
    edit(
        editor,
        slug,
        first.id,
        {"body": "Der Pegel steigt stark.", "correction": "Zahl."},
        if_match="*",
    )
    clock.advance(minutes=1)
    edit(editor, slug, first.id, {"body": "Der Pegel steigt stark!", "minor": True}, if_match="*")
    clock.advance(minutes=1)
    actions.create_entry(
        editor, slug, body="Deich hält.", authors=[editor.id, gone.id, admin.id], pinned=True
    )
    gone_entry = actions.create_entry(editor, slug, body="Falsch.")
    clock.advance(minutes=1)
    actions.delete_entry(editor, slug, gone_entry.id, if_match="*")
    sent_back = actions.create_entry(ben, slug, body="Mein Entwurf.")
    edit(ben, slug, sent_back.id, {"status": "submitted"}, if_match="*")
    edit(editor, slug, sent_back.id, {"status": "draft", "note": "Bitte Quelle."}, if_match="*")
    submitted = actions.create_entry(ben, slug, body="Zur Prüfung.", headline="Prüfen")
    edit(ben, slug, submitted.id, {"status": "submitted"}, if_match="*")
    later = clock.now.replace(hour=9, minute=0, microsecond=0)
    actions.create_entry(editor, slug, body="Später.", status="scheduled", publish_at=later)
    discarded = actions.create_entry(ben, slug, body="Verworfen.")
    actions.delete_entry(ben, slug, discarded.id, if_match="*")
    clock.advance(seconds=0.5)
    actions.create_entry(editor, slug, body='<script>alert("x")</script> **fett** <b>roh</b>')
    actions.remove_member(admin, slug, gone.id)
    actions.update_blog(admin, slug, {"show_authors": True})
    actions.update_blog(admin, slug, {"embed_origins": ["https://Partner.example:443/"]})
    clock.advance(minutes=1)
    actions.update_blog(admin, slug, {"status": "closed", "closing_note": "Ende."})


def exported(db: Database, at: datetime, slug: str = SLUG) -> bytes:
    with db.read() as conn:
        document = export_rows.document(conn, slug, exported_at=at)
    assert document is not None
    return encode(document)


def wipe(db: Database) -> None:
    """Make ``db`` an empty, migrated database again (ids start from 1)."""
    if db.dialect == "postgresql":
        _empty_postgres(db)
        return
    with db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "site_secrets":
                conn.execute(table.delete())


def everything(db: Database) -> dict[str, list[Any]]:
    """Every row of every table: equal results mean nothing was written."""
    with db.read() as conn:
        return {
            table.name: sorted(map(repr, conn.execute(select(table)).all()))
            for table in metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The rich blog's export, made once (on SQLite; the round trip test makes its own on
    every database)."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}")
    upgrade(db)
    clock = FakeClock()
    actions = Actions(db, clock=clock)
    rich_blog(actions, actions.create_user("admin@example.org", "admin", PASSWORD), clock)
    try:
        return exported(db, clock.now)
    finally:
        db.dispose()


@pytest.fixture
def source(document: bytes, clock: FakeClock) -> bytes:
    """The rich blog's export, to import into the empty ``db``, an hour after it was made."""
    clock.advance(hours=1)
    return document


@pytest.fixture
def boss(actions: Actions, source: bytes) -> User:
    """An admin of the target database (the ``admin`` fixture's account went with the source)."""
    return actions.create_user("boss@example.org", "admin", PASSWORD)


def test_export_import_export_gives_the_same_bytes(
    actions: Actions, admin: User, db: Database, clock: FakeClock, document: bytes
) -> None:
    rich_blog(actions, admin, clock)
    at = clock.now
    first = exported(db, at)
    assert first == document  # the same on every database
    wipe(db)
    clock.advance(hours=1)
    actions.create_user("zed@example.org", "admin", PASSWORD)  # the target's ids differ
    imported = actions.import_blog(first)
    assert (imported.entries, imported.tombstones, imported.replaced) == (6, 1, False)
    assert exported(db, at) == first


def test_the_document_holds_every_status_but_no_deleted_text(source: bytes) -> None:
    document = json.loads(source)
    assert [(e["id"], e["status"]) for e in document["entries"]] == [
        (1, "published"),
        (2, "published"),
        (4, "draft"),
        (5, "submitted"),
        (6, "scheduled"),
        (8, "published"),
    ]
    assert "Falsch." not in source.decode()
    assert "Verworfen." not in source.decode()
    assert document["tombstones"] == [
        {"id": 3, "version": 2, "deleted_at": document["tombstones"][0]["deleted_at"]}
    ]
    [note] = [e["review_note"] for e in document["entries"] if e["review_note"]]
    assert note == "Bitte Quelle."
    by_email = {u["email"]: u for u in document["users"]}
    assert by_email["admin@example.org"]["role"] == "owner"
    assert by_email["ex@example.org"]["role"] is None  # a former member in a byline
    assert document["blog"]["embed_origins"] == ["https://partner.example"]
    assert document["blog"]["closing_note"] == "Ende."
    assert ".250000+00:00" in source.decode()
    assert "body_html" not in source.decode()


def test_an_import_writes_a_compact_event_log(
    actions: Actions, db: Database, clock: FakeClock, source: bytes
) -> None:
    imported = actions.import_blog(source)
    with db.read() as conn:
        log = event_log.after(conn, imported.blog.id, 0)
        blog = blog_rows.by_slug(conn, SLUG)
        records = audit.newest_first(conn, imported.blog.id, limit=10)
        visible = reads.timeline(conn, imported.blog.id, limit=50).items
    assert [(e.seq, e.type) for e in log] == [
        (1, EventType.BLOG_CREATED),
        (2, EventType.ENTRY_CREATED),
        (3, EventType.ENTRY_CREATED),
        (4, EventType.ENTRY_DELETED),
        (5, EventType.ENTRY_CREATED),
    ]
    assert [e.payload["entry"]["id"] for e in log[1:]] == [1, 2, 3, 8]
    assert log[0].payload["blog"]["version"] == 1
    assert blog is not None
    assert blog.last_seq == 5 == imported.blog.last_seq
    assert blog.updated_at == datetime.fromisoformat(json.loads(source)["blog"]["updated_at"])
    assert [r.action for r in records] == ["blog.imported"]
    assert records[0].actor_id is None
    assert sorted(e.id for e in visible) == [1, 2, 8]


def test_bodies_are_rendered_again_from_their_markdown(
    actions: Actions, db: Database, source: bytes
) -> None:
    actions.import_blog(source)
    with db.read() as conn:
        entry = entry_rows.get(conn, 1, 8)
    assert entry is not None
    assert entry.body_html == markdown_to_html(entry.body)
    assert "<script" not in entry.body_html
    assert "<b>" not in entry.body_html
    assert "<strong>fett</strong>" in entry.body_html


def test_users_are_matched_by_email_and_others_made_disabled_without_password(
    actions: Actions, db: Database, source: bytes
) -> None:
    known = actions.create_user("ED@example.org", "user", PASSWORD, display_name="Eddie")
    imported = actions.import_blog(source)
    assert sorted(imported.created_users) == [
        "admin@example.org",
        "ben@example.org",
        "ex@example.org",
    ]
    with db.read() as conn:
        ed = user_rows.by_email(conn, "ed@example.org")
        ben = user_rows.with_password_hash(conn, "ben@example.org")
        admin = user_rows.by_email(conn, "admin@example.org")
    assert ed == known  # matched, not changed
    assert ben is not None
    assert ben[0].disabled
    assert ben[0].display_name == "Ben"
    assert admin is not None
    assert admin.disabled
    assert not admin.is_admin
    with pytest.raises(LoginFailed):
        actions.log_in("ben@example.org", PASSWORD)
    assert not actions.verify(ben[1], "")
    actions.log_in("ed@example.org", PASSWORD)


def test_entry_ids_are_kept_and_new_entries_come_after_them(
    actions: Actions, db: Database, source: bytes
) -> None:
    actions.import_blog(source)
    owner = actions.create_user("owner@example.org", "admin", PASSWORD)
    actions.update_blog(owner, SLUG, {"status": "open"})
    entry = actions.create_entry(owner, SLUG, body="Nach dem Umzug.")
    assert entry.id == 9  # past the largest imported id, on PostgreSQL's sequence too


def test_an_existing_slug_is_refused_and_nothing_is_written(
    actions: Actions, boss: User, db: Database, source: bytes
) -> None:
    actions.create_blog(boss, slug=SLUG, title="Schon da")
    before = everything(db)
    with pytest.raises(SlugTaken, match="exists already"):
        actions.import_blog(source)
    assert everything(db) == before


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: text[:-20],
        lambda text: text.replace('"version": 1,', '"version": 2,', 1),
        lambda text: text.replace('"id": 2,', '"id": 1,', 1),
        lambda text: text.replace('"Deich hält."', '"' + "x" * 20_001 + '"', 1),
        lambda text: text.replace('"poster": "ed@example.org"', '"poster": "eve@example.org"', 1),
    ],
    ids=["cut off", "version", "duplicate id", "body too long", "unknown poster"],
)
def test_a_bad_document_writes_nothing(
    actions: Actions, boss: User, db: Database, source: bytes, spoil: Any
) -> None:
    actions.create_blog(boss, slug="other", title="Anderes")
    before = everything(db)
    with pytest.raises(InvalidInput):
        actions.import_blog(spoil(source.decode()).encode())
    with pytest.raises(InvalidInput):
        actions.import_blog(spoil(source.decode()).encode(), replace=True)
    assert everything(db) == before


def test_replace_swaps_the_blog_in_one_transaction(
    actions: Actions, boss: User, db: Database, clock: FakeClock, source: bytes
) -> None:
    actions.create_blog(boss, slug=SLUG, title="Alt")
    old_member = actions.create_user("old@example.org", "user", PASSWORD)
    actions.add_member(boss, SLUG, old_member.email, "editor")
    old = [actions.create_entry(boss, SLUG, body=f"Alt {n}") for n in range(3)]
    actions.delete_entry(boss, SLUG, old[2].id, if_match="*")
    with db.read() as conn:
        before = blog_rows.by_slug(conn, SLUG)
    assert before is not None
    heard: list[Committed] = []
    actions.on_commit(heard.append)
    clock.advance(minutes=5)

    replaced = actions.import_blog(source, replace=True)

    assert replaced.replaced
    assert replaced.blog.id == before.id
    with db.read() as conn:
        log = event_log.after(conn, before.id, 0)
        members = {m.user.email for m in actions.members(boss, SLUG)}
        records = [r.action for r in audit.newest_first(conn, before.id, limit=50)]
    assert log[0].seq == before.last_seq + 1  # the old log is gone; the numbers go on
    assert [e.type for e in log[:4]] == [EventType.ENTRY_DELETED] * 3 + [EventType.BLOG_CLOSED]
    assert [e.payload["entry"]["id"] for e in log[:3]] == [e.id for e in old]
    assert log[0].payload["entry"]["version"] == old[0].version + 1
    assert replaced.blog.last_seq == log[-1].seq == before.last_seq + 4 + 4
    assert replaced.blog.updated_at == clock.now
    assert [c.seq for c in heard] == [replaced.blog.last_seq]
    assert [e.seq for e in heard[0].events] == [e.seq for e in log]
    assert "old@example.org" not in members
    assert "ben@example.org" in members
    assert records[0] == "blog.replaced"
    assert "member.added" in records
    again = json.loads(exported(db, clock.now))
    expected = json.loads(source)
    for document in (again, expected):
        del document["exported_at"], document["blog"]["updated_at"]
    assert again == expected


def test_ids_of_other_blogs_are_refused_unless_new_ids_are_asked_for(
    actions: Actions, boss: User, db: Database, source: bytes
) -> None:
    actions.create_blog(boss, slug="other", title="Anderes")
    for n in range(4):
        actions.create_entry(boss, "other", body=f"Eintrag {n}")
    before = everything(db)
    with pytest.raises(IdsTaken, match=r"4 of the document's entry ids .*\(1, 2, 3, 4\)"):
        actions.import_blog(source)
    assert everything(db) == before

    renumbered = actions.import_blog(source, new_ids=True)

    assert renumbered.renumbered
    expected = json.loads(source)
    again = json.loads(exported(db, datetime.fromisoformat(expected["exported_at"])))
    old_ids = sorted([e["id"] for e in expected["entries"]] + [3])
    new = dict(zip(old_ids, range(5, 5 + len(old_ids)), strict=True))
    for entry in expected["entries"]:
        entry["id"] = new[entry["id"]]
    expected["tombstones"][0]["id"] = new[3]
    assert again == expected


def test_importing_the_same_document_twice_is_refused(
    actions: Actions, boss: User, db: Database, source: bytes
) -> None:
    actions.import_blog(source)
    with pytest.raises(SlugTaken):
        actions.import_blog(source)
