"""Sharing and search tags of reader pages: the canonical URL (the blog's page without view
parameters, the permalink for an entry), Open Graph and Twitter card tags; a permalink's own
title and description; nothing of an unpublished entry in any tag or in the JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.domain.serialize import rfc3339
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.reader.sharing import excerpt, og_locale
from tests.conftest import FakeClock
from tests.web.reader.page_head import Head, json_ld, parse_head

SITE = "https://live.example.org"
SLUG = "flut"
BLOG = f"{SITE}/live/{SLUG}"
SUMMARY = "Orkantief »Henrike« drückt das Wasser an die Küste."


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    configured = replace(
        settings,
        public_url=SITE,
        site_name="Elbe-Kurier",
        site_logo="https://cdn.example.org/logo.png",
        page_size=2,
    )
    return create_app(configured, db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def head_of(client: TestClient, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200, path
    return parse_head(response.text)


def test_every_view_of_a_blog_names_the_blog_page_as_canonical(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", summary=SUMMARY)
    created = clock.now
    for n in range(3):
        clock.advance(minutes=10)
        last = writer.create_entry(
            admin, SLUG, body=f"Eintrag {n}.", key_event=True, headline=f"Lage {n}"
        )
    html = client.get(f"/live/{SLUG}").text
    older = html.split('class="pagination__next" rel="next" href="')[1].split('"')[0]
    paths = [
        f"/live/{SLUG}",
        f"/live/{SLUG}?order=oldest",
        f"/live/{SLUG}?key_events=1&order=oldest",
        older.replace("&amp;", "&"),
        f"/live/{SLUG}?utm_source=newsletter",
    ]
    title = "Sturmflut ++ Lage 2 ++"
    for path in paths:
        head = head_of(client, path)
        assert head.canonical == [BLOG], path
        assert head.title == title
        assert head.one("description") == SUMMARY
        shared = {key: head.one(key) for key in head.meta if ":" in key}
        assert shared == {
            "og:type": "article",
            "og:title": title,
            "og:description": SUMMARY,
            "og:url": BLOG,
            "og:site_name": "Elbe-Kurier",
            "og:locale": "de_DE",
            "og:image": "https://cdn.example.org/logo.png",
            "article:published_time": rfc3339(created),
            "article:modified_time": rfc3339(last.updated_at),
            "twitter:card": "summary",
            "twitter:title": title,
            "twitter:description": SUMMARY,
        }, path


def test_a_permalink_has_its_own_title_and_description(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", summary=SUMMARY, language="en")
    clock.advance(minutes=10)
    titled = writer.create_entry(admin, SLUG, body="The **dike** holds.", headline="Dike holds")
    clock.advance(minutes=10)
    words = " ".join(f"word{n}" for n in range(60))
    untitled = writer.create_entry(admin, SLUG, body=f"> {words}")
    clock.advance(minutes=5)
    edited = writer.update_entry(
        admin, SLUG, titled.id, {"body": "The *dike* still holds."}, if_match=titled.version
    )

    head = head_of(client, f"/live/{SLUG}/entries/{titled.id}")
    url = f"{BLOG}/entries/{titled.id}"
    assert head.canonical == [url]
    assert head.title == head.one("og:title") == head.one("twitter:title")
    assert head.title == "Dike holds \u2013 Sturmflut"
    assert head.one("description") == head.one("og:description") == "The dike still holds."
    assert head.one("twitter:description") == "The dike still holds."
    assert head.one("og:url") == url
    assert head.one("og:type") == "article"
    assert head.one("og:locale") == "en_US"
    assert head.one("og:site_name") == "Elbe-Kurier"
    assert head.one("twitter:card") == "summary"
    assert head.one("article:published_time") == rfc3339(titled.published_at)
    assert head.one("article:modified_time") == rfc3339(edited.updated_at)

    # No headline: the first words; the description is the text's first ~200 characters.
    head = head_of(client, f"/live/{SLUG}/entries/{untitled.id}")
    first_words = " ".join(f"word{n}" for n in range(10)) + " \u2026"
    assert head.title == f"{first_words} \u2013 Sturmflut" == head.one("og:title")
    description = head.one("og:description")
    assert description == head.one("description") == head.one("twitter:description")
    assert description.endswith(" \u2026")
    assert words.startswith(description[:-2])
    assert 150 <= len(description) <= 202
    assert head.canonical == [f"{BLOG}/entries/{untitled.id}"]


def test_tag_values_are_escaped_attribute_text(
    client: TestClient, writer: Actions, admin: User
) -> None:
    hostile = '"><script>alert(1)</script> & <!--'
    writer.create_blog(admin, slug=SLUG, title=f"Flut {hostile}", summary=f"Lage {hostile}")
    entry = writer.create_entry(admin, SLUG, headline=f"Titel {hostile}", body=f"Text {hostile}")
    for path, title, description in (
        (f"/live/{SLUG}", f"Flut {hostile}", f"Lage {hostile}"),
        (
            f"/live/{SLUG}/entries/{entry.id}",
            f"Titel {hostile} \u2013 Flut {hostile}",
            f"Text {hostile}",
        ),
    ):
        head = head_of(client, path)
        assert head.one("og:title") == head.one("twitter:title") == title
        assert head.one("og:description") == head.one("twitter:description") == description
        assert all(a.get("type") == "application/ld+json" or a.get("src") for a, _ in head.scripts)


@pytest.mark.parametrize("status", ["draft", "submitted", "scheduled"])
def test_unpublished_entries_appear_in_no_tag_and_no_structured_data(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, status: str
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="")
    published = writer.create_entry(admin, SLUG, body="Öffentlich.")
    paths = (f"/live/{SLUG}", f"/live/{SLUG}/entries/{published.id}")
    before = {p: client.get(p).text for p in paths}
    clock.advance(minutes=5)
    extra = {"publish_at": clock.now + timedelta(hours=1)} if status == "scheduled" else {}
    hidden = writer.create_entry(
        admin,
        SLUG,
        body="Geheimer Text.",
        headline="Geheime Zeile",
        key_event=True,
        source="Geheime Quelle",
        status=status,
        **extra,  # type: ignore[arg-type]
    )
    page = client.get(f"/live/{SLUG}").text
    head = parse_head(page)
    tags = json.dumps([head.meta, head.canonical, head.title])
    assert "Geheim" not in tags
    assert "Geheim" not in json.dumps(json_ld(page, SITE))
    assert head.one("article:modified_time") == rfc3339(published.updated_at)
    assert f"/entries/{hidden.id}" not in page
    assert client.get(f"/live/{SLUG}/entries/{hidden.id}").status_code == 404
    # The pages are what they were before the unpublished entry was written.
    for path, html in before.items():
        assert client.get(path).text == html


def test_helpers() -> None:
    assert og_locale("de") == "de_DE"
    assert og_locale("en") == "en_US"
    assert excerpt("kurz") == "kurz"
    assert excerpt("ab " * 100, limit=10) == "ab ab ab \u2026"
    assert excerpt("x" * 300, limit=10) == "x" * 10 + " \u2026"
