"""The reader page's live client, without a browser: the page carries what ``live.js`` needs,
event ``html`` is the page's own ``<article>``, and applying the event stream to an older page the
way ``live.js`` does (modelled here in Python) gives exactly what a fresh render shows, also
while drafts, submitted and scheduled entries come and go and are published from the queue or
by the scheduler's step."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.errors import Conflict
from liveblog.domain.models import Blog, Entry, User
from liveblog.storage import entries as entry_rows
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.page_cache import CONTENT_SECURITY_POLICY
from liveblog.web.static_files import static_url
from tests.conftest import FakeClock

ARTICLE = re.compile(r'<article id="entry-(\d+)".*?</article>', re.DOTALL)
TIME = re.compile(
    r'(<p class="entry__time"><time datetime="([^"]*)" data-day="([^"]*)" '
    r'data-short="([^"]*)" data-long="([^"]*)">)([^<]*)(</time>)'
)
DATA_BLOCK = "application/ld+json"
"""The type of the structured data's ``<script>``: data, which browsers never run."""
PERMALINK_TIME = re.compile(r'(<span class="visually-hidden"> \()([^<]*)(\)</span></a></p>)')


# -- reading pages -------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Start tags with their attributes, and the text inside ``<script>`` elements a browser
    runs (not the JSON-LD data block, see ``tests/web/reader/test_structured_data.py``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script" and self.tags[-1][1].get("type") != DATA_BLOCK

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def live_attributes(html: str) -> dict[str, str] | None:
    for _tag, attrs in elements(html).tags:
        if "live" in attrs.get("class", "").split() and "data-live-events" in attrs:
            return attrs
    return None


def articles(html: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(0)) for m in ARTICLE.finditer(html)]


def stand_day(html: str) -> str:
    match = re.search(r'<p class="stand"><time datetime="[^"]*" data-day="([^"]*)">', html)
    assert match, html
    return match.group(1)


def text_of(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.DOTALL)
    assert match, pattern
    return unescape(match.group(1))


def day_rule(article: str, day: str) -> str:
    """What ``applyDayRule`` in live.js does to one article."""
    match = TIME.search(article)
    assert match, article
    text = match.group(4) if match.group(3) == day else match.group(5)
    article = TIME.sub(lambda m: m.group(1) + text + m.group(7), article, count=1)
    return PERMALINK_TIME.sub(lambda m: m.group(1) + text + m.group(3), article, count=1)


def key_of(article: str) -> tuple[datetime, int]:
    match = TIME.search(article)
    id_match = ARTICLE.match(article)
    assert match
    assert id_match
    return datetime.fromisoformat(match.group(2)), int(id_match.group(1))


# -- the model of live.js ------------------------------------------------------------------------


@dataclass
class Shown:
    id: int
    html: str
    key: tuple[datetime, int]
    pinned: bool


class LiveModel:
    """``live.js`` in Python: the same rules for holding, placing, replacing and removing.
    tests/browser/test_live_model.py checks it against the real ``live.js`` in Chromium."""

    def __init__(self, page: str) -> None:
        attrs = live_attributes(page)
        assert attrs is not None
        self.poll_url = attrs["data-live-poll"]
        self.applied = int(attrs["data-live-version"])
        self.lifted = attrs["data-live-view"] == "all"
        self.key_only = attrs["data-live-view"] == "key"
        self.floor: tuple[datetime, int] | None = None
        if attrs["data-live-floor-time"]:
            self.floor = (
                datetime.fromisoformat(attrs["data-live-floor-time"]),
                int(attrs["data-live-floor-id"]),
            )
        self.day = stand_day(page)
        self.page: dict[str, Any] = {}
        self.held: dict[int, tuple[dict[str, Any], str]] = {}
        self.articles = [
            Shown(i, html, key_of(html), "entry--pinned" in html.split(">", 1)[0])
            for i, html in articles(page)
        ]

    def belongs(self, entry: dict[str, Any]) -> bool:
        if self.key_only and not entry["key_event"]:
            return False
        if self.lifted and entry["pinned"]:
            return True
        return self.floor is None or self._key(entry) >= self.floor

    @staticmethod
    def _key(entry: dict[str, Any]) -> tuple[datetime, int]:
        return datetime.fromisoformat(entry["published_at"]), int(entry["id"])

    def _index(self, entry_id: int) -> int | None:
        for index, shown in enumerate(self.articles):
            if shown.id == entry_id:
                return index
        return None

    def _place(self, shown: Shown) -> None:
        if self.lifted and shown.pinned:
            self.articles.insert(0, shown)
            return
        for index, other in enumerate(self.articles):
            if self.lifted and other.pinned:
                continue
            if other.key < shown.key:
                self.articles.insert(index, shown)
                return
        self.articles.append(shown)

    def _shown(self, entry: dict[str, Any], html: str) -> Shown:
        return Shown(int(entry["id"]), html, self._key(entry), bool(entry["pinned"]))

    def apply(self, event: dict[str, Any]) -> None:
        if event["seq"] <= self.applied:
            return
        entry = event.get("entry")
        if event["type"] == "entry.deleted":
            assert entry is not None
            self.held.pop(entry["id"], None)
            index = self._index(entry["id"])
            if index is not None:
                del self.articles[index]
        elif entry is not None:
            self._upsert(entry, event["html"])
        self.page = event["page"]
        self.day = self.page["day"]
        self.applied = event["seq"]

    def _upsert(self, entry: dict[str, Any], html: str) -> None:
        index = self._index(entry["id"])
        if not self.belongs(entry):
            self.held.pop(entry["id"], None)
            if index is not None:
                del self.articles[index]
            return
        if entry["id"] in self.held or index is None:
            self.held[entry["id"]] = (entry, html)
            return
        del self.articles[index]
        self._place(self._shown(entry, html))

    def release(self) -> None:
        """The reader clicks "n neue Einträge"."""
        for entry, html in self.held.values():
            index = self._index(entry["id"])
            if index is not None:
                del self.articles[index]
            self._place(self._shown(entry, html))
        self.held.clear()

    def poll(self, client: TestClient) -> None:
        while True:
            response = client.get(self.poll_url, params={"after": self.applied})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["reset"] is False
            for event in body["events"]:
                self.apply(event)
            if self.applied >= body["head"]:
                return

    def shown(self) -> list[tuple[int, str]]:
        return [(s.id, day_rule(s.html, self.day)) for s in self.articles]


# -- fixtures ------------------------------------------------------------------------------------

_slugs = itertools.count(1)


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(
        admin, slug="sturm", title="Sturm über dem Land", summary="Alle Meldungen."
    )


def post(writer: Actions, admin: User, clock: FakeClock, slug: str, **kw: Any) -> Entry:
    kw.setdefault("body", "Eine Meldung.")
    minutes = kw.pop("minutes_ago", 0)
    return writer.create_entry(
        admin, slug, published_at=clock.now - timedelta(minutes=minutes), **kw
    )


def version(client: TestClient, slug: str) -> int:
    response = client.get(f"/api/v1/blogs/{slug}")
    assert response.status_code == 200
    value = response.json()["version"]
    assert isinstance(value, int)
    return value


# -- the page carries the live client ------------------------------------------------------------


def test_page_carries_its_version_and_the_live_client(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    post(writer, admin, clock, "sturm", minutes_ago=5)
    post(writer, admin, clock, "sturm", body="Zweite Meldung.")

    response = client.get("/live/sturm")

    assert response.status_code == 200
    html = response.text
    attrs = live_attributes(html)
    assert attrs is not None
    assert attrs["data-live-version"] == str(version(client, "sturm"))
    assert attrs["data-live-events"] == "/live/sturm/events"
    assert attrs["data-live-poll"] == "/api/v1/blogs/sturm/events"
    assert attrs["data-live-view"] == "all"
    assert attrs["data-live-floor-time"] == ""
    assert attrs["data-live-timezone"] == "Europe/Berlin"
    assert int(attrs["data-live-poll-ms"]) == 10_000
    assert "hidden" in attrs  # nothing of it shows without JavaScript
    assert attrs["data-label-new-one"] == "1 neuer Eintrag"
    assert attrs["data-label-new-many"] == "{n} neue Einträge"
    assert attrs["data-label-paused"] == "Pausiert"
    assert attrs["data-label-empty"] == "Noch keine Einträge."
    assert '<div class="live-status" role="status"></div>' in html
    assert 'aria-pressed="true"' in html

    # Same-origin deferred scripts (the page part first), nothing inline, and a policy that
    # forbids inline scripts.
    parsed = elements(html)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts == [
        {"type": DATA_BLOCK},
        {"src": static_url("live-view.js"), "defer": ""},
        {"src": static_url("live.js"), "defer": ""},
    ]
    assert "".join(parsed.script_text).strip() == ""
    for _, tag_attrs in parsed.tags:
        assert not any(name.startswith("on") for name in tag_attrs)
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    script = client.get("/static/live.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "new EventSource(" in script.text
    assert "eval(" not in script.text


def test_live_client_labels_follow_the_blog_language(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="storm", title="Storm", language="en", timezone="Europe/London")

    attrs = live_attributes(client.get("/live/storm").text)

    assert attrs is not None
    assert attrs["data-label-new-one"] == "1 new entry"
    assert attrs["data-label-new-many"] == "{n} new entries"
    assert attrs["data-label-paused"] == "Paused"
    assert attrs["data-live-timezone"] == "Europe/London"


def test_only_the_first_page_of_newest_first_views_is_live(
    client: TestClient,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    blog: Blog,
    db: Database,
    settings: Settings,
) -> None:
    for minutes in range(settings.page_size + 3):
        post(writer, admin, clock, "sturm", minutes_ago=minutes, key_event=minutes % 2 == 0)

    default = client.get("/live/sturm").text
    key_events = client.get("/live/sturm?key_events=1").text
    oldest = client.get("/live/sturm?order=oldest").text

    attrs = live_attributes(default)
    assert attrs is not None
    # Older pages exist: the page names its oldest entry, the one the "older" link continues after.
    last_id, last_article = articles(default)[-1]
    floor_time, floor_id = key_of(last_article)
    assert attrs["data-live-floor-id"] == str(last_id) == str(floor_id)
    assert datetime.fromisoformat(attrs["data-live-floor-time"]) == floor_time
    key_attrs = live_attributes(key_events)
    assert key_attrs is not None
    assert key_attrs["data-live-view"] == "key"
    assert key_attrs["data-label-empty"] == "Noch keine wichtigen Ereignisse."
    assert live_attributes(oldest) is None
    assert "live.js" not in oldest
    older = re.search(r'<a class="pagination__next" rel="next" href="([^"]+)"', default)
    assert older
    older_page = client.get(unescape(older.group(1))).text
    assert live_attributes(older_page) is None
    entry_id = articles(default)[0][0]
    for plain in (older_page, client.get(f"/live/sturm/entries/{entry_id}").text):
        # No script but the structured data (which browsers never run).
        assert [a for t, a in elements(plain).tags if t == "script"] == [{"type": DATA_BLOCK}]


# -- event html is the page's article ------------------------------------------------------------


def test_event_html_is_the_article_of_a_fresh_page(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    post(writer, admin, clock, "sturm", minutes_ago=60 * 30)  # yesterday: shown with its date
    before = version(client, "sturm")
    clock.advance(minutes=1)
    created = post(
        writer,
        admin,
        clock,
        "sturm",
        headline="Deich <bricht> & mehr",
        body="Der **Deich** bei [Km 4](https://example.org/km4) gibt nach.\n\n- eins\n- zwei",
        key_event=True,
        source="Feuerwehr „Nord“",
    )
    clock.advance(minutes=1)
    pinned = writer.update_entry(admin, "sturm", created.id, {"pinned": True}, if_match=1)

    response = client.get("/api/v1/blogs/sturm/events", params={"after": before})
    assert response.status_code == 200
    events = response.json()["events"]
    assert [e["type"] for e in events] == ["entry.created", "entry.pinned"]
    page = client.get("/live/sturm").text
    fresh = dict(articles(page))

    # The newest event is rendered with the page's own header: byte for byte the same article.
    assert events[-1]["html"] == fresh[pinned.id]
    assert events[-1]["page"]["day"] == stand_day(page)
    # The created event (before the pin) differs only in the pin, and the day rule is a no-op.
    expected_unpinned = (
        fresh[pinned.id]
        .replace(" entry--pinned", "")
        .replace('<span class="label label--pinned">Angeheftet</span>', "")
    )
    assert events[0]["html"] == expected_unpinned
    assert day_rule(events[0]["html"], stand_day(page)) == events[0]["html"]
    assert events[-1]["page"]["version"] == version(client, "sturm")
    assert events[-1]["page"]["headline"] == text_of(page, r'<h1 class="headline">(.*?)</h1>')
    assert events[-1]["page"]["title"] == text_of(page, r"<title>(.*?)</title>")


def test_created_event_html_matches_the_page_article(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    before = version(client, "sturm")
    entry = post(writer, admin, clock, "sturm", body="Neu *hier*.", headline="Eilmeldung")

    events = client.get("/api/v1/blogs/sturm/events", params={"after": before}).json()["events"]

    assert len(events) == 1
    assert events[0]["type"] == "entry.created"
    assert events[0]["html"] == dict(articles(client.get("/live/sturm").text))[entry.id]


# -- the stream brings an older page to what a fresh render shows --------------------------------

KINDS = [
    "create",
    "create",
    "create",
    "edit",
    "edit",
    "delete",
    "pin",
    "unpin",
    "clock",
    "title",
    "close",
    "poll",
    "draft",
    "schedule",
    "publish",
    "due",
]
Op = tuple[str, int, int]
OPS = st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(0, 10_000))
CREATES = st.tuples(st.just("create"), st.integers(0, 10_000), st.integers(0, 10_000))


class Scenario:
    """One blog driven through a list of operations by the app's own actions."""

    def __init__(self, app: FastAPI, admin: User, clock: FakeClock, db: Database) -> None:
        self.actions: Actions = app.state.services.actions
        self.admin = admin
        self.clock = clock
        self.db = db
        self.slug = f"lauf-{next(_slugs)}"
        self.blog = self.actions.create_blog(admin, slug=self.slug, title="Lauf")
        self.visible: list[int] = []
        self.waiting: list[int] = []
        """Drafts, submitted and scheduled entries: in the queue, on no reader's page."""
        self.pinned: int | None = None
        self.closed = False

    def _current(self, entry_id: int) -> Entry:
        with self.db.read() as conn:
            entry = entry_rows.get(conn, self.blog.id, entry_id)
        assert entry is not None
        return entry

    def _update(self, entry_id: int, changes: dict[str, Any]) -> None:
        current = self._current(entry_id)
        self.actions.update_entry(
            self.admin, self.slug, entry_id, changes, if_match=current.version
        )

    def run(self, op: Op, model: LiveModel | None, client: TestClient) -> None:
        kind, a, b = op
        try:
            self._run(kind, a, b)
        except Conflict:
            assert self.closed  # entries of a closed blog cannot change
        if kind == "poll" and model is not None:
            model.poll(client)

    def _run(self, kind: str, a: int, b: int) -> None:
        now = self.clock.now
        if kind == "create":
            pinned = b % 5 == 0
            entry = self.actions.create_entry(
                self.admin,
                self.slug,
                body=f"Meldung {a}",
                headline=f"Schlagzeile {a}" if b % 3 else None,
                key_event=b % 2 == 0,
                pinned=pinned,
                unverified=a % 4 == 1,
                published_at=now - timedelta(minutes=a % 3000),
            )
            self.visible.append(entry.id)
            if pinned:
                self.pinned = entry.id
        elif kind in ("draft", "schedule"):
            self._unpublished(kind, a, b)
        elif kind == "publish" and self.waiting:
            self._from_the_queue(self.waiting[a % len(self.waiting)], b)
        elif kind == "due":
            # The scheduler's step, with the clock moved on: whatever came due is published.
            self.clock.advance(minutes=a % 120 + 1)
            for entry in self.actions.publish_due():
                if entry.blog_id == self.blog.id:  # earlier examples' blogs share the database
                    self.waiting.remove(entry.id)
                    self.visible.append(entry.id)
        elif kind == "clock":
            self.clock.advance(minutes=a % 1800 + 1)
        elif kind == "title":
            self.actions.update_blog(self.admin, self.slug, {"title": f"Lauf {a}"})
        elif kind == "close":
            status = "open" if self.closed else "closed"
            self.actions.update_blog(self.admin, self.slug, {"status": status})
            self.closed = not self.closed
        elif kind == "unpin" and self.pinned is not None:
            self._update(self.pinned, {"pinned": False})
            self.pinned = None
        elif kind in ("edit", "delete", "pin") and self.visible:
            entry_id = self.visible[a % len(self.visible)]
            if kind == "delete":
                current = self._current(entry_id)
                self.actions.delete_entry(self.admin, self.slug, entry_id, if_match=current.version)
                self.visible.remove(entry_id)
                if self.pinned == entry_id:
                    self.pinned = None
            elif kind == "pin":
                self._update(entry_id, {"pinned": True})
                self.pinned = entry_id
            else:
                field = (
                    "body",
                    "headline",
                    "key_event",
                    "published_at",
                    "correction",
                    "minor",
                    "unverified",
                )
                current = self._current(entry_id)
                changes: dict[str, dict[str, Any]] = {
                    "body": {"body": f"Geändert {b}"},
                    "headline": {"headline": None if current.headline else f"Neu {b}"},
                    "key_event": {"key_event": not current.key_event},
                    "published_at": {"published_at": now - timedelta(minutes=b % 3000)},
                    "correction": {"correction": None if current.correction else f"Korr. {b}"},
                    "minor": {"body": f"Tippfehler {b}", "minor": True},
                    "unverified": {"unverified": not current.unverified},
                }
                self._update(entry_id, changes[field[b % len(field)]])

    def _unpublished(self, kind: str, a: int, b: int) -> None:
        """A draft or a submitted entry, or one scheduled up to two hours ahead."""
        fields: dict[str, Any] = {"status": "submitted" if b % 2 else "draft"}
        if kind == "schedule":
            fields = {"publish_at": self.clock.now + timedelta(minutes=a % 120 + 1)}
        entry = self.actions.create_entry(
            self.admin,
            self.slug,
            body=f"Entwurf {a}",
            headline=f"Vorab {a}" if b % 3 else None,
            key_event=b % 4 < 2,
            **fields,
        )
        self.waiting.append(entry.id)

    def _from_the_queue(self, entry_id: int, b: int) -> None:
        """An editor publishes it (``PATCH status=published``, with an edit now and then; a
        scheduled one ahead of its time), or discards it (``DELETE``)."""
        if b % 5 == 0:
            current = self._current(entry_id)
            self.actions.delete_entry(self.admin, self.slug, entry_id, if_match=current.version)
            self.waiting.remove(entry_id)
            return
        changes: dict[str, Any] = {"status": "published"}
        if b % 3 == 0:
            changes["body"] = f"Freigegeben {b}"
        if b % 7 == 0:
            changes["pinned"] = True
        self._update(entry_id, changes)
        self.waiting.remove(entry_id)
        self.visible.append(entry_id)
        if b % 7 == 0:
            self.pinned = entry_id


@pytest.fixture
def small_pages(db: Database, settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    """The app with pages of 3 entries, so the page's oldest position (floor) matters."""
    # No scheduler: the test's "due" steps publish scheduled entries, at known moments.
    app = create_app(
        replace(settings, page_size=3, scheduler_seconds=0), db=db, clock=clock, migrate=False
    )
    with TestClient(app) as test_client:
        yield test_client


def fresh_page(db: Database, settings: Settings, clock: FakeClock, url: str) -> str:
    """The page as a new process with room for every entry renders it now."""
    app = create_app(
        replace(settings, page_size=100, scheduler_seconds=0), db=db, clock=clock, migrate=False
    )
    with TestClient(app) as other:
        response = other.get(url)
        assert response.status_code == 200
        return response.text


@hypothesis_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    view=st.sampled_from(["", "?key_events=1"]),
    seed=st.lists(CREATES, min_size=1, max_size=8),
    before=st.lists(OPS, max_size=6),
    after=st.lists(OPS, min_size=3, max_size=25),
)
def test_stream_brings_an_older_page_to_the_fresh_render(
    small_pages: TestClient,
    admin: User,
    clock: FakeClock,
    db: Database,
    settings: Settings,
    view: str,
    seed: list[Op],
    before: list[Op],
    after: list[Op],
) -> None:
    app = small_pages.app
    assert isinstance(app, FastAPI)
    scenario = Scenario(app, admin, clock, db)
    for op in seed + before:
        scenario.run(op, None, small_pages)
    url = f"/live/{scenario.slug}{view}"
    old_page = small_pages.get(url).text
    model = LiveModel(old_page)
    for op in after:
        scenario.run(op, model, small_pages)
    model.poll(small_pages)
    model.release()

    fresh = fresh_page(db, settings, clock, url)

    fresh_attrs = live_attributes(fresh)
    assert fresh_attrs is not None
    assert model.applied == int(fresh_attrs["data-live-version"])
    # The older page covers entries down to its floor; below it they belong to the next page.
    expected = [
        (entry_id, html)
        for entry_id, html in articles(fresh)
        if model.floor is None
        or (model.lifted and "entry--pinned" in html.split(">", 1)[0])
        or key_of(html) >= model.floor
    ]
    assert [i for i, _ in model.shown()] == [i for i, _ in expected]
    assert model.shown() == expected
    if model.page:
        assert model.page["day"] == stand_day(fresh)
        assert model.page["headline"] == text_of(fresh, r'<h1 class="headline">(.*?)</h1>')
        assert model.page["title"] == text_of(fresh, r"<title>(.*?)</title>")
        assert model.page["stand"] == text_of(fresh, r'<p class="stand"><time [^>]*>(.*?)</time>')
        assert model.page["closed"] == ('<div class="closed">' in fresh)
        if model.page["closed"]:
            state = r'<p class="closed__state">[^<]*<time [^>]*>(.*?)</time>'
            assert model.page["ended"] == text_of(fresh, state)
