"""Times that some time zone cannot show: refused when an editor sends them, and harmless when a
row from before that rule holds one (issue 9: one entry could break a whole blog)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.models import User
from liveblog.storage.database import Database
from tests.conftest import FakeClock
from tests.web.api.helpers import assert_problem, new_blog, new_entry, snapshot


@pytest.fixture
def blog(client: TestClient, admin_headers: dict[str, str]) -> str:
    new_blog(client, admin_headers, slug="ny", timezone="America/New_York", language="en")
    return "ny"


OUT_OF_RANGE = [
    "0001-01-01T00:00:00+00:00",  # year 0 in New York
    "0001-01-01T00:00:00+14:00",  # no UTC date at all
    "9999-12-31T23:59:59-14:00",  # the year 10000 in UTC
    "1969-12-31T23:59:59+00:00",
    "2100-01-01T00:00:00+00:00",
]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_published_at_outside_the_range_is_422_on_post_and_patch(
    client: TestClient, admin_headers: dict[str, str], blog: str, db: Database, value: str
) -> None:
    entry = new_entry(client, admin_headers, slug=blog)
    before = snapshot(db)
    posted = client.post(
        f"/api/v1/blogs/{blog}/entries",
        json={"body": "Old news.", "published_at": value},
        headers=admin_headers,
    )
    problem = assert_problem(posted, 422, "published_at")
    assert "1970-01-01T00:00:00+00:00" in problem["detail"]
    patched = client.patch(
        f"/api/v1/blogs/{blog}/entries/{entry['id']}",
        json={"published_at": value},
        headers={**admin_headers, "If-Match": f'"{entry["id"]}-1"'},
    )
    assert_problem(patched, 422, "published_at")
    assert snapshot(db) == before


def test_the_range_bounds_are_accepted(
    client: TestClient, admin_headers: dict[str, str], blog: str, clock: FakeClock
) -> None:
    entry = new_entry(client, admin_headers, slug=blog, published_at="1970-01-01T00:00:00Z")
    assert entry["published_at"] == "1970-01-01T00:00:00+00:00"
    assert client.get("/live/ny?order=oldest").status_code == 200


@pytest.mark.parametrize("zone", ["localtime", "Factory"])
def test_time_zones_without_a_stable_meaning_are_422(
    client: TestClient, admin_headers: dict[str, str], zone: str
) -> None:
    created = client.post(
        "/api/v1/blogs", json={"slug": "z", "title": "Z", "timezone": zone}, headers=admin_headers
    )
    assert_problem(created, 422, "timezone")


def test_a_row_from_before_the_range_does_not_break_the_blog(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock, blog: str
) -> None:
    """Written before the rule (the clock stands in for an import that was accepted then)."""
    actions = app.state.services.actions
    now = clock.now
    clock.now = datetime(1, 1, 1, tzinfo=UTC)
    old = actions.create_entry(admin, blog, body="From the year 1.", headline="Ancient")
    clock.now = now
    later = actions.create_entry(admin, blog, body="Today.")
    pages = {
        "/live/ny": 200,
        "/live/ny?order=oldest": 200,
        "/live/ny?key_events=1": 200,
        f"/live/ny/entries/{old.id}": 200,
        "/api/v1/blogs/ny/events?after=0": 200,
        "/": 200,
    }
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, (url, response.text)
    oldest = client.get("/live/ny?order=oldest").text
    assert "Ancient" in oldest
    assert "1 Jan 0001, 00:00" in oldest  # shown in UTC: New York has no such day
    events = client.get("/api/v1/blogs/ny/events?after=0").json()["events"]
    assert [e["entry"]["id"] for e in events if "entry" in e] == [old.id, later.id]
    assert all("html" in e for e in events if "entry" in e)
