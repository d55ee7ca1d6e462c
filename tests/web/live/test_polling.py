"""``GET /api/v1/blogs/{slug}/events?after=N``: the polling fallback of live delivery."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.domain.models import User
from liveblog.web.live.polling import poll_key_for
from tests.conftest import FakeClock, Statements, application_not_entered
from tests.web.api.helpers import assert_problem
from tests.web.live.page_model import ARTICLE, applied


def _setup(app: FastAPI, admin: User, clock: FakeClock) -> Any:
    actions = app.state.services.actions
    actions.create_blog(admin, slug="storm", title="Sturm", summary="Alles zum Sturm.")
    clock.advance(minutes=1)
    first = actions.create_entry(
        admin, "storm", body="Wind nimmt zu.", headline="Warnung", key_event=True
    )
    clock.advance(minutes=1)
    actions.update_entry(admin, "storm", first.id, {"body": "Orkanböen."}, if_match=1)
    return first


def test_poll_returns_the_events_after_n_with_html_and_page(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock
) -> None:
    first = _setup(app, admin, clock)
    response = client.get("/api/v1/blogs/storm/events?after=1")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=2"
    body = response.json()
    assert body["head"] == 3
    assert body["next_after"] == 3
    assert body["reset"] is False
    assert [(e["seq"], e["type"]) for e in body["events"]] == [
        (2, "entry.created"),
        (3, "entry.updated"),
    ]
    created, updated = body["events"]
    assert created["entry"]["id"] == first.id
    assert f'id="entry-{first.id}"' in created["html"]
    assert "<p>Orkanböen.</p>" in updated["html"]
    # The headline as the page sets it: each "++" tied to its word (no-break space).
    assert updated["page"]["headline"] == "Sturm\u00a0++ Warnung\u00a0++"
    assert updated["page"]["title"] == "Sturm ++ Warnung ++"
    assert updated["page"]["stand"] == "Stand: 12.10.2023 05:17 Uhr"
    assert updated["page"]["version"] == 3


def test_poll_pages_with_limit_and_next_after(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock
) -> None:
    _setup(app, admin, clock)
    first = client.get("/api/v1/blogs/storm/events?after=0&limit=2").json()
    assert [e["seq"] for e in first["events"]] == [1, 2]
    rest = client.get(f"/api/v1/blogs/storm/events?after={first['next_after']}&limit=2").json()
    assert [e["seq"] for e in rest["events"]] == [3]


def test_up_to_date_poll_is_304_with_its_etag(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock
) -> None:
    _setup(app, admin, clock)
    current = client.get("/api/v1/blogs/storm/events?after=3")
    assert current.json() == {
        "events": [],
        "head": 3,
        "next_after": 3,
        "reset": False,
        "closed": False,
    }
    tag = current.headers["etag"]
    assert (
        client.get("/api/v1/blogs/storm/events?after=3", headers={"If-None-Match": tag}).status_code
        == 304
    )
    app.state.services.actions.create_entry(admin, "storm", body="Neu.")
    changed = client.get("/api/v1/blogs/storm/events?after=3", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert [e["seq"] for e in changed.json()["events"]] == [4]
    assert changed.headers["etag"] != tag


def test_after_beyond_the_head_is_empty_with_reset(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock
) -> None:
    _setup(app, admin, clock)
    body = client.get("/api/v1/blogs/storm/events?after=99").json()
    assert body == {"events": [], "head": 3, "next_after": 3, "reset": True, "closed": False}


def test_bad_polls(client: TestClient, app: FastAPI, admin: User, clock: FakeClock) -> None:
    _setup(app, admin, clock)
    assert_problem(client.get("/api/v1/blogs/nope/events?after=0"), 404)
    for query in ("", "after=-1", "after=abc", "after=0&limit=0", "after=0&limit=100000"):
        assert_problem(client.get(f"/api/v1/blogs/storm/events?{query}"), 422)


def test_polls_are_answered_from_memory_until_the_blog_changes(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock, statements: Statements
) -> None:
    _setup(app, admin, clock)
    url = "/api/v1/blogs/storm/events?after=3"
    first = client.get(url)
    statements.clear()
    again = client.get(url)
    assert statements.sql == []
    assert again.content == first.content
    assert again.headers == first.headers
    assert again.headers["content-type"] == "application/json"
    # The same poll spelled differently goes through the route, and shares the answer.
    reordered = client.get("/api/v1/blogs/storm/events?limit=100&after=3")
    assert statements.sql == []
    assert reordered.content == first.content
    # Canonical polls never enter the application.
    with application_not_entered(app):
        assert client.get(url).content == first.content
        tag = {"If-None-Match": first.headers["etag"]}
        assert client.get(url, headers=tag).status_code == 304
    # A local commit: the next poll is answered anew.
    app.state.services.actions.create_entry(admin, "storm", body="Neu.")
    assert [e["seq"] for e in client.get(url).json()["events"]] == [4]


def test_an_answer_ahead_of_the_log_is_not_kept(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock, statements: Statements
) -> None:
    _setup(app, admin, clock)
    client.get("/api/v1/blogs/storm/events?after=4")
    statements.clear()
    assert client.get("/api/v1/blogs/storm/events?after=4").json()["reset"] is True
    assert statements.sql != []


@pytest.mark.parametrize(
    ("path", "query", "key"),
    [
        ("/api/v1/blogs/storm/events", b"after=3", ("storm", "events|3|100")),
        ("/api/v1/blogs/storm/events", b"after=0&limit=500", ("storm", "events|0|500")),
        ("/api/v1/blogs/storm/events", b"limit=5&after=3", None),
        ("/api/v1/blogs/storm/events", b"after=03", None),
        ("/api/v1/blogs/storm/events", b"after=3&limit=501", None),
        ("/api/v1/blogs/storm/events", b"after=3&limit=0", None),
        ("/api/v1/blogs/storm/events", f"after={2**62 + 1}".encode(), None),
        ("/api/v1/blogs/storm/events", b"", None),
        ("/api/v1/blogs/Storm/events", b"after=3", None),
        ("/api/v1/blogs/storm/entries", b"after=3", None),
    ],
)
def test_only_canonical_valid_polls_have_a_fast_path_key(
    path: str, query: bytes, key: tuple[str, str] | None
) -> None:
    assert poll_key_for(path, query) == key


def test_edited_and_deleted_text_leaves_every_poll(
    client: TestClient, app: FastAPI, admin: User, clock: FakeClock
) -> None:
    """Issue 9: a poll from 0 replayed an entry's original and edited text after it was deleted.
    Now it carries the tombstone only, and applying it still gives what a fresh page shows."""
    actions = app.state.services.actions
    actions.create_blog(admin, slug="storm", title="Sturm")
    old_page = client.get("/live/storm").text  # version 1: before any entry
    clock.advance(minutes=1)
    kept = actions.create_entry(admin, "storm", body="Erste Fassung bleibt nicht.", headline="Alt")
    doomed = actions.create_entry(
        admin, "storm", body="Rufschädigende Behauptung.", headline="Geheimer Name"
    )
    url = "/api/v1/blogs/storm/events?after=0"
    before = client.get(url)
    assert "Rufschädigende Behauptung" in before.text  # cached under this version
    clock.advance(minutes=1)
    changes = {"body": "Immer noch rufschädigend.", "headline": "Anderer Name"}
    actions.update_entry(admin, "storm", doomed.id, changes, if_match=1)
    actions.update_entry(admin, "storm", kept.id, {"body": "Zweite Fassung."}, if_match=1)
    actions.update_entry(admin, "storm", kept.id, {"pinned": True}, if_match=2)
    actions.delete_entry(admin, "storm", doomed.id, if_match=2)
    for query in ("after=0", "after=0&limit=500", "limit=3&after=2"):
        text = client.get(f"/api/v1/blogs/storm/events?{query}").text
        for gone in ("Rufschädigend", "rufschädigend", "Geheimer Name", "Anderer Name"):
            assert gone not in text, (query, gone)
        assert "Erste Fassung" not in text
    events = client.get(url).json()["events"]
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "blog.created"),
        (2, "entry.created"),
        (3, "entry.deleted"),
        (4, "entry.deleted"),
        (5, "entry.updated"),
        (6, "entry.pinned"),
        (7, "entry.deleted"),
    ]
    assert events[2]["entry"] == events[6]["entry"]
    assert set(events[2]["entry"]) == {"id", "version", "deleted_at"}
    # A page from before every entry, brought up to date by the poll, is the fresh page.
    assert ARTICLE.findall(old_page) == []
    assert applied(events) == ARTICLE.findall(client.get("/live/storm").text)
    assert f'id="entry-{kept.id}"' in applied(events)[0]
