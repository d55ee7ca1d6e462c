"""``GET /api/v1/blogs/{slug}/queue``: what of a blog readers do not see yet, for its members.

Editors (owners, admins) get every draft, submitted and scheduled entry, submitted first (the
newest change first), then scheduled ones by time, then drafts (the newest change first), with
counts per status; contributors get their own; other users 404, anonymous callers 401. Never
stored by a cache. An editor sends a submitted entry back with a note its author reads there,
and publishes from it: the entry leaves the queue for the public API.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.domain.serialize import rfc3339
from tests.conftest import FakeClock
from tests.web.api.helpers import assert_problem, member_headers, new_blog, new_entry

QUEUE = "/api/v1/blogs/storm/queue"


@pytest.fixture
def people(
    client: TestClient, writer: Actions, admin: User, admin_headers: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The blog ``storm`` and the headers of its editor, two contributors and an outsider."""
    new_blog(client, admin_headers)
    return {
        "admin": admin_headers,
        **member_headers(
            writer, admin, {"eva": "editor", "anna": "contributor", "ben": "contributor"}
        ),
    }


def queue(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(QUEUE, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    body: dict[str, Any] = response.json()
    return body


def listed(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(status, body, author's name) of each queued entry, in the queue's order."""
    return [(e["status"], e["body"], e["author"]["name"]) for e in body["items"]]


def patch(client: TestClient, headers: dict[str, str], entry_id: int, **changes: Any) -> Any:
    return client.patch(
        f"/api/v1/blogs/storm/entries/{entry_id}",
        json=changes,
        headers={**headers, "If-Match": "*"},
    )


def test_editors_see_every_unpublished_entry_in_order_contributors_their_own(
    client: TestClient, people: dict[str, dict[str, str]], clock: FakeClock
) -> None:
    def post(who: str, body: str, **fields: Any) -> Any:
        clock.advance(minutes=1)
        return new_entry(client, people[who], body=body, **fields)

    post("admin", "Öffentlich")
    post("anna", "Annas erster Entwurf")
    post("anna", "Annas zweiter Entwurf")
    post("anna", "Annas Vorlage", status="submitted")
    post("eva", "Später", publish_at=rfc3339(clock.now + timedelta(hours=2)))
    post("ben", "Bens Vorlage", status="submitted")
    early = post("eva", "Früher", publish_at=rfc3339(clock.now + timedelta(hours=1)))
    post("ben", "Bens Entwurf")
    gone = post("anna", "Verworfen")
    deleted = client.delete(
        f"/api/v1/blogs/storm/entries/{gone['id']}", headers={**people["anna"], "If-Match": "*"}
    )
    assert deleted.status_code == 204

    everything = [
        ("submitted", "Bens Vorlage", "ben"),
        ("submitted", "Annas Vorlage", "anna"),
        ("scheduled", "Früher", "eva"),
        ("scheduled", "Später", "eva"),
        ("draft", "Bens Entwurf", "ben"),
        ("draft", "Annas zweiter Entwurf", "anna"),
        ("draft", "Annas erster Entwurf", "anna"),
    ]
    for who in ("eva", "admin"):
        body = queue(client, people[who])
        assert listed(body) == everything, who
        assert body["counts"] == {"draft": 3, "submitted": 2, "scheduled": 2}
    scheduled = queue(client, people["eva"])["items"][2]
    assert (scheduled["id"], scheduled["publish_at"]) == (early["id"], early["publish_at"])
    assert all(e["review_note"] is None for e in queue(client, people["eva"])["items"])

    anna = queue(client, people["anna"])
    assert listed(anna) == [e for e in everything if e[2] == "anna"]
    assert anna["counts"] == {"draft": 2, "submitted": 1, "scheduled": 0}
    assert queue(client, people["ben"])["counts"] == {"draft": 1, "submitted": 1, "scheduled": 0}

    assert_problem(client.get(QUEUE, headers=people["otto"]), 404)
    assert_problem(client.get(QUEUE), 401)
    assert_problem(client.get("/api/v1/blogs/nirgends/queue", headers=people["eva"]), 404)


def test_an_entry_sent_back_carries_the_note_until_it_is_submitted_again(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    entry = new_entry(client, people["anna"], body="Pegel bei 7 Metern.", status="submitted")
    note = "Bitte die Quelle nennen."

    sent_back = patch(client, people["eva"], entry["id"], status="draft", note=note)

    assert sent_back.status_code == 200, sent_back.text
    assert sent_back.json()["status"] == "draft"
    [mine] = queue(client, people["anna"])["items"]
    assert (mine["id"], mine["status"], mine["review_note"]) == (entry["id"], "draft", note)
    assert queue(client, people["eva"])["items"][0]["review_note"] == note
    assert_problem(patch(client, people["anna"], entry["id"], note="Erledigt."), 403)

    fixed = patch(client, people["anna"], entry["id"], source="Pegeldienst", status="submitted")

    assert fixed.status_code == 200, fixed.text
    [mine] = queue(client, people["anna"])["items"]
    assert (mine["status"], mine["source"], mine["review_note"]) == (
        "submitted",
        "Pegeldienst",
        None,
    )


def test_publishing_from_the_queue_publishes_now_even_ahead_of_the_schedule(
    client: TestClient, people: dict[str, dict[str, str]], clock: FakeClock
) -> None:
    submitted = new_entry(client, people["anna"], body="Deich hält.", status="submitted")
    later = clock.now + timedelta(hours=1)
    scheduled = new_entry(client, people["eva"], body="Pressekonferenz.", publish_at=rfc3339(later))
    clock.advance(minutes=5)

    for entry in (submitted, scheduled):
        published = patch(client, people["eva"], entry["id"], status="published")
        assert published.status_code == 200, published.text
        body = published.json()
        # Published now, as the docs say: never dated ahead of the moment readers get it.
        assert (body["status"], body["publish_at"]) == ("published", None)
        assert body["published_at"] == rfc3339(clock.now)
        public = client.get(f"/api/v1/blogs/storm/entries/{entry['id']}")
        assert public.status_code == 200
        assert public.json()["published_at"] == rfc3339(clock.now)

    assert queue(client, people["eva"]) == {
        "items": [],
        "counts": {"draft": 0, "submitted": 0, "scheduled": 0},
    }
    items = client.get("/api/v1/blogs/storm/entries").json()["items"]
    assert {e["id"] for e in items} == {submitted["id"], scheduled["id"]}
