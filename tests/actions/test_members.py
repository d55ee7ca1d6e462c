"""Members: owners manage them, every change is audited, a blog always keeps an owner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from liveblog.domain.models import BlogRole, User
from liveblog.storage import audit
from liveblog.storage import members as member_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import memberships

PASSWORD = "correct horse battery"


@pytest.fixture
def blog(actions: Actions, admin: User) -> str:
    actions.create_blog(admin, slug="storm", title="Sturmflut")
    return "storm"


def make_user(actions: Actions, name: str) -> User:
    return actions.create_user(f"{name}@example.org", "user", PASSWORD, display_name=name.title())


def test_the_creator_becomes_owner(actions: Actions, admin: User, blog: str) -> None:
    members = actions.members(admin, blog)
    assert [(m.user.email, m.role) for m in members] == [(admin.email, BlogRole.OWNER)]


def test_owners_add_change_and_remove_members(actions: Actions, admin: User, blog: str) -> None:
    anna, ben = make_user(actions, "anna"), make_user(actions, "ben")
    actions.add_member(admin, blog, "ANNA@example.org ", "owner")
    # Anna, now an owner, manages members herself.
    added = actions.add_member(anna, blog, ben.email, "contributor")
    assert (added.user.id, added.role) == (ben.id, BlogRole.CONTRIBUTOR)
    changed = actions.change_member(anna, blog, ben.id, "editor")
    assert changed.role is BlogRole.EDITOR
    actions.remove_member(anna, blog, ben.id)
    assert {m.user.email for m in actions.members(anna, blog)} == {admin.email, anna.email}
    with actions.db.read() as conn:
        blog_id = member_rows.blogs_of(conn, anna.id)[0][0].id
        log = audit.newest_first(conn, blog_id, limit=10)
    assert [r.action for r in log][:4] == [
        "member.removed",
        "member.changed",
        "member.added",
        "member.added",
    ]
    assert log[0].actor_name == "Anna"
    assert log[0].detail["email"] == ben.email


def test_editors_and_outsiders_cannot_manage_members(
    actions: Actions, admin: User, blog: str
) -> None:
    anna, ben = make_user(actions, "anna"), make_user(actions, "ben")
    with pytest.raises(NotFound):  # no role: the members do not exist for her
        actions.members(anna, blog)
    with pytest.raises(NotFound):
        actions.add_member(anna, blog, ben.email, "editor")
    actions.add_member(admin, blog, anna.email, "editor")
    assert len(actions.members(anna, blog)) == 2  # editors may look
    with pytest.raises(Forbidden):
        actions.add_member(anna, blog, ben.email, "editor")


def test_the_last_owner_stays(actions: Actions, admin: User, blog: str, db: Database) -> None:
    with pytest.raises(Conflict):
        actions.remove_member(admin, blog, admin.id)
    with pytest.raises(Conflict):
        actions.change_member(admin, blog, admin.id, "editor")
    anna = make_user(actions, "anna")
    actions.add_member(admin, blog, anna.email, "owner")
    actions.change_member(admin, blog, admin.id, "editor")  # Anna remains owner
    with pytest.raises(Conflict):
        actions.remove_member(admin, blog, anna.id)


def test_bad_input_names_the_field_and_writes_nothing(
    actions: Actions, admin: User, blog: str, db: Database
) -> None:
    anna = make_user(actions, "anna")
    with db.read() as conn:
        before = conn.execute(select(func.count()).select_from(memberships)).scalar_one()
    with pytest.raises(InvalidInput) as unknown:
        actions.add_member(admin, blog, "nobody@example.org", "editor")
    assert unknown.value.errors[0].field == "email"
    with pytest.raises(InvalidInput) as role:
        actions.add_member(admin, blog, anna.email, "chief")
    assert role.value.errors[0].field == "role"
    with pytest.raises(InvalidInput):
        actions.add_member(admin, blog, 42, "editor")
    with pytest.raises(NotFound):
        actions.change_member(admin, blog, anna.id, "editor")  # not a member
    with db.read() as conn:
        after = conn.execute(select(func.count()).select_from(memberships)).scalar_one()
    assert after == before


def test_a_role_is_per_blog(actions: Actions, admin: User, blog: str) -> None:
    actions.create_blog(admin, slug="match", title="Spiel")
    anna = make_user(actions, "anna")
    actions.add_member(admin, "match", anna.email, "editor")
    actions.create_entry(anna, "match", body="Anpfiff")
    with pytest.raises(Forbidden):
        actions.create_entry(anna, blog, body="Falscher Blog")


def test_the_operator_adds_members_without_an_account(
    actions: Actions, admin: User, blog: str
) -> None:
    """`liveblog member add` acts as the operator: no user, recorded as nobody."""
    anna = make_user(actions, "anna")
    member = actions.add_member(None, blog, anna.email, "owner")
    assert member.role is BlogRole.OWNER
    with actions.db.read() as conn:
        blog_id = member_rows.blogs_of(conn, anna.id)[0][0].id
        newest = audit.newest_first(conn, blog_id, limit=1)[0]
    assert (newest.action, newest.actor_id, newest.actor_name) == ("member.added", None, None)
