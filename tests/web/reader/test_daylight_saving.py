"""Entries around the end of summer time (29.10.2023 in Europe/Berlin, when 03:00 CEST becomes
02:00 CET): the reader page orders them by the instant, gives each its true offset, and names the
zone in the hour that happens twice, in German and in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from tests.conftest import FakeClock

MOMENTS = [datetime(2023, 10, 29, hour, 30, tzinfo=UTC) for hour in (0, 1, 2, 3)]
SHOWN = {
    "de": ["04:30 Uhr", "03:30 Uhr", "02:30 Uhr MEZ", "02:30 Uhr MESZ"],
    "en": ["04:30", "03:30", "02:30 CET", "02:30 CEST"],
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_entries_across_the_change_read_right(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, language: str
) -> None:
    clock.now = datetime(2023, 10, 29, 5, 0, tzinfo=UTC)
    writer.create_blog(admin, slug="night", title="Night", language=language)
    posted = [
        writer.create_entry(admin, "night", body=f"Entry {n}", published_at=moment)
        for n, moment in enumerate(MOMENTS)
    ]
    page = client.get("/live/night")
    assert page.status_code == 200
    times = re.findall(
        r'<p class="entry__time"><time datetime="([^"]+)"[^>]*>([^<]+)</time>', page.text
    )
    ids = [int(i) for i in re.findall(r'<article id="entry-(\d+)"', page.text)]
    assert ids == [e.id for e in reversed(posted)]  # newest first, by the instant
    assert [shown for _, shown in times] == SHOWN[language]
    instants = [datetime.fromisoformat(value) for value, _ in times]
    assert instants == list(reversed(MOMENTS))
    # The permalink of the entry in the repeated hour says which one it is, too.
    permalink = client.get(f"/live/night/entries/{posted[1].id}").text
    assert SHOWN[language][2] in permalink
