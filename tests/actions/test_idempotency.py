"""Posting with an idempotency key: a retry returns the first entry, a reuse is refused."""

from __future__ import annotations

import pytest

from liveblog.actions import Actions
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from tests.conftest import FakeClock


@pytest.fixture
def blog(actions: Actions, admin: User) -> str:
    actions.create_blog(admin, slug="storm", title="Sturmflut")
    return "storm"


def count(actions: Actions, slug: str) -> int:
    with actions.db.read() as conn:
        blog = blog_rows.by_slug(conn, slug)
        assert blog is not None
        return len(reads.timeline(conn, blog.id, limit=100).items)


def test_a_retry_returns_the_first_entry(actions: Actions, admin: User, blog: str) -> None:
    first = actions.create_entry(admin, blog, body="Pegel steigt", idempotency_key="k-1")
    again = actions.create_entry(admin, blog, body="Pegel steigt", idempotency_key="k-1")
    assert again.id == first.id
    assert count(actions, blog) == 1
    with actions.db.read() as conn:
        blog_row = blog_rows.by_slug(conn, blog)
    assert blog_row is not None
    assert blog_row.last_seq == 2


def test_a_key_reused_for_other_text_is_refused(actions: Actions, admin: User, blog: str) -> None:
    actions.create_entry(admin, blog, body="Pegel steigt", idempotency_key="k-1")
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(admin, blog, body="Etwas anderes", idempotency_key="k-1")
    assert refused.value.errors[0].field == "Idempotency-Key"
    assert count(actions, blog) == 1


def test_keys_are_per_user_and_last_a_day(
    actions: Actions, admin: User, blog: str, clock: FakeClock
) -> None:
    anna = actions.create_user("anna@example.org", "user", "correct horse battery")
    actions.add_member(admin, blog, anna.email, "editor")
    first = actions.create_entry(admin, blog, body="A", idempotency_key="same")
    other = actions.create_entry(anna, blog, body="A", idempotency_key="same")
    assert other.id != first.id
    clock.advance(hours=24, seconds=1)
    later = actions.create_entry(admin, blog, body="A", idempotency_key="same")
    assert later.id not in (first.id, other.id)


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "ä", "a\nb"])
def test_malformed_keys_are_refused(actions: Actions, admin: User, blog: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(admin, blog, body="A", idempotency_key=key)
    assert refused.value.errors[0].field == "Idempotency-Key"
    assert count(actions, blog) == 0
