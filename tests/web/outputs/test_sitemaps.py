"""``/sitemap.xml``, the Google News sitemap ``/sitemap-news.xml`` and ``/robots.txt``: what they
list, their namespaces, and that they are cached like pages (and follow the clock's hour)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.domain.serialize import rfc3339
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock, application_not_entered
from tests.web.outputs.documents import parse_xml

SITE = "https://live.example.org"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    configured = replace(settings, public_url=SITE, site_name="Elbe-Kurier")
    return create_app(configured, db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def urls(client: TestClient, path: str) -> list[ET.Element]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = parse_xml(response.content)
    assert root.tag == f"{SM}urlset"
    return root.findall(f"{SM}url")


def test_the_sitemap_lists_every_blog_with_its_last_change(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="wahl", title="Wahl", summary="")
    clock.advance(hours=1)
    writer.create_blog(admin, slug="flut", title="Flut", summary="")
    clock.advance(days=5)
    writer.create_entry(admin, "wahl", body="Erste Hochrechnung.")
    writer.update_blog(admin, "flut", {"status": "closed"})
    closed_at = clock.now
    clock.advance(hours=1)
    writer.create_entry(admin, "wahl", body="Zweite Hochrechnung.")

    found = [
        (u.findtext(f"{SM}loc"), u.findtext(f"{SM}lastmod")) for u in urls(client, "/sitemap.xml")
    ]
    # Closed blogs too; the most recently changed first.
    assert found == [
        (f"{SITE}/live/wahl", rfc3339(clock.now)),
        (f"{SITE}/live/flut", rfc3339(closed_at)),
    ]


def test_the_news_sitemap_lists_the_blogs_changed_in_the_last_48_hours(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="alt", title="Alte Lage", summary="")
    created = clock.now
    writer.create_blog(admin, slug="flood", title="Flood <!-- ]]>", summary="", language="en")
    clock.advance(hours=30)
    writer.create_entry(admin, "flood", body="Water.")
    clock.advance(hours=20)  # "alt" last changed 50 hours ago, "flood" 20

    entries = urls(client, "/sitemap-news.xml")

    assert [u.findtext(f"{SM}loc") for u in entries] == [f"{SITE}/live/flood"]
    news = entries[0].find(f"{NEWS}news")
    assert news is not None
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Elbe-Kurier"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}publication_date") == rfc3339(created)
    assert news.findtext(f"{NEWS}title") == "Flood <!-- ]]>"
    text = client.get("/sitemap-news.xml").text
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in text


def test_the_news_sitemap_follows_the_hour_without_any_commit(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut", summary="")
    assert len(urls(client, "/sitemap-news.xml")) == 1
    clock.advance(hours=47)
    assert len(urls(client, "/sitemap-news.xml")) == 1  # cached, and still within 48 hours
    clock.advance(hours=2)
    assert urls(client, "/sitemap-news.xml") == []  # the hour is part of its cache key


def test_robots_txt_names_the_sitemaps_and_keeps_robots_off_the_desk_and_api(
    client: TestClient,
) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin" in lines
    assert "Disallow: /api" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert f"Sitemap: {SITE}/sitemap-news.xml" in lines


def test_sitemaps_are_cached_like_pages(
    app: FastAPI, client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut", summary="")
    paths = ("/sitemap.xml", "/sitemap-news.xml", "/robots.txt")
    first = {path: client.get(path) for path in paths}
    with application_not_entered(app):  # fresh: the fast path answers
        for path, response in first.items():
            etag = response.headers["etag"]
            assert response.headers["cache-control"].startswith("public, max-age=")
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
            assert client.get(path).content == response.content
    writer.create_blog(admin, slug="wahl", title="Wahl", summary="")
    for path in ("/sitemap.xml", "/sitemap-news.xml"):
        again = client.get(path, headers={"If-None-Match": first[path].headers["etag"]})
        assert again.status_code == 200  # any commit makes them stale
        assert f"{SITE}/live/wahl" in again.text


def test_without_a_public_url_the_request_names_the_site(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    app = create_app(settings, db=db, clock=clock, migrate=False)
    with TestClient(app) as client:
        for host in ("a.example.org", "b.example.org"):
            text = client.get("/robots.txt", headers={"Host": host}).text
            assert f"Sitemap: http://{host}/sitemap.xml" in text


def test_no_blog_gives_empty_but_valid_sitemaps(client: TestClient) -> None:
    assert urls(client, "/sitemap.xml") == []
    assert urls(client, "/sitemap-news.xml") == []
