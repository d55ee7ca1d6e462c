"""The JSON-LD of reader pages, extracted from the served HTML with ``extruct``: a blog's pages
carry a ``LiveBlogPosting`` with its newest entries as ``BlogPosting`` updates, a permalink the
entry's ``BlogPosting``; every field, absolute URLs, times with an offset, bylines only while the
blog shows them, and text that tries to end the ``<script>`` block stays text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Entry, User
from liveblog.domain.serialize import rfc3339
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.reader.structured_data import script_json
from tests.conftest import FakeClock
from tests.web.reader.page_head import json_ld, parse_head

SITE = "https://live.example.org/news"
SLUG = "flut"
BLOG = f"{SITE}/live/{SLUG}"
UPDATES = 3


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    configured = replace(
        settings,
        public_url=SITE + "/",
        site_name="Elbe-Kurier",
        site_logo="static/logo.png",
        ld_updates=UPDATES,
        page_size=2,
    )
    return create_app(configured, db=db, clock=clock, migrate=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def ld_of(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200
    items = json_ld(response.text, SITE)
    assert len(items) == 1
    return items[0]


def permalink(entry: Entry) -> str:
    return f"{BLOG}/entries/{entry.id}"


def test_a_blog_page_carries_a_live_blog_posting_with_the_newest_entries(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(
        admin, slug=SLUG, title="Sturmflut", summary="Die Lage  an\nder Küste.", language="de"
    )
    created = clock.now
    clock.advance(minutes=5)
    first = writer.create_entry(admin, SLUG, body="Erster Eintrag.", headline="Auftakt")
    clock.advance(minutes=5)
    pinned = writer.create_entry(admin, SLUG, body="Angeheftet.", headline="Wichtig", pinned=True)
    clock.advance(minutes=5)
    long_body = "Der **Deich** hält, sagt [der Verband](https://example.org). " * 3
    untitled = writer.create_entry(admin, SLUG, body=long_body, source="dpa")
    clock.advance(minutes=5)
    newest = writer.create_entry(admin, SLUG, body="Pegel:\n\n- 3,6 m\n- fallend", key_event=True)
    clock.advance(minutes=5)
    edited = writer.update_entry(
        admin, SLUG, pinned.id, {"body": "Angeheftet, ergänzt."}, if_match=pinned.version
    )

    data = ld_of(client, f"/live/{SLUG}")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["url"] == data["@id"] == BLOG
    assert data["headline"] == "Sturmflut"
    assert data["description"] == "Die Lage an der Küste."
    assert data["datePublished"] == data["coverageStartTime"] == "2023-10-12T03:15:00+00:00"
    assert data["datePublished"] == rfc3339(created)
    assert data["dateModified"] == rfc3339(edited.updated_at)
    assert "coverageEndTime" not in data
    assert data["inLanguage"] == "de"
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Elbe-Kurier",
        "logo": {"@type": "ImageObject", "url": f"{SITE}/static/logo.png"},
    }
    # The newest three by publication, the pinned one in its place; not the first.
    updates = data["liveBlogUpdate"]
    assert [u["url"] for u in updates] == [permalink(e) for e in (newest, untitled, pinned)]
    assert all(u["@type"] == "BlogPosting" and u["@id"] == u["url"] for u in updates)
    assert permalink(first) not in json.dumps(data)
    assert updates[0] == {
        "@type": "BlogPosting",
        "@id": permalink(newest),
        "url": permalink(newest),
        "headline": "Pegel: 3,6 m fallend",
        "datePublished": rfc3339(newest.published_at),
        "dateModified": rfc3339(newest.published_at),
        "articleBody": "Pegel: 3,6 m fallend",
    }
    # No headline: the first ten words; the body as plain text, without Markdown or tags.
    assert updates[1]["headline"] == "Der Deich hält, sagt der Verband. Der Deich hält, sagt …"
    assert updates[1]["articleBody"] == " ".join(["Der Deich hält, sagt der Verband."] * 3)
    assert updates[1]["creditText"] == "dpa"
    # An edit moves dateModified, not datePublished.
    assert updates[2]["headline"] == "Wichtig"
    assert updates[2]["articleBody"] == "Angeheftet, ergänzt."
    assert updates[2]["datePublished"] == rfc3339(pinned.published_at)
    assert updates[2]["dateModified"] == rfc3339(edited.updated_at) != rfc3339(pinned.updated_at)
    assert not any("author" in u for u in updates)


def test_every_view_of_the_blog_carries_the_same_structured_data(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="", language="en")
    for n in range(5):
        clock.advance(minutes=1)
        writer.create_entry(admin, SLUG, body=f"Entry {n}.", key_event=n == 0)
    main = ld_of(client, f"/live/{SLUG}")
    assert main["description"] == "Flut"  # no summary: the title
    assert main["inLanguage"] == "en"
    assert [u["articleBody"] for u in main["liveBlogUpdate"]] == [
        "Entry 4.",
        "Entry 3.",
        "Entry 2.",
    ]
    html = client.get(f"/live/{SLUG}").text
    older = html.split('class="pagination__next" rel="next" href="')[1].split('"')[0]
    for path in (f"/live/{SLUG}?order=oldest", f"/live/{SLUG}?key_events=1", older):
        assert ld_of(client, path.replace("&amp;", "&")) == main, path


def test_a_closed_blog_names_the_end_of_its_coverage(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="")
    clock.advance(hours=2)
    writer.create_entry(admin, SLUG, body="Letzter Stand.")
    assert "coverageEndTime" not in ld_of(client, f"/live/{SLUG}")
    clock.advance(hours=1)
    writer.update_blog(admin, SLUG, {"status": "closed"})
    data = ld_of(client, f"/live/{SLUG}")
    assert data["coverageStartTime"] == "2023-10-12T03:15:00+00:00"
    assert data["coverageEndTime"] == "2023-10-12T06:15:00+00:00"
    # Later changes of the closed blog do not move its end; reopening takes it away.
    clock.advance(hours=1)
    writer.update_blog(admin, SLUG, {"title": "Flut (beendet)"})
    assert ld_of(client, f"/live/{SLUG}")["coverageEndTime"] == "2023-10-12T06:15:00+00:00"
    writer.update_blog(admin, SLUG, {"status": "open"})
    assert "coverageEndTime" not in ld_of(client, f"/live/{SLUG}")


def test_a_permalink_carries_the_entrys_blog_posting(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", summary="Lage.")
    clock.advance(minutes=10)
    entry = writer.create_entry(admin, SLUG, body="Der *Deich* hält.", source="Polizei")
    clock.advance(minutes=3)
    edited = writer.update_entry(
        admin, SLUG, entry.id, {"headline": "Deich hält"}, if_match=entry.version
    )
    data = ld_of(client, f"/live/{SLUG}/entries/{entry.id}")
    assert data == {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": permalink(entry),
        "url": permalink(entry),
        "headline": "Deich hält",
        "datePublished": "2023-10-12T03:25:00+00:00",
        "dateModified": rfc3339(edited.updated_at),
        "articleBody": "Der Deich hält.",
        "creditText": "Polizei",
        "inLanguage": "de",
        "publisher": {
            "@type": "Organization",
            "name": "Elbe-Kurier",
            "logo": {"@type": "ImageObject", "url": f"{SITE}/static/logo.png"},
        },
        "isPartOf": {"@type": "LiveBlogPosting", "@id": BLOG, "url": BLOG, "headline": "Sturmflut"},
    }
    assert data["dateModified"] == "2023-10-12T03:28:00+00:00"


def test_authors_are_named_only_while_the_blog_shows_them(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="")
    anna = writer.create_user(
        "anna@example.org", "user", "correct horse battery", display_name="Anna Schmidt"
    )
    carl = writer.create_user(
        "carl.geheim@example.org", "user", "correct horse battery", display_name=""
    )
    for user in (anna, carl):
        writer.add_member(admin, SLUG, user.email, "contributor")
    entry = writer.create_entry(admin, SLUG, body="Vor Ort.", authors=[anna.id, carl.id])
    paths = (f"/live/{SLUG}", f"/live/{SLUG}/entries/{entry.id}")

    for path in paths:
        text = json.dumps(ld_of(client, path))
        for name in ('"author"', "Anna", "carl"):
            assert name not in text

    writer.update_blog(admin, SLUG, {"show_authors": True})
    page, entry_page = (ld_of(client, path) for path in paths)
    expected = [{"@type": "Person", "name": "Anna Schmidt"}]  # Carl set no name
    assert page["liveBlogUpdate"][0]["author"] == expected
    assert entry_page["author"] == expected
    assert "carl" not in json.dumps([page, entry_page])


def test_without_a_logo_or_updates_those_fields_are_left_out(
    db: Database, settings: Settings, clock: FakeClock, admin: User
) -> None:
    app = create_app(replace(settings, ld_updates=0), db=db, clock=clock, migrate=False)
    writer = app.state.services.actions
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="")
    writer.create_entry(admin, SLUG, body="Eins.")
    with TestClient(app) as client:
        response = client.get(f"/live/{SLUG}")
        (data,) = json_ld(response.text, "http://127.0.0.1:8000")
    # Without LIVEBLOG_PUBLIC_URL pages name the listen address (never a request's Host).
    assert data["url"] == f"http://127.0.0.1:8000/live/{SLUG}"
    assert data["publisher"] == {"@type": "Organization", "name": "liveblog"}
    assert data["liveBlogUpdate"] == []


HOSTILE = "</script><script>alert(1)</script> <!-- <script> \u2028 \u2029 & -->"


def test_text_that_tries_to_end_the_block_stays_text(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug=SLUG, title=f"Flut {HOSTILE}", summary=f"Lage {HOSTILE}")
    entry = writer.create_entry(
        admin, SLUG, headline=f"Titel {HOSTILE}", body=f"Text {HOSTILE}", source=f"Quelle {HOSTILE}"
    )
    for path in (f"/live/{SLUG}", f"/live/{SLUG}/entries/{entry.id}"):
        html = client.get(path).text
        head = parse_head(html)
        # One block, and no script in the whole page but the block and the page's own files.
        (block,) = head.ld_blocks
        assert all(a.get("type") == "application/ld+json" or a.get("src") for a, _ in head.scripts)
        assert not any(c in block for c in "<>&\u2028\u2029")
        data = json_ld(html, SITE)[0]
        posting = data if data["@type"] == "BlogPosting" else data["liveBlogUpdate"][0]
        assert posting["headline"] == f"Titel {HOSTILE}"
        # The text as plain text: whitespace (U+2028 and U+2029 too) collapsed to spaces.
        assert posting["articleBody"] == " ".join(f"Text {HOSTILE}".split())
        assert posting["creditText"] == f"Quelle {HOSTILE}"
        if data["@type"] == "LiveBlogPosting":
            assert data["headline"] == f"Flut {HOSTILE}"
            assert data["description"] == " ".join(f"Lage {HOSTILE}".split())
        else:
            assert data["isPartOf"]["headline"] == f"Flut {HOSTILE}"


def test_script_json_escapes_whatever_could_end_or_break_the_block() -> None:
    data = {"a": HOSTILE, "b": ["<!--", "-->", "</SCRIPT >", "\u2028"], "c": "ä ✓ \x00 \n"}
    text = str(script_json(data))
    assert not any(c in text for c in "<>&\u2028\u2029\x00\n")
    assert json.loads(text) == data
    assert "\\u003c/script\\u003e" in text
    assert "ä ✓" in text  # readable otherwise


def test_drafts_are_never_listed(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug=SLUG, title="Flut", summary="")
    published = writer.create_entry(admin, SLUG, body="Öffentlich.")
    clock.advance(minutes=1)
    writer.create_entry(admin, SLUG, body="Entwurf geheim.", status="draft")
    writer.create_entry(admin, SLUG, body="Eingereicht geheim.", status="submitted")
    writer.create_entry(
        admin,
        SLUG,
        body="Geplant geheim.",
        status="scheduled",
        publish_at=clock.now + timedelta(hours=1),
    )
    data = ld_of(client, f"/live/{SLUG}")
    assert [u["url"] for u in data["liveBlogUpdate"]] == [permalink(published)]
    assert data["dateModified"] == rfc3339(published.updated_at)
    assert "geheim" not in json.dumps(data)
