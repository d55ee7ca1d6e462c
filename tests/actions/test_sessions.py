"""Desk sessions: a new id per login, one message for every failure, lifetimes, endings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liveblog.actions import Actions, Lifetimes, LoginFailed
from liveblog.domain.models import User
from liveblog.domain.tokens import token_hash
from liveblog.storage import sessions as session_rows
from tests.conftest import FakeClock

PASSWORD = "correct horse battery"
LIFETIMES = Lifetimes(idle=timedelta(hours=12), absolute=timedelta(days=7))


@pytest.fixture
def anna(actions: Actions) -> User:
    return actions.create_user("anna@example.org", "user", PASSWORD)


def test_login_makes_a_session_stored_only_as_a_hash(actions: Actions, anna: User) -> None:
    new = actions.log_in(" Anna@Example.org", PASSWORD)
    assert new.user.id == anna.id
    assert len(new.session_id) >= 43
    assert len(new.csrf_token) >= 43
    with actions.db.read() as conn:
        assert session_rows.by_hash(conn, new.session_id) is None
        stored = session_rows.by_hash(conn, token_hash(new.session_id))
    assert stored is not None
    assert stored.user.id == anna.id
    found = actions.session(new.session_id, LIFETIMES)
    assert found is not None
    assert found.csrf_token == new.csrf_token


def test_a_new_login_issues_a_new_id_and_ends_the_old_one(actions: Actions, anna: User) -> None:
    first = actions.log_in(anna.email, PASSWORD)
    second = actions.log_in(anna.email, PASSWORD, replaces=first.session_id)
    assert second.session_id != first.session_id
    assert actions.session(first.session_id, LIFETIMES) is None
    assert actions.session(second.session_id, LIFETIMES) is not None


def test_unknown_wrong_and_disabled_fail_alike(actions: Actions, anna: User) -> None:
    actions.create_user("off@example.org", "user", PASSWORD)
    actions.disable_user("off@example.org")
    messages = set()
    for email, password in (
        ("nobody@example.org", PASSWORD),
        (anna.email, "wrong password!"),
        ("off@example.org", PASSWORD),
        ("", ""),
    ):
        with pytest.raises(LoginFailed) as failed:
            actions.log_in(email, password)
        messages.add(failed.value.detail)
    assert len(messages) == 1


def test_idle_and_absolute_lifetimes(actions: Actions, anna: User, clock: FakeClock) -> None:
    idle = actions.log_in(anna.email, PASSWORD)
    clock.advance(hours=11, minutes=59)
    assert actions.session(idle.session_id, LIFETIMES) is not None  # used: idle time restarts
    clock.advance(hours=11, minutes=59)
    assert actions.session(idle.session_id, LIFETIMES) is not None
    clock.advance(hours=12)
    assert actions.session(idle.session_id, LIFETIMES) is None

    busy = actions.log_in(anna.email, PASSWORD)
    for _ in range(15):  # 165 hours, each use within the idle time
        clock.advance(hours=11)
        assert actions.session(busy.session_id, LIFETIMES) is not None
    clock.advance(hours=11)  # 7 days and more since the login, however busy
    assert actions.session(busy.session_id, LIFETIMES) is None


def test_logout_password_and_disabling_end_sessions(actions: Actions, anna: User) -> None:
    out = actions.log_in(anna.email, PASSWORD)
    actions.log_out(out.session_id)
    assert actions.session(out.session_id, LIFETIMES) is None

    mine, other = actions.log_in(anna.email, PASSWORD), actions.log_in(anna.email, PASSWORD)
    actions.change_password(
        anna, PASSWORD, "another long password", keep_session=token_hash(mine.session_id)
    )
    assert actions.session(mine.session_id, LIFETIMES) is not None
    assert actions.session(other.session_id, LIFETIMES) is None
    with pytest.raises(LoginFailed):
        actions.log_in(anna.email, PASSWORD)

    actions.set_password(anna.email, "a third long password")
    assert actions.session(mine.session_id, LIFETIMES) is None

    last = actions.log_in(anna.email, "a third long password")
    actions.disable_user(anna.email)
    assert actions.session(last.session_id, LIFETIMES) is None


def test_a_user_keeps_a_bounded_number_of_sessions(
    actions: Actions, anna: User, clock: FakeClock
) -> None:
    from liveblog.actions.sessions import MAX_SESSIONS_PER_USER

    made = []
    for _ in range(MAX_SESSIONS_PER_USER + 3):
        clock.advance(minutes=1)
        made.append(actions.log_in(anna.email, PASSWORD))
    alive = [s for s in made if actions.session(s.session_id, LIFETIMES) is not None]
    assert alive == made[3:]
