"""Entries with photos and embeds on the web: live events carry the stored figures as the page
has them, the page's first entry loads its photos at once, feeds and structured data name photos
by absolute URL, the desk's preview shows photos and placeholders, the API refuses with 422."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Blog, User
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock
from tests.media_rows import add_photo
from tests.test_render import tags_of
from tests.web.outputs.documents import parse_xml

SITE = "https://live.example.org"
SLUG = "sturm"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    return create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(admin, slug=SLUG, title="Sturm", summary="Alles zum Sturm.")


@pytest.fixture
def client(app: FastAPI, blog: Blog) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def imgs(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in tags_of(html) if tag == "img"]


def test_live_events_carry_the_figures_as_the_page_shows_them(
    client: TestClient, writer: Actions, admin: User, blog: Blog, db: Database, clock: FakeClock
) -> None:
    photo = add_photo(db, blog.id, alt="Sandsäcke")
    writer.create_entry(admin, SLUG, body="Davor.")
    clock.advance(minutes=1)
    entry = writer.create_entry(admin, SLUG, body=f"![](media:{photo})\n\n{YOUTUBE}")
    response = client.get(f"/api/v1/blogs/{SLUG}/events", params={"after": 1})
    (event,) = [e for e in response.json()["events"] if e.get("entry", {}).get("id") == entry.id]
    assert event["entry"]["body_html"] == entry.body_html
    html = event["html"]
    assert '<figure class="photo"><picture>' in html
    assert 'data-embed-provider="youtube"' in html
    assert "Inhalt von YouTube laden" in html
    # Arriving live, below the fold or not, the photo loads lazily (as stored).
    assert imgs(html)[0]["loading"] == "lazy"


def test_the_first_entry_of_a_page_loads_its_photos_at_once(
    client: TestClient, writer: Actions, admin: User, blog: Blog, db: Database, clock: FakeClock
) -> None:
    photo = add_photo(db, blog.id, alt="Sandsäcke")
    older = writer.create_entry(admin, SLUG, body=f"Alt.\n\n![](media:{photo})")
    clock.advance(minutes=1)
    writer.create_entry(admin, SLUG, body=f"Neu.\n\n![](media:{photo})")
    page = client.get(f"/live/{SLUG}").text
    first, second = imgs(page)
    assert "loading" not in first
    assert second["loading"] == "lazy"
    permalink = client.get(f"/live/{SLUG}/entries/{older.id}").text
    assert [a.get("loading") for a in imgs(permalink)] == [None]
    # Pinned, the older entry comes first (folded or not) and loads at once.
    writer.update_entry(admin, SLUG, older.id, {"pinned": True}, if_match="*")
    first, second = imgs(client.get(f"/live/{SLUG}").text)
    assert ("loading" not in first, second["loading"]) == (True, "lazy")


def test_feeds_and_structured_data_name_photos_by_absolute_url(
    client: TestClient, writer: Actions, admin: User, blog: Blog, db: Database
) -> None:
    photo = add_photo(db, blog.id, alt="Sandsäcke", credit="Ana Kurz")
    entry = writer.create_entry(admin, SLUG, body=f"Lage am Deich.\n\n![](media:{photo})")
    absolute = f"{SITE}/media/0123456789abcdef-"
    for kind in ("atom", "rss", "json"):
        text = client.get(f"/live/{SLUG}/feed.{kind}").text
        if kind == "json":
            content = json.loads(text)["items"][0]["content_html"]
        else:  # the HTML as the XML carries it (feedparser would clean srcset away)
            (content,) = [
                e.text for e in parse_xml(text.encode()).iter() if "<figure" in (e.text or "")
            ]
        assert content is not None
        found = [a for t, a in tags_of(content) if t in ("img", "source")]
        assert len(found) == 3, (kind, content)
        for attrs in found:
            for part in str(attrs.get("srcset")).split(","):
                assert part.strip().startswith(absolute), (kind, content)
        assert str(found[-1]["src"]).startswith(absolute)
        assert "Foto: Ana Kurz" in content

    def ld(path: str) -> Any:
        return json.loads(LD.search(client.get(path).text).group(1))  # type: ignore[union-attr]

    posting = ld(f"/live/{SLUG}/entries/{entry.id}")
    assert posting["image"] == [f"{absolute}1600.jpg"]
    (update,) = ld(f"/live/{SLUG}")["liveBlogUpdate"]
    assert update["image"] == [f"{absolute}1600.jpg"]
    assert posting["headline"] == "Lage am Deich."  # the credit is no text of the entry


def test_the_preview_shows_photos_and_placeholders_and_refuses_nothing(
    client: TestClient, admin_headers: dict[str, str], blog: Blog, db: Database
) -> None:
    photo = add_photo(db, blog.id, alt="Sandsäcke")
    body = f"![](media:{photo})\n\n![Fehlt](media:999999)\n\n{YOUTUBE}"
    reply = client.post(f"/api/v1/blogs/{SLUG}/preview", json={"body": body}, headers=admin_headers)
    assert reply.status_code == 200, reply.text
    html = reply.json()["html"]
    assert '<figure class="photo">' in html
    assert "<p>Fehlt</p>" in html
    assert '<figure class="embed" data-embed-provider="youtube"' in html


def test_the_api_refuses_a_photo_without_alt_text_with_a_field_problem(
    client: TestClient, admin_headers: dict[str, str], blog: Blog, db: Database
) -> None:
    photo = add_photo(db, blog.id)
    reply = client.post(
        f"/api/v1/blogs/{SLUG}/entries",
        json={"body": f"![](media:{photo})"},
        headers=admin_headers,
    )
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    (error,) = reply.json()["errors"]
    assert error["field"] == "body"
    assert "alt text" in error["detail"]
    assert client.get(f"/api/v1/blogs/{SLUG}/entries").json()["items"] == []


def test_the_media_url_setting_reaches_what_entries_store(
    db: Database, settings: Settings, clock: FakeClock, admin: User
) -> None:
    app = create_app(
        replace(settings, media_url="https://cdn.example/m/"), db=db, clock=clock, migrate=False
    )
    writer = app.state.services.actions
    blog = writer.create_blog(admin, slug="cdn", title="CDN")
    photo = add_photo(db, blog.id, alt="a")
    entry = writer.create_entry(admin, "cdn", body=f"![](media:{photo})")
    assert imgs(entry.body_html)[0]["src"] == "https://cdn.example/m/0123456789abcdef-960.jpg"
