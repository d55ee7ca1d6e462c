"""Edits readers are told of on the reader page and the permalink: the "updated" mark with the
edit's local time (with the date once the day has changed), the correction note with its time,
neither for a minor edit; both in the blog's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import Entry, User
from tests.conftest import FakeClock

NOTE = "An earlier version named the wrong bridge."


def article(client: TestClient, path: str, entry_id: int) -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(rf'<article id="entry-{entry_id}".*?</article>', page.text, re.S)
    assert found is not None
    return found.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


@pytest.fixture
def posted(writer: Actions, admin: User, request: pytest.FixtureRequest) -> Entry:
    language = getattr(request, "param", "en")
    writer.create_blog(admin, slug="flood", title="Flood", language=language)
    return writer.create_entry(admin, "flood", body="The bridge is closed.")


def edit(writer: Actions, admin: User, entry: Entry, **changes: Any) -> Entry:
    return writer.update_entry(admin, "flood", entry.id, dict(changes), if_match="*")


def test_a_minor_edit_shows_no_mark(
    client: TestClient, writer: Actions, admin: User, posted: Entry, clock: FakeClock
) -> None:
    clock.advance(minutes=25)
    edit(writer, admin, posted, body="The bridge is closed!", minor=True)
    html = article(client, "/live/flood", posted.id)
    assert "The bridge is closed!" in html
    assert "entry__edited" not in html
    assert "entry__correction" not in html


def test_the_mark_and_the_note_on_the_page_and_the_permalink(
    client: TestClient, writer: Actions, admin: User, posted: Entry, clock: FakeClock
) -> None:
    clock.advance(minutes=25)  # 03:15 UTC is 05:15 in Berlin; the edit at 05:40
    edit(writer, admin, posted, body="The Elbe bridge is closed.", correction=NOTE)
    for path in ("/live/flood", f"/live/flood/entries/{posted.id}"):
        html = article(client, path, posted.id)
        assert "05:15 · updated 05:40" in text(html)
        assert f"Correction (05:40): {NOTE}" in text(html)
        assert '<time datetime="2023-10-12T03:40:00+00:00">05:40</time>' in html
        assert 'class="entry__correction" role="note"' in html


@pytest.mark.parametrize("posted", ["de"], indirect=True)
def test_in_german_and_with_the_date_on_a_later_day(
    client: TestClient, writer: Actions, admin: User, posted: Entry, clock: FakeClock
) -> None:
    clock.advance(hours=22)  # 03:15 the next day in Berlin
    edit(writer, admin, posted, correction="Die Brücke war nie gesperrt.")
    shown = text(article(client, "/live/flood", posted.id))
    assert "aktualisiert 13.10.2023, 03:15 Uhr" in shown
    assert "Korrektur (13.10.2023, 03:15 Uhr): Die Brücke war nie gesperrt." in shown
