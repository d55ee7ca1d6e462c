"""The index page ``/`` as an archive: every blog, the running ones first by newest change, then
the ended ones by closing time, each with its newest key event and its "Stand", a bounded page
at a time behind an opaque cursor; unpublished entries count for nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Entry, User
from liveblog.domain.pagination import Cursor, cursor_key
from liveblog.storage import archive
from liveblog.storage.archive import Position
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.web import create_app
from liveblog.web.reader.archive import next_query
from liveblog.web.reader.fast_path import INDEX_KEY, key_for
from tests.conftest import FakeClock, Statements, application_not_entered

ITEM = re.compile(r'<h3 class="archive-item__title"><a href="/live/([^"]+)">')
NEXT = re.compile(r'<a class="pagination__next" rel="next" href="([^"]+)"')
KEY = b"k" * 32


def slugs(html: str) -> list[str]:
    return ITEM.findall(html)


def sections(html: str) -> dict[str, list[str]]:
    """The slugs under each ``<h2>`` of the page."""
    found: dict[str, list[str]] = {}
    for part in re.split(r"(?=<h2 )", html)[1:]:
        heading = re.search(r"<h2 [^>]*>([^<]+)</h2>", part)
        assert heading is not None
        found[heading.group(1)] = slugs(part)
    return found


def walk(client: TestClient, url: str = "/") -> list[list[str]]:
    """Follow the "older live blogs" links from ``url``: the slugs of each page."""
    pages: list[list[str]] = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(slugs(response.text))
        match = NEXT.search(response.text)
        if match is None:
            return pages
        url = match.group(1).replace("&amp;", "&")
        assert len(pages) < 20


def small_app(db: Database, clock: FakeClock, settings: Settings, size: int) -> FastAPI:
    return create_app(replace(settings, index_page_size=size), db=db, clock=clock, migrate=False)


@pytest.fixture
def small(db: Database, clock: FakeClock, settings: Settings) -> Iterator[TestClient]:
    """A client of an app whose index pages hold two blogs."""
    with TestClient(small_app(db, clock, settings, 2), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def small_writer(small: TestClient) -> Actions:
    """The actions of ``small``'s app, so that its page cache hears the commits."""
    actions = small.app.state.services.actions  # type: ignore[attr-defined]
    assert isinstance(actions, Actions)
    return actions


def make_blogs(writer: Actions, admin: User, clock: FakeClock, *names: str) -> dict[str, Entry]:
    """One blog per name, each with one entry (returned by slug), the later ones changed later."""
    posted = {}
    for name in names:
        writer.create_blog(admin, slug=name, title=f"Blog {name}")
        clock.advance(minutes=1)
        posted[name] = writer.create_entry(admin, name, body=f"Neues aus {name}.")
    return posted


# -- what the page shows -------------------------------------------------------------------------


def test_blogs_are_listed_by_their_newest_change(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    posted = make_blogs(writer, admin, clock, "alt", "mittel", "neu")
    writer.create_blog(admin, slug="leer", title="Noch leer")  # created last, nothing posted
    assert slugs(client.get("/").text) == ["leer", "neu", "mittel", "alt"]

    clock.advance(minutes=5)
    writer.create_entry(admin, "alt", body="Noch eins.")
    assert slugs(client.get("/").text) == ["alt", "leer", "neu", "mittel"]

    clock.advance(minutes=5)
    writer.update_entry(admin, "mittel", posted["mittel"].id, {"body": "Neu."}, if_match="*")
    assert slugs(client.get("/").text) == ["mittel", "alt", "leer", "neu"]


def test_each_blog_shows_its_stand_like_its_own_page(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut")
    writer.create_blog(admin, slug="marathon", title="Marathon", language="en")
    writer.create_entry(admin, "flut", body="Eins.", published_at=clock.now - timedelta(hours=1))
    writer.create_entry(admin, "marathon", body="One.")

    html = client.get("/").text

    assert '<li class="archive-item" lang="en">' in html
    assert '<time datetime="2023-10-12T03:15:00+00:00">Updated: 12 October 2023, 05:15 CEST' in html
    assert '<time datetime="2023-10-12T02:15:00+00:00">Stand: 12.10.2023 04:15 Uhr</time>' in html
    assert "Stand: 12.10.2023 04:15 Uhr" in client.get("/live/flut").text
    assert html.startswith('<!doctype html>\n<html lang="de">')  # the site's language


def test_each_blog_shows_its_newest_key_event(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut")
    writer.create_blog(admin, slug="ruhig", title="Ruhig")
    writer.create_entry(admin, "ruhig", body="Nichts Wichtiges.")
    earlier = clock.now - timedelta(minutes=30)
    writer.create_entry(
        admin, "flut", headline="Deich hält", body="…", key_event=True, published_at=earlier
    )
    writer.create_entry(admin, "flut", headline="Altstadt geräumt", body="…", key_event=True)
    writer.create_entry(admin, "flut", body="Ohne Überschrift.", key_event=True)  # none to show
    writer.create_entry(admin, "flut", headline="Nur Meldung", body="Kein wichtiges Ereignis.")

    html = client.get("/").text

    assert '<p class="archive-item__key">Altstadt geräumt</p>' in html
    assert "Flut ++ Altstadt geräumt ++" in client.get("/live/flut").text  # the same rule
    for other in ("Deich hält", "Nur Meldung", "Ohne Überschrift"):
        assert other not in html
    assert html.count('class="archive-item__key"') == 1  # "ruhig" has none


def test_ended_blogs_stay_listed_under_their_own_heading(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(writer, admin, clock, "zuerst-zu", "offen", "spaeter-zu")
    writer.update_blog(admin, "zuerst-zu", {"status": "closed"})
    clock.advance(minutes=10)
    writer.update_blog(admin, "spaeter-zu", {"status": "closed"})

    html = client.get("/").text

    assert sections(html) == {"Laufend": ["offen"], "Beendet": ["spaeter-zu", "zuerst-zu"]}
    assert '<time datetime="2023-10-12T03:28:00+00:00">Beendet: 12.10.2023 05:28 Uhr</time>' in html
    assert '<time datetime="2023-10-12T03:18:00+00:00">Beendet: 12.10.2023 05:18 Uhr</time>' in html
    assert html.count("Stand: ") == 3  # ended blogs keep their "Stand" too

    writer.update_blog(admin, "zuerst-zu", {"status": "open"})
    assert sections(client.get("/").text) == {
        "Laufend": ["offen", "zuerst-zu"],
        "Beendet": ["spaeter-zu"],
    }


def test_without_running_blogs_the_page_says_so(
    client: TestClient, writer: Actions, admin: User
) -> None:
    assert "Zurzeit läuft kein Liveblog." in client.get("/").text
    writer.create_blog(admin, slug="zu", title="Zu")
    writer.update_blog(admin, "zu", {"status": "closed"})
    html = client.get("/").text
    assert "Zurzeit läuft kein Liveblog." in html
    assert sections(html) == {"Laufend": [], "Beendet": ["zu"]}


def test_the_headings_are_in_order(client: TestClient, writer: Actions, admin: User) -> None:
    writer.create_blog(admin, slug="offen", title="Offen")
    writer.create_blog(admin, slug="zu", title="Zu")
    writer.update_blog(admin, "zu", {"status": "closed"})
    levels = [int(n) for n in re.findall(r"<h([1-6])", client.get("/").text)]
    assert levels == [1, 2, 3, 2, 3]


def test_english_site_language(
    db: Database, clock: FakeClock, settings: Settings, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="zu", title="Zu")
    writer.update_blog(admin, "zu", {"status": "closed"})
    app = create_app(replace(settings, default_language="en"), db=db, clock=clock, migrate=False)
    with TestClient(app) as english:
        html = english.get("/").text
    assert sections(html) == {"Live now": [], "Ended": ["zu"]}
    assert "No live blog is running at the moment." in html
    assert "Beendet: 12.10.2023" in html  # the blog's item in the blog's language


# -- unpublished entries -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "scheduled"])
def test_unpublished_entries_count_for_nothing(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, status: str
) -> None:
    make_blogs(writer, admin, clock, "alt", "neu")
    clock.advance(minutes=1)
    writer.create_entry(admin, "alt", headline="Altes Ereignis", body="…", key_event=True)
    before = client.get("/")
    clock.advance(minutes=10)
    fields = (
        {"publish_at": clock.now + timedelta(hours=1)}
        if status == "scheduled"
        else {"status": status}
    )
    writer.create_entry(
        admin, "neu", headline="Geheimer Entwurf", body="Geheim.", key_event=True, **fields
    )

    after = client.get("/")

    assert "Geheimer Entwurf" not in after.text
    assert slugs(after.text) == ["alt", "neu"]  # the unpublished entry is no change
    assert after.content == before.content


# -- pages ---------------------------------------------------------------------------------------


def test_cursor_pages_show_every_blog_once(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c", "d", "e", "f", "g")
    for slug in ("b", "d", "f"):
        clock.advance(minutes=1)
        small_writer.update_blog(admin, slug, {"status": "closed"})

    pages = walk(small)

    assert pages == [["g", "e"], ["c", "a"], ["f", "d"], ["b"]]
    third = small.get(NEXT.findall(small.get(NEXT.findall(small.get("/").text)[0]).text)[0])
    assert sections(third.text) == {"Beendet": ["f", "d"]}  # no empty "Laufend" on later pages


@pytest.mark.parametrize("open_blogs", [0, 1, 2, 3, 4])
def test_paging_across_the_sections_has_no_gaps_or_duplicates(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock, open_blogs: int
) -> None:
    names = [f"blog-{n}" for n in range(5)]
    small_writer.create_blog(admin, slug="gleichzeitig-1", title="Gleichzeitig 1")
    small_writer.create_blog(admin, slug="gleichzeitig-2", title="Gleichzeitig 2")  # the same Stand
    make_blogs(small_writer, admin, clock, *names)
    for name in names[open_blogs:]:
        small_writer.update_blog(admin, name, {"status": "closed"})  # all at the same moment

    pages = walk(small)

    listed = [slug for page in pages for slug in page]
    assert sorted(listed) == sorted([*names, "gleichzeitig-1", "gleichzeitig-2"])
    assert len(listed) == len(set(listed))
    assert all(len(page) == 2 for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= 2


def test_cursor_pages_link_back_and_follow_changes(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c")
    first = small.get("/").text
    assert 'class="pagination__first"' not in first
    second_url = NEXT.findall(first)[0].replace("&amp;", "&")
    second = small.get(second_url)
    assert slugs(second.text) == ["a"]
    assert '<a class="pagination__first" href="/">Zu den aktuellen Liveblogs</a>' in second.text
    assert "Ältere Liveblogs" in first
    assert 'aria-label="Weitere Liveblogs"' in first

    # The cached cursor page follows a change like the first page does.
    clock.advance(minutes=1)
    small_writer.create_entry(admin, "c", body="Noch mehr.")
    small_writer.update_blog(admin, "b", {"title": "Blog b, umbenannt"})
    assert slugs(small.get(second_url).text) == ["a"]
    clock.advance(minutes=1)
    small_writer.create_entry(admin, "b", body="Jetzt b.")
    small_writer.update_blog(admin, "a", {"status": "closed"})
    assert sections(small.get(second_url).text) == {"Beendet": ["a"]}


def test_a_cursor_past_the_end_shows_an_empty_page(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c")
    url = NEXT.findall(small.get("/").text)[0].replace("&amp;", "&")
    small_writer.update_blog(admin, "a", {"status": "closed"})  # "a" leaves the open section
    html = small.get(url).text
    assert sections(html) == {"Beendet": ["a"]}
    small_writer.update_blog(admin, "a", {"status": "open"})
    clock.advance(minutes=1)
    small_writer.create_entry(admin, "a", body="Wieder da.")  # now first: nothing after "b"
    html = small.get(url).text
    assert slugs(html) == []
    assert "Keine weiteren Liveblogs." in html


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "MTIz.YWJj",
        "%00",
        "äöü",
        Cursor(FakeClock().now, 1).encode(cursor_key("another site's secret")),
    ],
)
def test_a_bad_cursor_is_a_400_page(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock, cursor: str
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c")
    response = small.get("/", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Der Link zu älteren Liveblogs ist ungültig oder beschädigt." in response.text


def test_a_blog_pages_cursor_is_no_index_cursor(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c")
    for n in range(4):
        small_writer.create_entry(admin, "a", body=f"Meldung {n}.")
    # A valid token of a blog's "older entries" link (signed with the site's cursor key):
    index_first = small.get("/").text
    index_token = NEXT.findall(index_first)[0].split("cursor=")[1]
    services = small.app.state.services  # type: ignore[attr-defined]
    entry_token = Cursor(clock.now, 1).encode(services.cursor_key)
    assert small.get("/", params={"cursor": entry_token}).status_code == 400
    assert small.get("/", params={"cursor": index_token}).status_code == 200
    assert small.get(f"/live/a?cursor={index_token}").status_code == 400


def test_other_query_parameters_are_ignored(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="a", title="A")
    assert client.get("/?utm_source=x").content == client.get("/").content
    assert client.get("/?cursor=").content == client.get("/").content


# -- cache keys and queries ----------------------------------------------------------------------


def test_cursor_pages_are_served_from_the_fast_path(
    small: TestClient, small_writer: Actions, admin: User, clock: FakeClock
) -> None:
    make_blogs(small_writer, admin, clock, "a", "b", "c")
    url = NEXT.findall(small.get("/").text)[0].replace("&amp;", "&")
    first = small.get(url)
    app = small.app
    assert isinstance(app, FastAPI)
    with application_not_entered(app):
        assert small.get(url).content == first.content
        assert small.get("/").status_code == 200
    clock.advance(minutes=1)
    small_writer.create_entry(admin, "a", body="Neu.")  # "a" moves before the cursor
    assert slugs(small.get(url).text) == []  # rendered anew after the commit


def test_the_fast_path_keys_of_index_pages() -> None:
    def key() -> bytes:
        return KEY

    assert key_for("/", b"", key) == INDEX_KEY
    assert key_for("/", b"utm_source=x", key) == INDEX_KEY
    assert key_for("/", b"cursor=nonsense", key) is None  # the route answers 400
    at = FakeClock().now
    open_url = next_query(Position(closed=False, at=at, blog_id=3), KEY)
    closed_url = next_query(Position(closed=True, at=at, blog_id=3), KEY)
    open_key = key_for("/", open_url[1:].encode(), key)
    closed_key = key_for("/", closed_url[1:].encode(), key)
    assert open_key is not None
    assert closed_key is not None
    assert len({INDEX_KEY, open_key, closed_key}) == 3
    assert open_key[0] == INDEX_KEY[0]  # a site page: stale after any commit


def nonzero_offsets(statements: Statements) -> list[object]:
    """The values of every ``OFFSET`` sent but 0 (SQLAlchemy spells SQLite's ``LIMIT`` of a
    subquery ``LIMIT ? OFFSET ?`` with 0; positional parameters only on SQLite)."""
    found = []
    for sql, parameters in zip(statements.sql, statements.parameters, strict=True):
        marks = [m.start() for m in re.finditer(r"\?", sql)]
        for offset in re.finditer(r"OFFSET (\?|\S+)", sql, re.IGNORECASE):
            if offset.group(1) != "?":
                found.append(offset.group(1))
                continue
            value = parameters[marks.index(offset.start(1))]
            if value != 0:
                found.append(value)
    return found


@pytest.mark.parametrize("size", [1, 2, 3, 10])
def test_index_pages_use_keyset_queries_only(
    db: Database,
    actions: Actions,
    admin: User,
    clock: FakeClock,
    settings: Settings,
    statements: Statements,
    size: int,
) -> None:
    make_blogs(actions, admin, clock, "a", "b", "c", "d")
    actions.update_blog(admin, "a", {"status": "closed"})
    after = None
    seen: list[str] = []
    while True:
        statements.clear()
        with db.read() as conn:
            listing = archive.page(conn, limit=size, after=after)
        sql = " ".join(statements.selects()).upper()
        assert not nonzero_offsets(statements)
        assert "COUNT(" not in sql
        assert len(statements.selects()) <= 3  # open blogs, closed blogs, key events
        assert len(listing.items) <= size
        seen += [listed.blog.slug for listed in listing.items]
        if listing.next is None:
            break
        after = listing.next
    assert seen == ["d", "c", "b", "a"]


def test_a_page_of_ended_blogs_is_read_in_index_order(tmp_path: Path, clock: FakeClock) -> None:
    """However many blogs have ended, a page of them is a seek into ``ix_blogs_archive``, read
    in order (no sort of the whole archive). SQLite's EXPLAIN QUERY PLAN says so."""
    db = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    upgrade(db)
    actions = Actions(db, clock=clock)
    admin = actions.create_user("admin@example.org", "admin", "correct horse battery")
    make_blogs(actions, admin, clock, "a", "b", "c")
    for slug in ("a", "b", "c"):
        actions.update_blog(admin, slug, {"status": "closed"})
    after = Position(closed=True, at=clock.now, blog_id=3)
    statements = Statements(db)
    try:
        with db.read() as conn:
            archive.page(conn, limit=2, after=after)
    finally:
        statements.close()
    sql, parameters = next(
        (s, p) for s, p in zip(statements.sql, statements.parameters, strict=True) if "closed" in p
    )
    with db.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
    db.dispose()
    assert any("ix_blogs_archive" in step and "closed_at<" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
