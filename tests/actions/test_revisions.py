"""Revisions and corrections: every edit but pinning keeps the content as a revision (the first
one also keeps the entry as posted), visible edits move ``edited_at``, minor ones do not, a
correction note carries its own time; refused edits write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import Entry, User
from liveblog.domain.rules import MAX_CORRECTION
from liveblog.storage import entries as entry_rows
from liveblog.storage import revisions
from liveblog.storage.database import Database
from liveblog.storage.tables import entry_revisions, events
from tests.conftest import FakeClock

SLUG = "storm"


@pytest.fixture
def posted(actions: Actions, admin: User, clock: FakeClock) -> Entry:
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    entry = actions.create_entry(admin, SLUG, body="Der Pegel steigt.", headline="Pegel")
    clock.advance(minutes=10)
    return entry


def edit(actions: Actions, user: User, entry: Entry, **changes: object) -> Entry:
    return actions.update_entry(user, SLUG, entry.id, dict(changes), if_match="*")


def history(db: Database, entry: Entry) -> list[tuple[int, str, str | None, bool, int | None]]:
    with db.read() as conn:
        current = entry_rows.get(conn, entry.blog_id, entry.id)
        assert current is not None
        found = revisions.history(conn, current)
    return [(r.number, r.body, r.correction, r.minor, r.editor_id) for r in found]


def counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        kept = conn.execute(select(func.count()).select_from(entry_revisions)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(events)).scalar_one()
    return kept, logged


def test_a_new_entry_has_one_revision_as_posted_and_no_marks(
    actions: Actions, admin: User, db: Database, posted: Entry
) -> None:
    assert (posted.revision, posted.edited_at, posted.correction) == (1, None, None)
    assert history(db, posted) == [(1, "Der Pegel steigt.", None, False, admin.id)]
    assert counts(db)[0] == 0  # posting writes no revision row


def test_an_edit_keeps_the_version_before_it_and_marks_the_entry_updated(
    actions: Actions, admin: User, editor: User, db: Database, posted: Entry, clock: FakeClock
) -> None:
    actions.add_member(admin, SLUG, editor.email, "editor")
    edited = edit(actions, editor, posted, body="Der Pegel steigt weiter.")
    assert (edited.revision, edited.edited_at, edited.updated_at) == (2, clock.now, clock.now)
    assert history(db, posted) == [
        (1, "Der Pegel steigt.", None, False, admin.id),
        (2, "Der Pegel steigt weiter.", None, False, editor.id),
    ]
    with db.read() as conn:
        first, second = revisions.of_entry(conn, posted.id)
    assert first.created_at == posted.published_at
    assert second.created_at == clock.now
    assert (first.editor_name, second.editor_name) == ("admin", "editor")


def test_a_minor_edit_is_kept_but_leaves_no_mark(
    actions: Actions, admin: User, db: Database, posted: Entry, clock: FakeClock
) -> None:
    edited = edit(actions, admin, posted, body="Der Pegel steigt!", minor=True)
    assert (edited.revision, edited.edited_at, edited.updated_at) == (2, None, clock.now)
    assert history(db, posted)[-1] == (2, "Der Pegel steigt!", None, True, admin.id)
    clock.advance(minutes=5)
    visible = edit(actions, admin, edited, headline="Pegel an der Elbe")
    assert visible.edited_at == clock.now
    clock.advance(minutes=5)
    later = edit(actions, admin, visible, body="Der Pegel steigt?", minor=True)
    assert later.edited_at == visible.edited_at  # a minor edit keeps the earlier mark


def test_flags_and_times_are_kept_without_an_updated_mark_and_pinning_keeps_nothing(
    actions: Actions, admin: User, db: Database, posted: Entry
) -> None:
    keyed = edit(actions, admin, posted, key_event=True)
    assert (keyed.revision, keyed.edited_at) == (2, None)
    moved = edit(actions, admin, keyed, published_at=posted.published_at - timedelta(hours=1))
    assert (moved.revision, moved.edited_at) == (3, None)
    pinned = edit(actions, admin, moved, pinned=True)
    assert (pinned.revision, pinned.version) == (3, moved.version + 1)
    assert [n for n, *_ in history(db, posted)] == [1, 2, 3]


def test_a_correction_is_shown_with_its_time_kept_in_the_history_and_can_be_removed(
    actions: Actions, admin: User, db: Database, posted: Entry, clock: FakeClock
) -> None:
    note = "  In einer früheren Fassung stand ein falscher Pegelstand.  "
    corrected = edit(actions, admin, posted, body="Der Pegel steigt auf 7,20 m.", correction=note)
    assert corrected.correction == note.strip()
    assert corrected.corrected_at == corrected.edited_at == clock.now
    clock.advance(minutes=3)
    later = edit(actions, admin, corrected, headline="Pegel: 7,20 m")
    assert (later.correction, later.corrected_at) == (note.strip(), corrected.corrected_at)
    clock.advance(minutes=3)
    removed = edit(actions, admin, later, correction="")
    assert (removed.correction, removed.corrected_at, removed.edited_at) == (None, None, clock.now)
    assert [c for _, _, c, _, _ in history(db, posted)] == [None, note.strip(), note.strip(), None]


def test_an_unchanged_edit_keeps_nothing(
    actions: Actions, admin: User, db: Database, posted: Entry
) -> None:
    before = counts(db)
    same = edit(actions, admin, posted, body="Der Pegel steigt.", minor=True)
    assert (same.version, same.revision) == (posted.version, 1)
    assert counts(db) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"correction": "x" * (MAX_CORRECTION + 1)}, "correction", "at most 500 characters"),
        ({"correction": "Zeile eins\nZeile zwei"}, "correction", "single line"),
        ({"correction": "Falscher Ort.", "minor": True}, "minor", "never minor"),
        ({"body": "Neu.", "minor": "yes"}, "minor", "true or false"),
        ({"body": "Neu.", "reason": "typo"}, "reason", ""),
    ],
)
def test_refused_edits_write_nothing(
    actions: Actions,
    admin: User,
    db: Database,
    posted: Entry,
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    before = counts(db)
    with pytest.raises(InvalidInput) as refused:
        edit(actions, admin, posted, **changes)
    assert [e.field for e in refused.value.errors] == [field]
    assert message in refused.value.errors[0].message
    assert counts(db) == before
    with db.read() as conn:
        assert entry_rows.get(conn, posted.blog_id, posted.id) == posted
