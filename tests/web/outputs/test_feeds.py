"""A blog's feeds (Atom, RSS 2.0, JSON Feed 1.1): what they list, their ids and times, tombstones,
the key-events variant, caching like pages, and hostile text. Parsed with feedparser (and, for
the XML, ElementTree, which fails on anything not well-formed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import feedparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from feedparser.util import FeedParserDict

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Blog, Entry, User
from liveblog.domain.serialize import rfc3339
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock, application_not_entered
from tests.web.outputs.documents import parse_xml

SITE = "https://live.example.org"
BLOG = f"{SITE}/live/hochwasser"
ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
FORMATS = ("atom", "rss", "json")
TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json",
}


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    return create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(
        admin, slug="hochwasser", title="Hochwasser an der Elbe", summary="Die Pegel steigen."
    )


@pytest.fixture
def client(app: FastAPI, blog: Blog) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def post(writer: Actions, admin: User, clock: FakeClock, minutes_ago: float, **kw: Any) -> Entry:
    kw.setdefault("body", f"Meldung von vor {minutes_ago} Minuten.")
    return writer.create_entry(
        admin, "hochwasser", published_at=clock.now - timedelta(minutes=minutes_ago), **kw
    )


def permalink(entry: Entry) -> str:
    return f"{BLOG}/entries/{entry.id}"


def parsed(client: TestClient, format_: str, query: str = "") -> Any:
    """The feed parsed by feedparser (and checked to be well-formed by ElementTree)."""
    response = client.get(f"/live/hochwasser/feed.{format_}{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == TYPES[format_]
    if format_ == "json":
        return json_as_parsed(json.loads(response.content))
    parse_xml(response.content)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def json_as_parsed(document: dict[str, Any]) -> Any:
    """A JSON Feed in the shape feedparser gives the others (feedparser 6 reads no JSON)."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    entries = [
        FeedParserDict(
            id=item["id"],
            link=item["url"],
            title=item["title"],
            content=[FeedParserDict(value=item["content_html"])],
            published_parsed=when(item["date_published"]).utctimetuple(),
            updated_parsed=when(item["date_modified"]).utctimetuple(),
        )
        for item in document["items"]
    ]
    feed = FeedParserDict(title=document["title"], link=document["home_page_url"])
    return FeedParserDict(feed=feed, entries=entries, bozo=0)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- what the feeds list --------------------------------------------------------------------------


def test_feeds_list_the_newest_published_entries_with_ids_times_and_content(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    old = post(writer, admin, clock, 30, body="Der Deich hält **noch**.", source="Feuerwehr")
    key = post(writer, admin, clock, 20, headline="Altstadt wird geräumt", key_event=True)
    pinned = post(writer, admin, clock, 40, body="Notrufnummern: 112.", pinned=True)
    writer.update_entry(
        admin, "hochwasser", old.id, {"correction": "Es war der Nord-Deich."}, if_match="*"
    )
    newest = post(writer, admin, clock, 0, body="Ein " + "Wort " * 30)
    # Unpublished entries never appear, in any form.
    writer.create_entry(admin, "hochwasser", body="Geheimer Entwurf.", status="draft")
    writer.create_entry(admin, "hochwasser", body="Zur Prüfung eingereicht.", status="submitted")
    writer.create_entry(
        admin, "hochwasser", body="Geplante Meldung.", publish_at=clock.now + timedelta(hours=1)
    )
    order = [newest, key, old, pinned]

    for format_ in FORMATS:
        raw = client.get(f"/live/hochwasser/feed.{format_}").text
        for secret in ("Geheimer Entwurf", "Zur Prüfung", "Geplante Meldung"):
            assert secret not in raw, (format_, secret)
        feed = parsed(client, format_)
        assert feed.feed.title == "Hochwasser an der Elbe"
        assert feed.feed.link == BLOG
        assert [e.id for e in feed.entries] == [permalink(e) for e in order]
        assert [e.link for e in feed.entries] == [permalink(e) for e in order]
        titles = [e.title for e in feed.entries]
        assert titles[1] == "Altstadt wird geräumt"
        assert titles[0] == "Ein Wort Wort Wort Wort Wort Wort Wort Wort Wort …"
        assert titles[2] == "Der Deich hält noch."
        content = feed.entries[2].get("content", [{}])[0].get("value") or feed.entries[2].summary
        assert "<p>Der Deich hält <strong>noch</strong>.</p>" in content
        assert "<strong>Korrektur</strong>: Es war der Nord-Deich." in content
        assert "Quelle: Feuerwehr" in content
        published = [e.published_parsed[:6] for e in feed.entries]
        assert published == [e.published_at.utctimetuple()[:6] for e in order]

    atom = parsed(client, "atom")
    assert atom.entries[2].updated_parsed > atom.entries[2].published_parsed  # the correction
    json_feed = json.loads(client.get("/live/hochwasser/feed.json").content)
    item = json_feed["items"][2]
    assert item["date_published"] == rfc3339(old.published_at)
    assert when(item["date_modified"]) > old.published_at
    assert json_feed["version"] == "https://jsonfeed.org/version/1.1"
    assert json_feed["feed_url"] == f"{BLOG}/feed.json"
    assert json_feed["items"][1]["tags"] == ["key-event"]


def test_updated_moves_with_every_edit_and_the_cache_follows(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    entry = post(writer, admin, clock, 5, body="Pegel bei 6,20 m.")
    first = {f: client.get(f"/live/hochwasser/feed.{f}") for f in FORMATS}
    for format_, response in first.items():
        etag = response.headers["etag"]
        assert response.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=30"
        again = client.get(f"/live/hochwasser/feed.{format_}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag

    clock.advance(minutes=3)
    edited = writer.update_entry(
        admin, "hochwasser", entry.id, {"body": "Pegel bei 6,40 m."}, if_match="*"
    )

    for format_, before in first.items():
        response = client.get(
            f"/live/hochwasser/feed.{format_}", headers={"If-None-Match": before.headers["etag"]}
        )
        assert response.status_code == 200, format_  # the commit made the cached feed stale
        assert response.headers["etag"] != before.headers["etag"]
        assert "6,40 m" in response.text
        assert "6,20 m" not in response.text
    atom = parsed(client, "atom")
    assert atom.entries[0].id == permalink(entry)
    assert atom.entries[0].updated_parsed[:6] == edited.updated_at.utctimetuple()[:6]
    assert atom.entries[0].published_parsed[:6] == entry.published_at.utctimetuple()[:6]
    assert atom.feed.updated_parsed[:6] == clock.now.utctimetuple()[:6]
    rss = parsed(client, "rss")
    assert rss.entries[0].guid == permalink(entry)
    json_item = json.loads(client.get("/live/hochwasser/feed.json").content)["items"][0]
    assert json_item["date_modified"] == rfc3339(edited.updated_at)
    assert json_item["date_published"] == rfc3339(entry.published_at)


def test_deleted_entries_leave_the_feeds_and_become_atom_tombstones(
    db: Database, settings: Settings, clock: FakeClock, admin: User, blog: Blog
) -> None:
    app = create_app(
        replace(settings, public_url=SITE, feed_tombstones=2), db=db, clock=clock, migrate=False
    )
    writer = app.state.services.actions
    kept = post(writer, admin, clock, 10)
    gone = [post(writer, admin, clock, 5 - n) for n in range(3)]
    draft = writer.create_entry(admin, "hochwasser", body="Entwurf.", status="draft")
    for entry in gone:
        clock.advance(minutes=1)
        writer.delete_entry(admin, "hochwasser", entry.id, if_match="*")
    writer.delete_entry(admin, "hochwasser", draft.id, if_match="*")
    with TestClient(app) as client:
        for format_ in FORMATS:
            assert [e.id for e in parsed(client, format_).entries] == [permalink(kept)]
            raw = client.get(f"/live/hochwasser/feed.{format_}").text
            for entry in (*gone, draft):
                assert entry.body not in raw  # no text of a deleted entry, anywhere
        root = parse_xml(client.get("/live/hochwasser/feed.atom").content)
        tombstones = [(t.get("ref"), t.get("when")) for t in root.iter(TOMBSTONE)]
        # The two most recently deleted (feed_tombstones=2), newest first; never the draft.
        assert tombstones == [
            (permalink(gone[2]), rfc3339(clock.now)),
            (permalink(gone[1]), rfc3339(clock.now - timedelta(minutes=1))),
        ]
        assert (
            'xmlns:at="http://purl.org/atompub/tombstones/1.0"'
            in client.get("/live/hochwasser/feed.atom").text
        )
        # The key-events feed carries them too: a reader may have fetched the entry there.
        keyed = parse_xml(client.get("/live/hochwasser/feed.atom?key_events=1").content)
        assert len(list(keyed.iter(TOMBSTONE))) == 2


def test_the_key_events_feeds(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    key = post(writer, admin, clock, 10, headline="Deich gebrochen", key_event=True)
    post(writer, admin, clock, 5)
    for format_ in FORMATS:
        feed = parsed(client, format_, "?key_events=1")
        assert [e.id for e in feed.entries] == [permalink(key)]
        assert feed.feed.title == "Hochwasser an der Elbe \u2013 Wichtige Ereignisse"
        same = client.get(f"/live/hochwasser/feed.{format_}?key_events=true&utm_source=x")
        assert same.content == client.get(f"/live/hochwasser/feed.{format_}?key_events=1").content
        everything = client.get(f"/live/hochwasser/feed.{format_}?key_events=0")
        assert everything.content == client.get(f"/live/hochwasser/feed.{format_}").content
        bad = client.get(f"/live/hochwasser/feed.{format_}?key_events=maybe")
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["errors"][0]["field"] == "key_events"
    atom = parse_xml(client.get("/live/hochwasser/feed.atom?key_events=1").content)
    links = {link.get("rel"): link.get("href") for link in atom.iter(f"{ATOM}link")}
    assert links["self"] == f"{BLOG}/feed.atom?key_events=1"


def test_feed_size_bounds_the_feed(
    db: Database, settings: Settings, clock: FakeClock, admin: User, blog: Blog
) -> None:
    app = create_app(replace(settings, public_url=SITE, feed_size=3), db=db, clock=clock)
    writer = app.state.services.actions
    entries = [post(writer, admin, clock, 10 - n) for n in range(5)]
    with TestClient(app) as client:
        for format_ in FORMATS:
            ids = [e.id for e in parsed(client, format_).entries]
            assert ids == [permalink(e) for e in reversed(entries[-3:])]


def test_unknown_blogs_are_404_on_every_feed(client: TestClient) -> None:
    for format_ in FORMATS:
        for slug in ("nope", "Not_A-Slug"):
            for query in ("", "?key_events=1"):
                response = client.get(f"/live/{slug}/feed.{format_}{query}")
                assert response.status_code == 404
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["status"] == 404
    assert client.get("/live/hochwasser/feed.xml").status_code == 404


def test_pages_and_permalinks_name_their_feeds(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    entry = post(writer, admin, clock, 1)
    for url in ("/live/hochwasser", f"/live/hochwasser/entries/{entry.id}"):
        html = client.get(url).text
        head = html[: html.index("</head>")]
        for format_, type_ in TYPES.items():
            link = f'type="{type_.split(";")[0]}"'
            assert link in head
            assert f'href="/live/hochwasser/feed.{format_}"' in head
    assert "feed.atom" not in client.get("/").text


def test_fresh_feeds_are_served_by_the_fast_path(
    app: FastAPI, client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    post(writer, admin, clock, 1)
    urls = [f"/live/hochwasser/feed.{f}{q}" for f in FORMATS for q in ("", "?key_events=1")]
    rendered = {url: client.get(url) for url in urls}
    with application_not_entered(app):
        for url, first in rendered.items():
            served = client.get(url)
            assert served.status_code == 200
            assert served.content == first.content
            assert served.headers["etag"] == first.headers["etag"]
            head = client.head(url)
            assert head.status_code == 200
            assert head.headers["content-length"] == first.headers["content-length"]


def test_without_a_public_url_each_host_gets_its_own_feed(
    db: Database, settings: Settings, clock: FakeClock, admin: User, blog: Blog
) -> None:
    app = create_app(settings, db=db, clock=clock, migrate=False)
    post(app.state.services.actions, admin, clock, 1)
    with TestClient(app) as client:
        for host in ("a.example.org", "b.example.org", "a.example.org"):
            text = client.get("/live/hochwasser/feed.atom", headers={"Host": host}).text
            other = "b" if host.startswith("a") else "a"
            assert f"http://{host}/live/hochwasser/entries/" in text
            assert f"{other}.example.org" not in text


# -- hostile text ---------------------------------------------------------------------------------

HOSTILE = "</script><!-- ]]> &amp; <b>x</b> \ufffe\uffff"


def test_hostile_text_gives_valid_documents(
    db: Database, settings: Settings, clock: FakeClock, admin: User, blog: Blog
) -> None:
    writer = Actions(db, clock=clock)
    entry = writer.create_entry(
        admin,
        "hochwasser",
        headline="Kopf " + HOSTILE,
        body="Text " + HOSTILE + "\n\n```\n]]>\n```",
        source="Quelle " + HOSTILE,
        key_event=True,
    )
    writer.update_entry(
        admin, "hochwasser", entry.id, {"correction": "Korr " + HOSTILE}, if_match="*"
    )
    plain = post(writer, admin, clock, 1, body=HOSTILE)
    # Control characters cannot come through the actions (they refuse them); rows written
    # before that rule, or by hand, may still hold them.
    control = "".join(chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32)))
    with db.engine.begin() as conn:
        blog_rows.update_blog(
            conn, blog.id, {"title": "Titel " + control + HOSTILE, "summary": control + HOSTILE}
        )
        entry_rows.update_entry(
            conn,
            plain.id,
            {"headline": "Zeile" + control, "source": control, "body_html": f"<p>{control}</p>"},
        )
    app = create_app(replace(settings, public_url=SITE), db=db, clock=clock, migrate=False)
    with TestClient(app) as client:
        for format_ in FORMATS:
            for query in ("", "?key_events=1"):
                feed = parsed(client, format_, query)
                assert feed.feed.title.startswith("Titel </script><!-- ]]> &amp; <b>x</b>")
                assert "\ufffe" not in feed.feed.title
                hostile = next(e for e in feed.entries if e.id == permalink(entry))
                assert hostile.title.startswith("Kopf ")
        atom = parse_xml(client.get("/live/hochwasser/feed.atom").content)
        content = [c.text or "" for c in atom.iter(f"{ATOM}content")]
        assert any("Quelle &lt;/script&gt;&lt;!-- ]]&gt;" in c for c in content)
        assert any("<pre><code>]]&gt;" in c for c in content)
        rss = parse_xml(client.get("/live/hochwasser/feed.rss").content)
        descriptions = [d.text or "" for d in rss.iter("description")]
        assert any("<pre><code>]]&gt;" in d for d in descriptions)
        items = json.loads(client.get("/live/hochwasser/feed.json").content)["items"]
        titles = {item["id"]: item["title"] for item in items}
        assert titles[permalink(plain)] == "Zeile"
        assert titles[permalink(entry)] == "Kopf </script><!-- ]]> &amp; <b>x</b>"
        atom_titles = [t.text for t in atom.iter(f"{ATOM}title")]
        assert "Kopf </script><!-- ]]> &amp; <b>x</b>" in atom_titles
        for text in (client.get(f"/live/hochwasser/feed.{f}").text for f in FORMATS):
            assert not any(ch in text for ch in control + "\ufffe\uffff")
