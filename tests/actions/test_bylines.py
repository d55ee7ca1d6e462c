"""Bylines on the write path: a post is by its poster unless ``authors`` names others (members
of the blog or admins, 1 to 10, none twice); a new byline of a published entry is an edit with
an ``entry.updated`` event but no revision; every entry an action returns or puts into an event
carries its byline; the blog's ``show_authors`` is a blog setting like the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain.bylines import MAX_AUTHORS
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import Author, EntryStatus, EventType, User
from liveblog.storage import events as event_log
from liveblog.storage import reads
from liveblog.storage.database import Database
from liveblog.storage.tables import entry_authors, entry_revisions
from tests.conftest import FakeClock, Statements

SLUG = "flut"


@pytest.fixture
def anna(actions: Actions, admin: User) -> User:
    actions.create_blog(admin, slug=SLUG, title="Flut")
    user = actions.create_user(
        "anna@example.org", "user", "correct horse battery", display_name="Anna Schmidt"
    )
    actions.add_member(admin, SLUG, user.email, "editor")
    return user


@pytest.fixture
def ben(actions: Actions, admin: User, anna: User) -> User:
    user = actions.create_user(
        "ben@example.org", "user", "correct horse battery", display_name="Ben Ott"
    )
    actions.add_member(admin, SLUG, user.email, "contributor")
    return user


def byline_rows(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(entry_authors)).scalar_one())


def revision_rows(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(entry_revisions)).scalar_one())


def entry_events(db: Database, blog_id: int) -> list[tuple[EventType, dict[str, Any]]]:
    with db.read() as conn:
        found = event_log.after(conn, blog_id, 0)
    return [(e.type, e.payload["entry"]) for e in found if "entry" in e.payload]


def test_a_post_is_by_its_poster_and_costs_no_row(
    actions: Actions, db: Database, anna: User
) -> None:
    entry = actions.create_entry(anna, SLUG, body="Pegel steigt.")
    assert entry.authors == (Author(anna.id, "Anna Schmidt"),)
    assert byline_rows(db) == 0
    ((type_, payload),) = entry_events(db, entry.blog_id)[-1:]
    assert (type_, payload["authors"]) == (
        EventType.ENTRY_CREATED,
        [{"id": anna.id, "name": "Anna Schmidt"}],
    )
    with db.read() as conn:
        assert reads.entry(conn, entry.blog_id, entry.id).authors == entry.authors  # type: ignore[union-attr]


def test_named_authors_keep_their_order(
    actions: Actions, db: Database, admin: User, anna: User, ben: User
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Deich hält.", authors=[ben.id, anna.id])
    expected = (Author(ben.id, "Ben Ott"), Author(anna.id, "Anna Schmidt"))
    assert entry.authors == expected
    assert byline_rows(db) == 2
    with db.read() as conn:
        (listed,) = reads.timeline(conn, entry.blog_id, limit=10).items
        assert listed.authors == expected
    # An admin who is no member of the blog may be named; so may the poster alone (no rows).
    by_admin = actions.create_entry(anna, SLUG, body="Admin war vor Ort.", authors=[admin.id])
    assert [a.id for a in by_admin.authors] == [admin.id]
    alone = actions.create_entry(anna, SLUG, body="Allein.", authors=[anna.id])
    assert alone.authors == (Author(anna.id, "Anna Schmidt"),)
    assert byline_rows(db) == 3


@pytest.mark.parametrize(
    ("authors", "message"),
    [
        ([], "1 to 10"),
        (list(range(1, MAX_AUTHORS + 2)), "1 to 10"),
        ("1", "list of user ids"),
        ([True], "list of user ids"),
        (["1"], "list of user ids"),
        ([0], "user ids"),
        ([2**63], "user ids"),
    ],
)
def test_bad_bylines_are_refused_before_anything_is_written(
    actions: Actions, db: Database, anna: User, authors: Any, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(anna, SLUG, body="x", authors=authors)
    assert [e.field for e in refused.value.errors] == ["authors"]
    assert message in refused.value.errors[0].message


def test_duplicates_and_non_members_are_refused(
    actions: Actions, db: Database, admin: User, anna: User, ben: User
) -> None:
    outsider = actions.create_user("out@example.org", "user", "correct horse battery")
    with pytest.raises(InvalidInput) as twice:
        actions.create_entry(anna, SLUG, body="x", authors=[anna.id, anna.id])
    assert twice.value.errors[0].message == "must name each author once"
    for authors, named in (
        ([anna.id, outsider.id], str(outsider.id)),
        ([anna.id, 99_999], "99999"),
    ):
        with pytest.raises(InvalidInput) as refused:
            actions.create_entry(anna, SLUG, body="x", authors=authors)
        assert [e.field for e in refused.value.errors] == ["authors"]
        assert f"user {named} is not a member" in refused.value.errors[0].message
    entry = actions.create_entry(anna, SLUG, body="Ok.")
    with pytest.raises(InvalidInput):
        actions.update_entry(anna, SLUG, entry.id, {"authors": [outsider.id]}, if_match="*")
    with pytest.raises(InvalidInput):
        actions.update_entry(anna, SLUG, entry.id, {"authors": None}, if_match="*")
    with db.read() as conn:
        assert reads.entry(conn, entry.blog_id, entry.id).version == 1  # type: ignore[union-attr]
    assert byline_rows(db) == 0


def test_a_new_byline_is_an_edit_without_a_revision(
    actions: Actions, db: Database, anna: User, ben: User, clock: FakeClock
) -> None:
    entry = actions.create_entry(anna, SLUG, body="Pegel steigt.")
    clock.advance(minutes=3)
    edited = actions.update_entry(
        anna, SLUG, entry.id, {"authors": [anna.id, ben.id]}, if_match=entry.version
    )
    assert [a.name for a in edited.authors] == ["Anna Schmidt", "Ben Ott"]
    assert (edited.version, edited.updated_at) == (2, clock.now)
    assert (edited.revision, edited.edited_at) == (1, None)  # no revision, no "updated" mark
    assert revision_rows(db) == 0
    events = entry_events(db, entry.blog_id)
    assert events[-1][0] is EventType.ENTRY_UPDATED
    # The earlier entry.created is rewritten: no event shows the old byline any more.
    assert all(len(payload["authors"]) == 2 for _, payload in events[-2:])
    # The same byline again changes nothing; an edit without authors keeps it.
    same = actions.update_entry(anna, SLUG, entry.id, {"authors": [anna.id, ben.id]}, if_match="*")
    assert same.version == 2
    text = actions.update_entry(anna, SLUG, entry.id, {"body": "Pegel fällt."}, if_match="*")
    assert (text.version, text.revision) == (3, 2)
    assert [a.id for a in text.authors] == [anna.id, ben.id]
    assert entry_events(db, entry.blog_id)[-1][1]["authors"][1]["name"] == "Ben Ott"
    # Text and byline together: one revision (of the content), the new byline.
    both = actions.update_entry(
        anna, SLUG, entry.id, {"body": "Pegel stabil.", "authors": [ben.id]}, if_match="*"
    )
    assert (both.revision, [a.id for a in both.authors]) == (3, [ben.id])
    assert byline_rows(db) == 1


def test_pins_drafts_and_schedules_carry_the_byline(
    actions: Actions, db: Database, admin: User, anna: User, ben: User, clock: FakeClock
) -> None:
    pinned = actions.create_entry(anna, SLUG, body="Oben.", pinned=True, authors=[ben.id])
    actions.create_entry(anna, SLUG, body="Neu oben.", pinned=True)
    unpinned_type, unpinned = entry_events(db, pinned.blog_id)[-2]
    assert (unpinned_type, unpinned["id"]) == (EventType.ENTRY_UNPINNED, pinned.id)
    assert unpinned["authors"] == [{"id": ben.id, "name": "Ben Ott"}]

    draft = actions.create_entry(ben, SLUG, body="Entwurf.")
    assert draft.status is EntryStatus.DRAFT
    own = actions.update_entry(ben, SLUG, draft.id, {"authors": [ben.id, anna.id]}, if_match="*")
    assert [a.id for a in own.authors] == [ben.id, anna.id]
    published = actions.update_entry(anna, SLUG, draft.id, {"status": "published"}, if_match="*")
    assert [a.id for a in published.authors] == [ben.id, anna.id]
    assert entry_events(db, draft.blog_id)[-1][1]["authors"][1]["id"] == anna.id

    at = clock.now + timedelta(minutes=5)
    later = actions.create_entry(anna, SLUG, body="Später.", publish_at=at, authors=[ben.id])
    clock.advance(minutes=5)
    (due,) = actions.publish_due()
    assert (due.id, [a.id for a in due.authors]) == (later.id, [ben.id])
    assert entry_events(db, later.blog_id)[-1][1]["authors"] == [{"id": ben.id, "name": "Ben Ott"}]


def test_a_retry_with_the_same_key_must_name_the_same_authors(
    actions: Actions, anna: User, ben: User
) -> None:
    first = actions.create_entry(anna, SLUG, body="Einmal.", authors=[ben.id], idempotency_key="k")
    again = actions.create_entry(anna, SLUG, body="Einmal.", authors=[ben.id], idempotency_key="k")
    assert (again.id, again.authors) == (first.id, first.authors)
    with pytest.raises(InvalidInput) as other:
        actions.create_entry(anna, SLUG, body="Einmal.", authors=[anna.id], idempotency_key="k")
    assert [e.field for e in other.value.errors] == ["Idempotency-Key"]


def test_show_authors_is_a_blog_setting_with_its_event(
    actions: Actions, db: Database, admin: User, anna: User
) -> None:
    blog = actions.update_blog(admin, SLUG, {"show_authors": True})
    assert blog.show_authors
    with db.read() as conn:
        event = event_log.after(conn, blog.id, 0)[-1]
    assert event.type is EventType.BLOG_UPDATED
    assert event.payload["blog"]["show_authors"] is True
    assert actions.update_blog(admin, SLUG, {"show_authors": True}).last_seq == blog.last_seq
    with pytest.raises(InvalidInput) as refused:
        actions.update_blog(admin, SLUG, {"show_authors": "yes"})
    assert [e.field for e in refused.value.errors] == ["show_authors"]
    assert not actions.update_blog(admin, SLUG, {"show_authors": False}).show_authors


def test_reading_bylines_takes_one_query_however_many_entries(
    actions: Actions, db: Database, admin: User, anna: User, ben: User, statements: Statements
) -> None:
    def selects(limit: int) -> int:
        with db.read() as conn:
            statements.clear()
            page = reads.timeline(conn, blog_id, limit=limit)
            assert all(e.authors for e in page.items)
            return len(statements.selects())

    blog_id = actions.create_entry(admin, SLUG, body="0").blog_id
    for n in range(12):
        authors = [anna.id, ben.id] if n % 3 == 0 else [ben.id] if n % 3 == 1 else None
        actions.create_entry(admin, SLUG, body=str(n), authors=authors)
    assert selects(2) == selects(13) == 2
