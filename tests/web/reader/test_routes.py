"""The reader page: what it shows, its views, its errors, its caching, and that it follows every
change. Writes go through the app's own actions so its page cache hears the commits."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import Blog, Entry, User
from liveblog.domain.pagination import Cursor, cursor_key
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.static_files import static_url
from tests.conftest import FakeClock, Statements, application_not_entered

URL = "/live/hochwasser"
ARTICLE = re.compile(r'<article id="entry-(\d+)"')
NEXT = re.compile(r'<a class="pagination__next" rel="next" href="([^"]+)"')


# -- helpers -------------------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


DATA_BLOCK = "application/ld+json"


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def article_ids(html: str) -> list[int]:
    return [int(i) for i in ARTICLE.findall(html)]


def walk(client: TestClient, url: str) -> list[list[int]]:
    """Follow the "older entries" links from ``url``; the entry ids of each page."""
    found: list[list[int]] = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.text
        found.append(article_ids(response.text))
        match = NEXT.search(response.text)
        if match is None:
            return found
        url = match.group(1).replace("&amp;", "&")
        assert len(found) < 50


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(
        admin,
        slug="hochwasser",
        title="Hochwasser an der Elbe",
        summary="Die Pegel steigen weiter.\n\nWir berichten fortlaufend.",
    )


def post(writer: Actions, admin: User, clock: FakeClock, minutes_ago: float, **kw: Any) -> Entry:
    kw.setdefault("body", f"Meldung von vor {minutes_ago} Minuten.")
    return writer.create_entry(
        admin, "hochwasser", published_at=clock.now - timedelta(minutes=minutes_ago), **kw
    )


def make_app(db: Database, clock: FakeClock, settings: Settings, **overrides: Any) -> FastAPI:
    return create_app(replace(settings, **overrides), db=db, clock=clock, migrate=False)


def fresh_get(db: Database, clock: FakeClock, settings: Settings, url: str) -> bytes:
    """The page as a new process (empty cache) renders it now."""
    with TestClient(make_app(db, clock, settings)) as other:
        response = other.get(url)
        return response.content


# -- what the page shows -------------------------------------------------------------------------


def test_page_has_kicker_headline_stand_teaser_and_entries(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    first = post(writer, admin, clock, 120, body="Der Deich hält **noch**.", source="Feuerwehr")
    key = post(writer, admin, clock, 60, headline="Altstadt wird geräumt", key_event=True)
    pinned = post(writer, admin, clock, 240, headline="Notrufnummern", pinned=True)
    last = post(writer, admin, clock, 0, body="Neueste Meldung.")

    response = client.get(URL)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert html.startswith('<!doctype html>\n<html lang="de">')
    headline = "Hochwasser an der Elbe ++ Altstadt wird geräumt ++"
    assert f"<title>{headline}</title>" in html
    # On the page each "++" keeps to its word (no-break spaces); the title is plain text.
    typeset = headline.replace(" ++", "\u00a0++")
    assert f'<h1 class="headline">{typeset}</h1>' in html
    assert '<p class="kicker">Liveblog</p>' in html
    assert (
        '<meta name="description" content="Die Pegel steigen weiter. Wir berichten fortlaufend.">'
        in html
    )
    assert (
        '<time datetime="2023-10-12T03:15:00+00:00" data-day="2023-10-12">'
        "Stand: 12.10.2023 05:15 Uhr</time>"
    ) in html
    assert '<p class="teaser">Die Pegel steigen weiter.</p>' in html
    assert '<p class="teaser">Wir berichten fortlaufend.</p>' in html
    # Pinned on top, then newest first.
    assert article_ids(html) == [pinned.id, last.id, key.id, first.id]
    assert html.count("Angeheftet") == 1
    assert html.index("Angeheftet") < html.index(f'id="entry-{last.id}"')
    assert "<p>Der Deich hält <strong>noch</strong>.</p>" in html
    assert '<p class="entry__source">Quelle: Feuerwehr</p>' in html
    assert f'<a href="/live/hochwasser/entries/{first.id}">' in html
    assert (
        '<time datetime="2023-10-12T01:15:00+00:00" data-day="2023-10-12" '
        'data-short="03:15 Uhr" data-long="12.10.2023, 03:15 Uhr">03:15 Uhr</time>'
    ) in html
    tags = parse(html)
    names = [t for t, _ in tags.tags]
    for landmark in ("main", "header", "nav", "section", "article", "h1", "h2", "h3", "time"):
        assert landmark in names
    assert names.index("h1") < names.index("h2") < names.index("h3")
    # The scripts are the live client, same-origin and deferred, its page part first (see
    # live.js); the other is the structured data, which browsers never run.
    assert [attrs for tag, attrs in tags.tags if tag == "script"] == [
        {"type": DATA_BLOCK},
        {"src": static_url("live-view.js"), "defer": None},
        {"src": static_url("live.js"), "defer": None},
    ]


def test_english_blog_is_labelled_in_english(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="flood", title="Flood", summary="Rivers rise.", language="en")
    entry = writer.create_entry(
        admin, "flood", body="Water.", source="Police", pinned=True, key_event=True, headline="Dam"
    )

    html = client.get("/live/flood").text

    assert '<html lang="en">' in html
    assert '<p class="kicker">Live blog</p>' in html
    assert "<title>Flood ++ Dam ++</title>" in html
    assert "Updated: 12 October 2023, 05:15 CEST" in html
    assert ">Pinned<" in html
    assert ">Key event<" in html
    assert "Source: Police" in html
    assert "Link to this entry" in html
    assert "Newest first" in html
    assert "Angeheftet" not in html
    permalink = client.get(f"/live/flood/entries/{entry.id}").text
    assert "Back to the live blog" in permalink


def test_blog_without_entries_shows_its_creation_time(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock
) -> None:
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser", summary="")
    clock.advance(hours=3)

    html = client.get(URL).text

    assert "<title>Hochwasser</title>" in html
    assert "Stand: 12.10.2023 05:15 Uhr" in html
    assert "Noch keine Einträge." in html
    assert '<meta name="description" content="Hochwasser">' in html
    assert "pagination__next" not in html


def test_entries_of_other_days_show_their_date(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    post(writer, admin, clock, 60 * 24)
    post(writer, admin, clock, 0)

    html = client.get(URL).text

    assert ">11.10.2023, 05:15 Uhr</time>" in html
    assert ">05:15 Uhr</time>" in html


def test_closed_blog_says_so(client: TestClient, writer: Actions, admin: User, blog: Blog) -> None:
    writer.update_blog(admin, "hochwasser", {"status": "closed"})
    assert '<p class="closed__state">Beendet <time datetime=' in client.get(URL).text


def test_index_lists_open_blogs_then_ended_ones(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="offen", title="Offener Blog")
    writer.create_blog(admin, slug="zu", title="Beendeter Blog")
    writer.update_blog(admin, "zu", {"status": "closed"})

    response = client.get("/")

    assert response.status_code == 200
    html = response.text
    assert '<a href="/live/offen">Offener Blog</a>' in html
    assert html.index("Offener Blog") < html.index(">Beendet</h2>") < html.index("Beendeter Blog")
    assert response.headers["etag"]
    again = client.get("/", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


# -- views and pagination ------------------------------------------------------------------------


@pytest.fixture
def small_pages(db: Database, clock: FakeClock, settings: Settings) -> Iterator[TestClient]:
    with TestClient(make_app(db, clock, settings, page_size=3)) as small:
        yield small


def test_every_view_shows_every_entry_exactly_once(
    small_pages: TestClient, admin: User, clock: FakeClock
) -> None:
    writer = small_pages.app.state.services.actions  # type: ignore[attr-defined]
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser")
    entries = [
        post(writer, admin, clock, 100 - i, key_event=i % 3 == 0, headline=f"Lage {i}")
        for i in range(10)
    ]
    pinned = entries[4]
    writer.update_entry(admin, "hochwasser", pinned.id, {"pinned": True}, if_match=1)
    newest = [e.id for e in reversed(entries)]
    key_newest = [e.id for e in reversed(entries) if e.key_event]

    default = walk(small_pages, URL)
    assert default[0][0] == pinned.id
    assert [i for page in default for i in page] == [pinned.id] + [
        i for i in newest if i != pinned.id
    ]
    assert all(pinned.id not in page for page in default[1:])
    assert all(len(page) <= 3 for page in default[1:])

    oldest = walk(small_pages, URL + "?order=oldest")
    assert [i for page in oldest for i in page] == list(reversed(newest))

    keys = walk(small_pages, URL + "?key_events=1")
    assert [i for page in keys for i in page] == key_newest

    keys_oldest = walk(small_pages, URL + "?key_events=1&order=oldest")
    assert [i for page in keys_oldest for i in page] == list(reversed(key_newest))


def test_pinned_entry_in_other_views_stays_in_place_and_is_marked(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    older = post(writer, admin, clock, 30, pinned=True, key_event=True, headline="Wichtig")
    newer = post(writer, admin, clock, 10)

    oldest = client.get(URL + "?order=oldest").text
    assert article_ids(oldest) == [older.id, newer.id]
    assert "Angeheftet" in oldest
    assert article_ids(client.get(URL + "?key_events=1").text) == [older.id]


def test_view_links_mark_the_current_view(client: TestClient, blog: Blog) -> None:
    html = client.get(URL + "?order=oldest&key_events=1").text
    assert '<a href="/live/hochwasser?order=oldest&amp;key_events=1" aria-current="page">' in html
    assert '<a href="/live/hochwasser?key_events=1">Neueste zuerst</a>' in html
    assert '<a href="/live/hochwasser?order=oldest">Alle Einträge</a>' in html
    assert "Noch keine wichtigen Ereignisse." in html


def test_later_pages_link_back_to_the_first(
    small_pages: TestClient, admin: User, clock: FakeClock
) -> None:
    writer = small_pages.app.state.services.actions  # type: ignore[attr-defined]
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser")
    for i in range(5):
        post(writer, admin, clock, 10 - i)
    first = small_pages.get(URL).text
    match = NEXT.search(first)
    assert match is not None
    assert "Ältere Einträge" in first
    second = small_pages.get(match.group(1)).text
    assert '<a class="pagination__first" href="/live/hochwasser">' in second
    later = small_pages.get(URL + "?order=oldest").text
    assert "Neuere Einträge" in later


@pytest.mark.parametrize(
    "query",
    ["?order=", "?key_events=", "?key_events=0", "?key_events=true", "?utm_source=x", "?cursor="],
)
def test_harmless_query_values_show_the_page(client: TestClient, blog: Blog, query: str) -> None:
    assert client.get(URL + query).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?order=sideways", "„order“"),
        ("?order=NEWEST", "„order“"),
        ("?key_events=maybe", "„key_events“"),
        ("?cursor=not-a-cursor", "ungültig"),
        ("?cursor=%00%ff", "ungültig"),
        ("?cursor=LTEuLTU", "ungültig"),
    ],
)
def test_bad_query_values_are_a_400_page(
    client: TestClient, blog: Blog, query: str, message: str
) -> None:
    response = client.get(URL + query)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="de">' in response.text
    assert message in response.text
    assert "etag" not in response.headers


@pytest.mark.parametrize(
    "signed_with", ["own key, impossible id 2**63", "own key, impossible id 2**70", "another key"]
)
def test_cursors_this_server_did_not_give_out_are_a_400_page(
    client: TestClient, blog: Blog, signed_with: str
) -> None:
    """Cursors are signed: one with an id no row can have is refused even when signed with the
    server's own key, and a well-formed one signed with another key is refused too."""
    own_key = client.app.state.services.cursor_key  # type: ignore[attr-defined]
    when = datetime(2023, 1, 1, tzinfo=UTC)
    token = {
        "own key, impossible id 2**63": Cursor(when, 2**63).encode(own_key),
        "own key, impossible id 2**70": Cursor(when, 2**70).encode(own_key),
        "another key": Cursor(when, 1).encode(cursor_key("a guessed secret")),
    }[signed_with]
    response = client.get(f"{URL}?cursor={token}")
    assert response.status_code == 400
    assert "ungültig" in response.text
    valid = Cursor(when, 1).encode(own_key)
    assert client.get(f"{URL}?cursor={valid}").status_code == 200


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/live/unbekannt",
        "/live/Gross",
        "/live/a%3Cb",
        "/live/-x",
        "/live/x%0A",
        "/live/unbekannt/entries/1",
    ],
)
def test_unknown_blog_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Diesen Liveblog gibt es nicht." in response.text
    assert response.headers["cache-control"] == "no-cache"


def test_permalink_page_shows_the_entry_with_the_blog_header(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    entry = post(writer, admin, clock, 5, headline="Brücke gesperrt", source="Stadt")
    post(writer, admin, clock, 0, body="Andere Meldung.")

    response = client.get(f"/live/hochwasser/entries/{entry.id}")

    assert response.status_code == 200
    html = response.text
    assert "<title>Brücke gesperrt \u2013 Hochwasser an der Elbe</title>" in html
    assert f'<article id="entry-{entry.id}"' in html
    assert article_ids(html) == [entry.id]
    assert '<h2 id="entry-' in html
    assert "Stand: 12.10.2023 05:15 Uhr" in html
    assert f'href="/live/hochwasser#entry-{entry.id}">Zurück zum Liveblog</a>' in html
    assert "Quelle: Stadt" in html
    assert "Andere Meldung" not in html
    assert response.headers["etag"]


def test_permalink_of_another_blogs_entry_is_404(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    writer.create_blog(admin, slug="geheim", title="Anderer Blog")
    other = writer.create_entry(admin, "geheim", body="Nur im anderen Blog.")

    response = client.get(f"/live/hochwasser/entries/{other.id}")

    assert response.status_code == 404
    assert "Nur im anderen Blog" not in response.text
    assert "Anderer Blog" not in response.text
    assert "Diesen Eintrag gibt es in diesem Liveblog nicht." in response.text
    assert '<a href="/live/hochwasser">Zurück zum Liveblog</a>' in response.text


@pytest.mark.parametrize("entry_id", ["0", "abc", "1.5", "-1", "99999999999999999999", "\u0661"])
def test_permalink_with_an_id_that_names_no_entry_is_404(
    client: TestClient, blog: Blog, entry_id: str
) -> None:
    response = client.get(f"/live/hochwasser/entries/{entry_id}")
    assert response.status_code == 404
    assert "Diesen Eintrag gibt es" in response.text


def test_permalink_of_a_deleted_entry_is_410_without_its_content(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    entry = post(writer, admin, clock, 5, body="Falsche Meldung.", headline="Irrtum")
    writer.delete_entry(admin, "hochwasser", entry.id, if_match=entry.version)

    response = client.get(f"/live/hochwasser/entries/{entry.id}")

    assert response.status_code == 410
    assert "Dieser Eintrag wurde gelöscht." in response.text
    assert "Falsche Meldung" not in response.text
    assert "Irrtum" not in response.text


# -- safety --------------------------------------------------------------------------------------


def test_html_and_script_from_editors_never_reach_the_page_unescaped(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(
        admin,
        slug="hochwasser",
        title='<script>alert("title")</script>',
        summary='"><img src=x onerror=alert("summary")>',
    )
    entry = writer.create_entry(
        admin,
        "hochwasser",
        headline="<svg onload=alert('headline')>",
        source='"><script>alert("source")</script>',
        body='<script>alert("body")</script> <img src=x onerror=alert(1)> [x](javascript:alert(2))',
        key_event=True,
    )

    for url in (URL, f"{URL}/entries/{entry.id}", "/"):
        html = client.get(url).text
        tags = parse(html)
        for tag, attrs in tags.tags:
            if tag == "script" and attrs.get("src") in (
                static_url("live.js"),
                static_url("live-view.js"),
            ):
                continue  # our own live client, nothing from the editors
            if tag == "script" and attrs == {"type": DATA_BLOCK}:
                continue  # data, never run; its text: tests/web/reader/test_structured_data.py
            assert tag not in ("script", "img", "svg", "iframe"), (url, tag)
            for name, value in attrs.items():
                assert not name.startswith("on"), (url, tag, name)
                assert not (value or "").lower().startswith("javascript:"), (url, tag, value)
        text = "".join(tags.text)
        assert '<script>alert("title")</script>' in text
        if url != "/":
            assert "<svg onload=alert('headline')>" in text
    html = client.get(URL).text
    assert 'content="&#34;&gt;&lt;img src=x onerror=alert(&#34;summary&#34;)&gt;"' in html


def test_pages_request_nothing_from_other_hosts(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    post(
        writer,
        admin,
        clock,
        1,
        body="![Foto](https://images.example/a.jpg) [Link](https://a.example)",
    )
    for url in (URL, "/", "/live/unbekannt"):
        html = client.get(url).text
        for tag, attrs in parse(html).tags:
            if tag == "script" and attrs.get("src") in (
                static_url("live.js"),
                static_url("live-view.js"),
            ):
                continue  # same-origin live client
            if tag == "script" and attrs == {"type": DATA_BLOCK}:
                continue  # structured data: nothing is loaded or run
            assert tag not in ("script", "img", "iframe", "video", "audio", "source", "object")
            # The page's own name and its alternates (feeds, oEmbed) are named, not loaded.
            if tag == "link" and attrs.get("rel") not in ("canonical", "alternate"):
                href = attrs["href"] or ""
                assert href.startswith("/"), href
                assert not href.startswith("//"), href
            assert "src" not in attrs
            assert "srcset" not in attrs
        assert "@import" not in html
        assert "url(" not in html
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200
    css = client.get("/static/style.css").text
    for remote in ("url(", "@import", "@font-face"):
        assert remote not in css


def test_security_headers(client: TestClient, blog: Blog) -> None:
    response = client.get(URL)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]


# -- HTTP caching --------------------------------------------------------------------------------


def test_etag_cache_control_and_304(client: TestClient, settings: Settings, blog: Blog) -> None:
    response = client.get(URL, headers={"Accept-Encoding": "identity"})

    etag = response.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert etag == '"' + hashlib.blake2b(response.content, digest_size=16).hexdigest() + '"'
    assert response.headers["cache-control"] == (
        f"public, max-age={settings.page_max_age}, "
        f"stale-while-revalidate={settings.page_stale_while_revalidate}"
    )
    assert response.headers["content-length"] == str(len(response.content))
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        again = client.get(URL, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == response.headers["cache-control"]
    assert client.get(URL, headers={"If-None-Match": '"nope"'}).status_code == 200


def test_head_is_answered_without_a_body(client: TestClient, blog: Blog) -> None:
    get = client.get(URL)
    head = client.head(URL)
    assert head.status_code == 200
    assert head.headers["etag"] == get.headers["etag"]
    assert head.content == b""


# -- the cache follows every change --------------------------------------------------------------


def test_page_follows_every_change_exactly(
    client: TestClient,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    settings: Settings,
    db: Database,
    blog: Blog,
) -> None:
    """After each action the cached page equals what a new process renders, old ETags get 200."""
    base = post(writer, admin, clock, 30, body="Erste Meldung.")
    urls = [URL, URL + "?key_events=1", URL + "?order=oldest", f"{URL}/entries/{base.id}"]
    etags = {url: client.get(url).headers["etag"] for url in urls}

    def check(expect_changed: list[str]) -> dict[str, str]:
        current = {}
        for url in urls:
            response = client.get(url, headers={"If-None-Match": etags[url]})
            if url in expect_changed:
                assert response.status_code in (200, 404, 410), url
            else:
                assert response.status_code == 304, url
            full = client.get(url)
            assert full.content == fresh_get(db, clock, settings, url), url
            current[url] = full.headers.get("etag", "")
            if full.status_code == 200:
                assert client.get(url, headers={"If-None-Match": current[url]}).status_code == 304
        return current

    clock.advance(minutes=1)
    added = post(writer, admin, clock, 0, body="Zweite Meldung.", headline="Neu", key_event=True)
    etags = check(urls)
    assert article_ids(client.get(URL).text) == [added.id, base.id]
    assert "Hochwasser an der Elbe ++ Neu ++" in client.get(URL).text
    assert "Stand: 12.10.2023 05:16 Uhr" in client.get(URL).text

    clock.advance(minutes=1)
    writer.update_entry(admin, "hochwasser", base.id, {"body": "Korrigiert."}, if_match=1)
    etags = check(urls)
    page = client.get(URL).text
    assert "Korrigiert." in page
    assert "Erste Meldung." not in page
    assert "Stand: 12.10.2023 05:17 Uhr" in page

    clock.advance(minutes=1)
    writer.update_entry(admin, "hochwasser", base.id, {"pinned": True}, if_match=2)
    etags = check(urls)
    assert article_ids(client.get(URL).text) == [base.id, added.id]
    assert "Angeheftet" in client.get(f"{URL}/entries/{base.id}").text

    clock.advance(minutes=1)
    writer.update_entry(admin, "hochwasser", added.id, {"pinned": True}, if_match=1)
    etags = check(urls)
    page = client.get(URL).text
    assert article_ids(page) == [added.id, base.id]
    assert page.count("Angeheftet") == 1

    clock.advance(minutes=1)
    writer.update_entry(admin, "hochwasser", added.id, {"headline": "Umbenannt"}, if_match=2)
    etags = check(urls)
    assert "Hochwasser an der Elbe ++ Umbenannt ++" in client.get(URL).text

    clock.advance(minutes=1)
    writer.delete_entry(admin, "hochwasser", added.id, if_match=3)
    etags = check(urls)
    page = client.get(URL).text
    assert article_ids(page) == [base.id]
    assert "Umbenannt" not in page
    assert client.get(f"{URL}/entries/{added.id}").status_code == 410

    writer.update_blog(admin, "hochwasser", {"title": "Elbe-Hochwasser", "summary": "Neu."})
    etags = check(urls)
    assert "<title>Elbe-Hochwasser</title>" in client.get(URL).text

    writer.update_blog(admin, "hochwasser", {"status": "closed"})
    check(urls)
    assert '<p class="closed__state">Beendet <time' in client.get(URL).text


def test_cache_hits_do_not_touch_the_database(
    client: TestClient,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    blog: Blog,
    statements: Statements,
) -> None:
    entry = post(writer, admin, clock, 5)
    client.get(URL)
    client.get(f"{URL}/entries/{entry.id}")
    statements.clear()

    for _ in range(3):
        assert client.get(URL).status_code == 200
        etag = client.get(f"{URL}/entries/{entry.id}").headers["etag"]
        assert client.get(URL + "?utm_source=newsletter").status_code == 200
        assert (
            client.get(f"{URL}/entries/{entry.id}", headers={"If-None-Match": etag}).status_code
            == 304
        )

    assert statements.sql == []
    post(writer, admin, clock, 0)
    statements.clear()
    client.get(URL)
    assert statements.selects(), "a local commit must make the next request render"


def test_expired_page_is_revalidated_with_one_query(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    actions: Actions,
    admin: User,
    statements: Statements,
) -> None:
    app = make_app(db, clock, settings, page_revalidate_seconds=0)
    with TestClient(app) as client:
        app.state.services.actions.create_blog(admin, slug="hochwasser", title="Hochwasser")
        first = client.get(URL)
        statements.clear()

        again = client.get(URL)

        assert again.headers["etag"] == first.headers["etag"]
        assert len(statements.selects()) == 1
        assert "last_seq" in statements.selects()[0]

        # Another process (here: actions the app does not listen to) writes.
        other = actions.create_entry(admin, "hochwasser", body="Von der Kommandozeile.")
        assert f'id="entry-{other.id}"' in client.get(URL).text


def test_render_cost_does_not_grow_with_the_blog(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    admin: User,
    statements: Statements,
) -> None:
    # No scheduler: its steps' queries would land inside the counts.
    app = make_app(db, clock, settings, page_size=5, page_cache_size=0, scheduler_seconds=0)
    writer: Actions = app.state.services.actions
    writer.create_blog(admin, slug="hochwasser", title="Hochwasser")

    def queries(client: TestClient) -> list[int]:
        second = NEXT.search(client.get(URL).text)
        assert second is not None
        counts = []
        for url in (URL, URL + "?order=oldest&key_events=1", second.group(1)):
            statements.clear()
            assert client.get(url).status_code == 200
            sql = statements.selects()
            counts.append(len(sql))
            for statement, parameters in zip(statements.sql, statements.parameters, strict=True):
                upper = statement.upper()
                if "OFFSET" in upper:  # SQLAlchemy's SQLite LIMIT always says OFFSET 0
                    offsets = upper.count("LIMIT ? OFFSET ?")
                    assert offsets == upper.count("OFFSET")
                    assert list(parameters).count(0) >= offsets
                assert "COUNT(" not in upper
                if "FROM ENTRIES" in upper and "MAX(" not in upper:
                    assert "LIMIT" in upper, statement
        return counts

    with TestClient(app) as client:
        for i in range(12):
            post(writer, admin, clock, 1000 - i, key_event=i % 2 == 0, headline="Lage")
        short = queries(client)
        for i in range(60):
            post(writer, admin, clock, 900 - i, key_event=i % 2 == 0, headline="Lage")
        long = queries(client)
    assert short == long


def test_fast_path_serves_the_same_bytes_without_the_database(
    app: FastAPI,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    blog: Blog,
    statements: Statements,
) -> None:
    entry = post(writer, admin, clock, 5)
    with TestClient(app) as client:
        for url in (URL, URL + "?order=oldest", f"{URL}/entries/{entry.id}"):
            expected = client.get(url)  # a miss: rendered by the route, then cached
            statements.clear()
            served = client.get(url)  # a hit: answered by ReaderFastPath before routing
            assert statements.sql == []
            assert served.content == expected.content
            assert served.headers == expected.headers
            tag = {"If-None-Match": served.headers["etag"]}
            not_modified = client.get(url, headers=tag)
            assert not_modified.status_code == 304
            assert statements.sql == []
            assert not_modified.headers["etag"] == served.headers["etag"]
            assert not_modified.headers["cache-control"] == served.headers["cache-control"]
        # It comes first: hits never enter FastAPI, its error handling or any middleware.
        with application_not_entered(app):
            assert client.get(url).content == expected.content
        # Misses, errors and other paths go through to the app.
        assert client.get(URL + "?order=bad").status_code == 400
        assert client.get("/live/unbekannt").status_code == 404
        assert client.get("/healthz").status_code == 200
        post(writer, admin, clock, 0, body="Nach dem Cache.")
        assert "Nach dem Cache." in client.get(URL).text
