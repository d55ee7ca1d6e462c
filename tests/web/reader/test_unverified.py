"""The reader's "not independently verified" label: at the top of an unverified entry's
``<article>`` in the blog's language (German and English), the same on the blog page, the
entry's page, the embed and in live events (whose ``html`` is the page's own article, before
and after an edit of the flag), and in the structured data's ``articleBody``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock
from tests.web.reader.page_head import json_ld

SITE = "https://live.example.org"
ARTICLE = re.compile(r'<article id="entry-(\d+)".*?</article>', re.DOTALL)
LABELS = {
    "de": '<p class="unverified">Nicht unabhängig überprüfbar</p>',
    "en": '<p class="unverified">Not independently verified</p>',
}


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    return create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def articles(html: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(0) for m in ARTICLE.finditer(html)}


def version(client: TestClient, slug: str) -> int:
    value = client.get(f"/api/v1/blogs/{slug}").json()["version"]
    assert isinstance(value, int)
    return value


def events_after(client: TestClient, slug: str, after: int) -> list[dict[str, object]]:
    response = client.get(f"/api/v1/blogs/{slug}/events", params={"after": after})
    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert isinstance(events, list)
    return events


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_label_tops_an_unverified_entry_on_every_page_in_the_blogs_language(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, language: str
) -> None:
    slug = f"lage-{language}"
    writer.create_blog(admin, slug=slug, title="Lage", language=language)
    plain = writer.create_entry(admin, slug, body="Bestätigt.", headline="Fest")
    clock.advance(minutes=1)
    flagged = writer.create_entry(
        admin, slug, body="Ein Video soll den Bruch zeigen.", headline="Video", unverified=True
    )
    label = LABELS[language]

    page = articles(client.get(f"/live/{slug}").text)
    assert label not in page[plain.id]
    # At the top: the first thing in the article, before its time and headline.
    assert re.match(r"<article [^>]*>\s*" + re.escape(label) + r"\s*<header", page[flagged.id])
    assert page[flagged.id].count('class="unverified"') == 1

    own_page = client.get(f"/live/{slug}/entries/{flagged.id}").text
    assert label in own_page
    embed = articles(client.get(f"/live/{slug}/embed").text)
    assert label in embed[flagged.id]
    assert label not in embed[plain.id]


def test_live_events_carry_the_same_article_as_a_fresh_page(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="deich", title="Deich")
    before = version(client, "deich")
    entry = writer.create_entry(admin, "deich", body="Angeblich gebrochen.", unverified=True)

    (created,) = events_after(client, "deich", before)
    page = articles(client.get("/live/deich").text)
    assert created["html"] == page[entry.id]
    assert LABELS["de"] in page[entry.id]
    assert created["entry"]["unverified"] is True  # type: ignore[index]

    clock.advance(minutes=2)
    middle = version(client, "deich")
    writer.update_entry(admin, "deich", entry.id, {"unverified": False}, if_match="*")
    (updated,) = events_after(client, "deich", middle)
    page = articles(client.get("/live/deich").text)
    assert updated["type"] == "entry.updated"
    assert updated["html"] == page[entry.id]
    assert 'class="unverified"' not in page[entry.id]
    assert updated["entry"]["unverified"] is False  # type: ignore[index]


def test_unpublished_unverified_entries_show_nowhere(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="still", title="Still")
    writer.create_entry(admin, "still", body="Entwurf.", status="draft", unverified=True)
    assert 'class="unverified"' not in client.get("/live/still").text
    assert events_after(client, "still", 0)[-1]["type"] == "blog.created"


def test_structured_data_starts_the_article_body_with_the_label(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut", language="de")
    plain = writer.create_entry(admin, "flut", body="Pegel bei 3,6 m.", headline="Pegel")
    flagged = writer.create_entry(
        admin, "flut", body="Ein **Video** zeigt angeblich den Bruch.", headline="Video"
    )
    writer.update_entry(admin, "flut", flagged.id, {"unverified": True}, if_match="*")

    (blog_ld,) = json_ld(client.get("/live/flut").text, SITE)
    bodies = {u["url"]: u for u in blog_ld["liveBlogUpdate"]}
    flagged_ld = bodies[f"{SITE}/live/flut/entries/{flagged.id}"]
    plain_ld = bodies[f"{SITE}/live/flut/entries/{plain.id}"]
    assert flagged_ld["articleBody"] == (
        "Nicht unabhängig überprüfbar.\n\nEin Video zeigt angeblich den Bruch."
    )
    assert flagged_ld["headline"] == "Video"  # as the page shows it
    assert plain_ld["articleBody"] == "Pegel bei 3,6 m."

    (entry_ld,) = json_ld(client.get(f"/live/flut/entries/{flagged.id}").text, SITE)
    assert entry_ld["articleBody"] == flagged_ld["articleBody"]


def test_structured_data_of_an_english_blog_says_it_in_english(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="surge", title="Surge", language="en")
    entry = writer.create_entry(admin, "surge", body="A dam broke, a post says.", unverified=True)
    (entry_ld,) = json_ld(client.get(f"/live/surge/entries/{entry.id}").text, SITE)
    assert entry_ld["articleBody"].startswith("Not independently verified.\n\n")
