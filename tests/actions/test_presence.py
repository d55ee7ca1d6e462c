"""Desk presence: signs of life and editing marks, advisory rows that expire after a minute, at
most eight clients per user and blog, and never an event or audit record."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain import presence
from liveblog.domain.errors import InvalidInput, NotFound
from liveblog.domain.models import Blog, User
from liveblog.storage import presence as presence_rows
from liveblog.storage.tables import audit_log, desk_presence, events
from tests.conftest import FakeClock

PASSWORD = "correct horse battery"
ANNA_PAGE = "anna-page-0000000001"
BEN_PAGE = "ben-page-00000000001"


@pytest.fixture
def blog(actions: Actions, admin: User) -> Blog:
    return actions.create_blog(admin, slug="storm", title="Sturmflut")


def member(actions: Actions, admin: User, name: str, role: str = "editor") -> User:
    user = actions.create_user(f"{name}@example.org", "user", PASSWORD, display_name=name.title())
    actions.add_member(admin, "storm", user.email, role)
    return user


def signs(actions: Actions, blog: Blog, clock: FakeClock) -> list[presence.Sign]:
    with actions.db.read() as conn:
        return presence_rows.signs(conn, blog.id, clock.now - presence.TTL)


def counts(actions: Actions) -> tuple[int, int, int]:
    with actions.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
            conn.execute(select(func.count()).select_from(events)).scalar_one(),
            conn.execute(select(func.count()).select_from(desk_presence)).scalar_one(),
        )


def test_others_see_who_is_here_and_what_they_edit(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna, ben = member(actions, admin, "anna"), member(actions, admin, "ben", "contributor")
    entry = actions.create_entry(admin, "storm", body="Der Deich hält.")
    actions.desk_opened(anna, blog.id, ANNA_PAGE)
    actions.desk_opened(ben, blog.id, BEN_PAGE)
    assert actions.mark_editing(anna, "storm", ANNA_PAGE, entry.id) == blog.id
    found = signs(actions, blog, clock)
    assert presence.others(found, ben.id, clock.now) == [
        {"user": {"id": anna.id, "name": "Anna"}, "editing": entry.id}
    ]
    # Nobody sees their own pages; the rest by name.
    assert presence.others(found, anna.id, clock.now) == [
        {"user": {"id": ben.id, "name": "Ben"}, "editing": None}
    ]
    assert presence.others(found, admin.id, clock.now) == [
        {"user": {"id": anna.id, "name": "Anna"}, "editing": entry.id},
        {"user": {"id": ben.id, "name": "Ben"}, "editing": None},
    ]
    actions.mark_editing(anna, "storm", ANNA_PAGE, None)
    assert presence.others(signs(actions, blog, clock), ben.id, clock.now)[0]["editing"] is None


def test_one_item_per_user_with_the_newest_mark(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna = member(actions, admin, "anna")
    first = actions.create_entry(admin, "storm", body="eins")
    second = actions.create_entry(admin, "storm", body="zwei")
    actions.desk_opened(anna, blog.id, "anna-tab-one-0000001")
    actions.desk_opened(anna, blog.id, "anna-tab-two-0000001")
    actions.mark_editing(anna, "storm", "anna-tab-one-0000001", first.id)
    clock.advance(seconds=5)
    actions.mark_editing(anna, "storm", "anna-tab-two-0000001", second.id)
    assert presence.others(signs(actions, blog, clock), admin.id, clock.now) == [
        {"user": {"id": anna.id, "name": "Anna"}, "editing": second.id}
    ]


def test_signs_and_marks_count_for_nothing_after_a_minute(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna, ben = member(actions, admin, "anna"), member(actions, admin, "ben")
    entry = actions.create_entry(admin, "storm", body="Der Deich hält.")
    actions.desk_opened(anna, blog.id, ANNA_PAGE)
    actions.mark_editing(anna, "storm", ANNA_PAGE, entry.id)
    clock.advance(seconds=45)
    seen_at = actions.desks_seen(blog.id, [(anna.id, ANNA_PAGE)])
    assert seen_at == clock.now
    clock.advance(seconds=20)
    # Her page is still connected (seen 20 s ago), but her edit form's mark is 65 s old.
    assert presence.others(signs(actions, blog, clock), ben.id, clock.now) == [
        {"user": {"id": anna.id, "name": "Anna"}, "editing": None}
    ]
    clock.advance(seconds=41)
    assert presence.others(signs(actions, blog, clock), ben.id, clock.now) == []
    # The next write (anyone's, any blog's) deletes the stale row.
    actions.desk_opened(ben, blog.id, BEN_PAGE)
    with actions.db.read() as conn:
        rows = conn.execute(select(desk_presence.c.client)).scalars().all()
    assert rows == [BEN_PAGE]


def test_a_closed_desk_goes_unless_it_reconnected_meanwhile(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna = member(actions, admin, "anna")
    first = actions.desk_opened(anna, blog.id, ANNA_PAGE)
    clock.advance(seconds=1)
    again = actions.desk_opened(anna, blog.id, ANNA_PAGE)  # the page's stream reconnected
    actions.desk_closed(blog.id, anna.id, ANNA_PAGE, first)  # the old stream ends late
    assert [s.client for s in signs(actions, blog, clock)] == [ANNA_PAGE]
    actions.desk_closed(blog.id, anna.id, ANNA_PAGE, again)
    assert signs(actions, blog, clock) == []


def test_at_most_eight_clients_per_user_the_oldest_goes(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna = member(actions, admin, "anna")
    pages = [f"anna-page-{n:010d}" for n in range(presence.MAX_CLIENTS + 2)]
    for page in pages:
        actions.desk_opened(anna, blog.id, page)
        clock.advance(seconds=1)
    left = sorted(s.client for s in signs(actions, blog, clock))
    assert left == pages[2:]
    # An editing mark from a page without a row makes one, within the same bound.
    actions.mark_editing(anna, "storm", "anna-page-unseen0000", None)
    left = sorted(s.client for s in signs(actions, blog, clock))
    assert len(left) == presence.MAX_CLIENTS
    assert "anna-page-unseen0000" in left
    assert pages[2] not in left


def test_presence_writes_no_event_and_no_audit_record(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna = member(actions, admin, "anna")
    entry = actions.create_entry(admin, "storm", body="Der Deich hält.")
    audit_before, events_before, _ = counts(actions)
    seen_at = actions.desk_opened(anna, blog.id, ANNA_PAGE)
    actions.mark_editing(anna, "storm", ANNA_PAGE, entry.id)
    actions.desks_seen(blog.id, [(anna.id, ANNA_PAGE)])
    actions.mark_editing(anna, "storm", ANNA_PAGE, None)
    actions.desk_closed(blog.id, anna.id, ANNA_PAGE, seen_at)
    assert counts(actions)[:2] == (audit_before, events_before)


def test_only_members_mark_entries_of_their_blog(
    actions: Actions, admin: User, blog: Blog, clock: FakeClock
) -> None:
    anna, contributor = (
        member(actions, admin, "anna"),
        member(actions, admin, "cora", "contributor"),
    )
    outsider = actions.create_user("out@example.org", "user", PASSWORD)
    entry = actions.create_entry(admin, "storm", body="Der Deich hält.")
    actions.create_blog(admin, slug="other", title="Anderes")
    elsewhere = actions.create_entry(admin, "other", body="Woanders.")
    with pytest.raises(NotFound):
        actions.mark_editing(outsider, "storm", ANNA_PAGE, entry.id)
    with pytest.raises(NotFound):
        actions.mark_editing(anna, "nope", ANNA_PAGE, entry.id)
    assert actions.mark_editing(contributor, "storm", BEN_PAGE, entry.id) == blog.id
    draft = actions.create_entry(contributor, "storm", body="Entwurf")
    assert actions.mark_editing(anna, "storm", ANNA_PAGE, draft.id) == blog.id
    gone = actions.create_entry(admin, "storm", body="weg")
    actions.delete_entry(admin, "storm", gone.id, if_match=gone.version)
    for bad in (elsewhere.id, gone.id, 10**6, 0, -1, True, "1", 2**63):
        with pytest.raises(InvalidInput) as caught:
            actions.mark_editing(anna, "storm", ANNA_PAGE, bad)
        assert [e.field for e in caught.value.errors] == ["editing"], bad
    for client in ("short", "x" * 65, "with space 000000000", None, 7, "ümlaut-000000000000"):
        with pytest.raises(InvalidInput) as caught:
            actions.mark_editing(anna, "storm", client, entry.id)
        assert [e.field for e in caught.value.errors] == ["client"], client


def test_the_queue_mark_moves_with_every_change_of_the_queue(
    actions: Actions, admin: User, blog: Blog
) -> None:
    anna = member(actions, admin, "anna", "contributor")

    def mark() -> str:
        with actions.db.read() as conn:
            return presence_rows.queue_mark(conn, blog.id)

    marks = [mark()]
    draft = actions.create_entry(anna, "storm", body="Entwurf")
    marks.append(mark())
    # An edit of a draft writes no audit record; the mark moves all the same.
    draft = actions.update_entry(anna, "storm", draft.id, {"body": "Entwurf 2"}, if_match=1)
    marks.append(mark())
    actions.update_entry(anna, "storm", draft.id, {"status": "submitted"}, if_match=2)
    marks.append(mark())
    assert len(set(marks)) == len(marks)
    anna_id = anna.id
    actions.desk_opened(anna, blog.id, ANNA_PAGE)
    actions.mark_editing(anna, "storm", ANNA_PAGE, draft.id)
    actions.desks_seen(blog.id, [(anna_id, ANNA_PAGE)])
    assert mark() == marks[-1]  # presence is no change of the queue
