"""Entries marked "not independently verified" in the feeds (Atom, RSS, JSON Feed, parsed with
feedparser): their title and their content start with the label in the blog's language, and
they carry it as a category (Atom ``term="unverified"``, RSS ``<category>``, JSON ``tags``);
other entries are as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import feedparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Entry, User
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock
from tests.web.outputs.documents import parse_xml

SITE = "https://live.example.org"
LABEL = {"de": "Nicht unabhängig überprüfbar", "en": "Not independently verified"}


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    return create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def two_entries(writer: Actions, admin: User, clock: FakeClock, language: str) -> list[Entry]:
    slug = f"flut-{language}"
    writer.create_blog(admin, slug=slug, title="Flut", language=language)
    plain = writer.create_entry(admin, slug, body="Pegel bei **3,6 m**.", headline="Pegel")
    clock.advance(minutes=1)
    flagged = writer.create_entry(
        admin, slug, body="Ein Video soll den *Bruch* zeigen.", headline="Video", unverified=True
    )
    clock.advance(minutes=1)
    untitled = writer.create_entry(admin, slug, body="Sirenen im Hafen.", unverified=True)
    return [plain, flagged, untitled]


def by_link(entries: list[Any]) -> dict[str, Any]:
    return {str(e["link"]): e for e in entries}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("format_", ["atom", "rss"])
def test_xml_feeds_label_title_content_and_category(
    client: TestClient,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    language: str,
    format_: str,
) -> None:
    plain, flagged, untitled = two_entries(writer, admin, clock, language)
    label = LABEL[language]
    response = client.get(f"/live/flut-{language}/feed.{format_}")
    assert response.status_code == 200
    parse_xml(response.content)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    items = by_link(feed.entries)
    base = f"{SITE}/live/flut-{language}/entries"

    shown = items[f"{base}/{flagged.id}"]
    assert shown["title"] == f"{label}: Video"
    content = shown["content"][0]["value"] if format_ == "atom" else shown["summary"]
    assert content.startswith(f'<p class="unverified"><strong>{label}</strong></p>\n<p>Ein Video')
    # Atom's category has a term and a label; RSS's is the label alone.
    assert [t["term"] for t in shown["tags"]] == ["unverified" if format_ == "atom" else label]
    assert items[f"{base}/{untitled.id}"]["title"] == f"{label}: Sirenen im Hafen."

    other = items[f"{base}/{plain.id}"]
    assert other["title"] == "Pegel"
    assert label not in json.dumps(other, default=str)


def test_atom_names_the_category_by_term_and_label(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    _, flagged, _ = two_entries(writer, admin, clock, "de")
    feed = feedparser.parse(client.get("/live/flut-de/feed.atom").content)
    shown = by_link(feed.entries)[f"{SITE}/live/flut-de/entries/{flagged.id}"]
    assert {(t["term"], t["label"]) for t in shown["tags"]} == {
        ("unverified", "Nicht unabhängig überprüfbar")
    }


def test_json_feed_labels_title_content_and_tags(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    plain, flagged, _ = two_entries(writer, admin, clock, "en")
    writer.update_entry(admin, "flut-en", plain.id, {"key_event": True}, if_match="*")
    document = client.get("/live/flut-en/feed.json").json()
    items = {item["url"]: item for item in document["items"]}
    base = f"{SITE}/live/flut-en/entries"

    shown = items[f"{base}/{flagged.id}"]
    assert shown["title"] == "Not independently verified: Video"
    assert shown["content_html"].startswith(
        '<p class="unverified"><strong>Not independently verified</strong></p>'
    )
    assert shown["tags"] == ["unverified"]
    other = items[f"{base}/{plain.id}"]
    assert (other["title"], other["tags"]) == ("Pegel", ["key-event"])
    assert "unverified" not in other["content_html"]


def test_removing_the_flag_takes_the_label_out_of_the_feeds(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    _, flagged, _ = two_entries(writer, admin, clock, "de")
    writer.update_entry(admin, "flut-de", flagged.id, {"unverified": False}, if_match="*")
    for format_ in ("atom", "rss", "json"):
        text = client.get(f"/live/flut-de/feed.{format_}").text
        # The other unverified entry: its title, content and (XML) category.
        assert text.count("Nicht unabhängig überprüfbar") == (2 if format_ == "json" else 3)
