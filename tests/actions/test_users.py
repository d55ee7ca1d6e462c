"""Accounts: roles, profiles, passwords, disabling, tokens; and the listeners told of it."""

from __future__ import annotations

import pytest

from liveblog.actions import Actions
from liveblog.domain.errors import Conflict, InvalidInput, NotFound
from liveblog.domain.models import Role
from liveblog.storage import users as user_rows

PASSWORD = "correct horse battery"


def test_global_roles_are_admin_and_user(actions: Actions) -> None:
    assert actions.create_user("a@example.org", "admin", PASSWORD).role is Role.ADMIN
    user = actions.create_user("u@example.org", "user", PASSWORD, display_name=" Anna ")
    assert (user.role, user.name, user.language) == (Role.USER, "Anna", "de")
    with pytest.raises(InvalidInput) as editor:
        actions.create_user("e@example.org", "editor", PASSWORD)
    assert editor.value.errors[0].field == "role"
    with pytest.raises(Conflict):
        actions.create_user("U@example.org", "user", PASSWORD)


def test_profile_checks_its_fields(actions: Actions) -> None:
    user = actions.create_user("u@example.org", "user", PASSWORD)
    changed = actions.update_profile(user, display_name="Anna Berg", language="en")
    assert (changed.name, changed.language) == ("Anna Berg", "en")
    with pytest.raises(InvalidInput) as bad:
        actions.update_profile(user, display_name="x" * 101, language="fr")
    assert {e.field for e in bad.value.errors} == {"display_name", "language"}


def test_a_password_change_needs_the_current_one(actions: Actions) -> None:
    user = actions.create_user("u@example.org", "user", PASSWORD)
    with pytest.raises(InvalidInput) as wrong:
        actions.change_password(user, "not it at all", "a new long password")
    assert wrong.value.errors[0].field == "current_password"
    with pytest.raises(InvalidInput) as short:
        actions.change_password(user, PASSWORD, "short")
    assert short.value.errors[0].field == "new_password"
    actions.change_password(user, PASSWORD, "a new long password")
    assert actions.log_in(user.email, "a new long password").user.id == user.id


def test_taking_rights_away_tells_the_listeners(actions: Actions) -> None:
    heard: list[str] = []
    actions.on_access_revoked(lambda: heard.append("revoked"))
    user = actions.create_user("u@example.org", "user", PASSWORD)
    _, _token = actions.create_token(user.email)
    assert heard == []
    actions.revoke_tokens(user.email)
    actions.set_password(user.email, "another long password")
    actions.disable_user(user.email)
    assert heard == ["revoked"] * 3
    actions.revoke_tokens(user.email)  # nothing left to revoke: nothing to tell
    assert len(heard) == 3


def test_a_disabled_user_s_tokens_stop_working(actions: Actions) -> None:
    user = actions.create_user("u@example.org", "user", PASSWORD)
    _, token = actions.create_token(user.email)
    from liveblog.domain.tokens import token_hash

    with actions.db.read() as conn:
        generation = user_rows.revocation_generation(conn)
        assert user_rows.by_token_hash(conn, token_hash(token)) is not None
    actions.disable_user(user.email)
    with actions.db.read() as conn:
        assert user_rows.by_token_hash(conn, token_hash(token)) is None
        assert user_rows.revocation_generation(conn) > generation


def test_own_tokens_are_listed_and_revoked_one_by_one(actions: Actions) -> None:
    user = actions.create_user("u@example.org", "user", PASSWORD)
    other = actions.create_user("o@example.org", "user", PASSWORD)
    actions.create_token(user.email)
    actions.create_token(user.email)
    actions.create_token(other.email)
    first, second = actions.tokens(user)
    with pytest.raises(NotFound):
        actions.revoke_token(user, actions.tokens(other)[0].id)
    actions.revoke_token(user, first.id)
    assert [t.id for t in actions.tokens(user)] == [second.id]
