"""Drafts, review and scheduling: unpublished entries reach no reader surface and take no event
number; publishing and the scheduler's step append the public event once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.errors import Conflict, Forbidden, InvalidInput
from liveblog.domain.models import EntryStatus, User
from tests.conftest import FakeClock


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No scheduler in the app: these tests move the clock and publish what is due themselves
    (the app's own scheduler would race them to it)."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", scheduler_seconds=0)


@pytest.fixture
def contributor(writer: Actions, admin: User) -> User:
    writer.create_blog(admin, slug="flood", title="Flood")
    user = writer.create_user("anna@example.org", "user", "correct horse battery")
    writer.add_member(admin, "flood", user.email, "contributor")
    return user


def public_view(client: TestClient, entry_id: int) -> tuple[int, str, int, int]:
    page = client.get("/live/flood").text
    listed = client.get("/api/v1/blogs/flood/entries").json()["items"]
    events = client.get("/api/v1/blogs/flood/events?after=0").json()["events"]
    item = client.get(f"/api/v1/blogs/flood/entries/{entry_id}").status_code
    return item, page, len(listed), len(events)


def test_drafts_and_schedules_stay_hidden_until_published_once(
    client: TestClient, writer: Actions, admin: User, contributor: User, clock: FakeClock
) -> None:
    before = public_view(client, 10_000)
    draft = writer.create_entry(contributor, "flood", body="Geheimer Entwurf")
    assert draft.status is EntryStatus.DRAFT
    submitted = writer.update_entry(
        contributor, "flood", draft.id, {"status": "submitted"}, if_match="*"
    )
    assert submitted.status is EntryStatus.SUBMITTED
    with pytest.raises(Forbidden):
        writer.update_entry(contributor, "flood", draft.id, {"status": "published"}, if_match="*")
    at = clock.now + timedelta(minutes=5)
    scheduled = writer.update_entry(admin, "flood", draft.id, {"publish_at": at}, if_match="*")
    assert (scheduled.status, scheduled.publish_at) == (EntryStatus.SCHEDULED, at)
    item, page, listed, events = public_view(client, draft.id)
    assert item == 404
    assert "Geheimer Entwurf" not in page
    assert (listed, events) == before[2:]
    assert writer.publish_due() == []  # not yet due
    clock.advance(minutes=5)
    published = writer.publish_due()
    assert [e.id for e in published] == [draft.id]
    assert published[0].published_at == at
    assert writer.publish_due() == []  # once
    item, page, listed, events = public_view(client, draft.id)
    assert (item, listed, events) == (200, before[2] + 1, before[3] + 1)
    assert "Geheimer Entwurf" in page
    with pytest.raises(Conflict):
        writer.update_entry(admin, "flood", draft.id, {"status": "draft"}, if_match="*")


def test_bad_schedules_are_refused(
    writer: Actions, admin: User, contributor: User, clock: FakeClock
) -> None:
    with pytest.raises(InvalidInput) as past:
        writer.create_entry(admin, "flood", body="x", publish_at=clock.now - timedelta(minutes=1))
    assert [e.field for e in past.value.errors] == ["publish_at"]
    with pytest.raises(Forbidden):
        writer.create_entry(contributor, "flood", body="x", status="published")
    other = writer.create_entry(admin, "flood", body="Entwurf", status="draft")
    with pytest.raises(Forbidden):
        writer.update_entry(contributor, "flood", other.id, {"body": "mine"}, if_match="*")
