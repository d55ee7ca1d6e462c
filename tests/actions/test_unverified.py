"""The "not independently verified" flag (``unverified``) in the actions: posts and edits take
it, an edit that changes it is a content change with a revision (and readers' "updated" mark
unless minor), drafts and scheduled entries keep it until they are published, events carry it,
and events stored before the flag existed read as false."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liveblog.actions import Actions
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import EventType, User
from liveblog.domain.serialize import entry_from_payload, entry_payload
from liveblog.storage import entries as entry_rows
from liveblog.storage import events as event_log
from liveblog.storage import revisions
from liveblog.storage.database import Database
from tests.conftest import FakeClock

SLUG = "flut"


@pytest.fixture
def blog_id(actions: Actions, admin: User) -> int:
    return actions.create_blog(admin, slug=SLUG, title="Flut").id


def _events(db: Database, blog_id: int) -> list[tuple[EventType, dict[str, object]]]:
    with db.read() as conn:
        found = event_log.after(conn, blog_id, 0, 100)
    return [(e.type, e.payload["entry"]) for e in found if "entry" in e.payload]


def test_a_post_is_verified_unless_it_says_otherwise(
    actions: Actions, admin: User, db: Database, blog_id: int
) -> None:
    plain = actions.create_entry(admin, SLUG, body="Gesichert.")
    flagged = actions.create_entry(admin, SLUG, body="Angeblich.", unverified=True)

    assert (plain.unverified, flagged.unverified) == (False, True)
    with db.read() as conn:
        stored = entry_rows.get(conn, blog_id, flagged.id)
    assert stored is not None
    assert stored.unverified is True
    payloads = [p for _, p in _events(db, blog_id)]
    assert [p["unverified"] for p in payloads] == [False, True]
    assert entry_payload(flagged)["unverified"] is True


def test_a_post_refuses_a_flag_that_is_no_boolean(
    actions: Actions, admin: User, blog_id: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(admin, SLUG, body="Text.", unverified="yes")  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == ["unverified"]


def test_an_edit_that_changes_the_flag_is_a_revision_and_an_update(
    actions: Actions, admin: User, db: Database, blog_id: int, clock: FakeClock
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Der Deich bricht.", unverified=True)
    clock.advance(minutes=5)
    verified = actions.update_entry(admin, SLUG, entry.id, {"unverified": False}, if_match=1)

    assert (verified.unverified, verified.version, verified.revision) == (False, 2, 2)
    assert verified.edited_at == clock.now  # readers are told: what the entry claims changed
    with db.read() as conn:
        kept = revisions.history(conn, verified)
    assert [(r.number, r.unverified) for r in kept] == [(1, True), (2, False)]
    assert _events(db, blog_id)[-1][0] is EventType.ENTRY_UPDATED
    assert _events(db, blog_id)[-1][1]["unverified"] is False

    # The same value again changes nothing: no version, no revision, no event.
    again = actions.update_entry(admin, SLUG, entry.id, {"unverified": False}, if_match=2)
    assert (again.version, again.revision) == (2, 2)
    assert len(_events(db, blog_id)) == 2


def test_a_minor_edit_of_the_flag_leaves_no_updated_mark(
    actions: Actions, admin: User, blog_id: int, clock: FakeClock
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Meldung.")
    clock.advance(minutes=1)
    marked = actions.update_entry(
        admin, SLUG, entry.id, {"unverified": True, "minor": True}, if_match=1
    )
    assert (marked.unverified, marked.revision, marked.edited_at) == (True, 2, None)


def test_an_edit_refuses_a_flag_that_is_no_boolean(
    actions: Actions, admin: User, blog_id: int
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Meldung.")
    for bad in ("true", 1, None):
        with pytest.raises(InvalidInput) as refused:
            actions.update_entry(admin, SLUG, entry.id, {"unverified": bad}, if_match=1)
        assert [e.field for e in refused.value.errors] == ["unverified"]


def test_drafts_and_scheduled_entries_keep_the_flag_until_published(
    actions: Actions, admin: User, db: Database, blog_id: int, clock: FakeClock
) -> None:
    draft = actions.create_entry(admin, SLUG, body="Entwurf.", status="draft", unverified=True)
    later = clock.now + timedelta(minutes=30)
    scheduled = actions.create_entry(
        admin, SLUG, body="Geplant.", publish_at=later, unverified=True
    )
    assert (draft.unverified, scheduled.unverified) == (True, True)
    assert _events(db, blog_id) == []  # nothing reached readers

    edited = actions.update_entry(admin, SLUG, draft.id, {"body": "Entwurf 2."}, if_match="*")
    assert edited.unverified is True
    published = actions.update_entry(admin, SLUG, draft.id, {"status": "published"}, if_match="*")
    assert published.unverified is True
    clock.advance(minutes=31)
    (due,) = actions.publish_due()
    assert (due.id, due.unverified) == (scheduled.id, True)
    created = [p for t, p in _events(db, blog_id) if t is EventType.ENTRY_CREATED]
    assert [(p["id"], p["unverified"]) for p in created] == [(draft.id, True), (scheduled.id, True)]


def test_a_draft_can_lose_the_flag_before_it_is_published(
    actions: Actions, admin: User, blog_id: int
) -> None:
    draft = actions.create_entry(admin, SLUG, body="Entwurf.", status="draft", unverified=True)
    changed = actions.update_entry(
        admin, SLUG, draft.id, {"unverified": False, "status": "published"}, if_match="*"
    )
    assert (changed.unverified, changed.published) == (False, True)


def test_a_retry_with_the_same_key_must_ask_for_the_same_flag(
    actions: Actions, admin: User, blog_id: int
) -> None:
    first = actions.create_entry(
        admin, SLUG, body="Einmal.", unverified=True, idempotency_key="k-1"
    )
    again = actions.create_entry(
        admin, SLUG, body="Einmal.", unverified=True, idempotency_key="k-1"
    )
    assert again.id == first.id
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(admin, SLUG, body="Einmal.", idempotency_key="k-1")
    assert [e.field for e in refused.value.errors] == ["Idempotency-Key"]


def test_events_stored_before_the_flag_read_as_verified(
    actions: Actions, admin: User, blog_id: int
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Alt.")
    payload = entry_payload(entry)
    del payload["unverified"]  # as events written before the flag existed are
    assert entry_from_payload(payload).unverified is False
    assert entry_from_payload({**payload, "unverified": True}).unverified is True
