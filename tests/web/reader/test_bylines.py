"""What readers see of bylines: nothing while the blog's ``show_authors`` is off (no byline, no
author's name in any page, public API answer or event); while it is on, "Von Anna Schmidt und
Ben Ott" / "By Anna Schmidt and Ben Ott" on the page, the permalink and in live frames, and
``authors`` in the public JSON. Authors without a display name are never named. Toggling the
setting (API or desk) changes the pages at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.models import User
from liveblog.storage import blogs as blog_rows
from liveblog.web.live.frames import LogFrames
from tests.web.api.helpers import assert_problem
from tests.web.desk.sessions import log_in

SLUG = "flut"
NAMES = ("Anna Schmidt", "Ben Ott")
BYLINE = '<p class="entry__byline">{}</p>'


@dataclass(frozen=True)
class Newsroom:
    anna: User
    ben: User
    carl: User
    """A stringer without a display name (e-mail carl.geheim@...): never named to readers."""
    both: int
    """An entry by Anna and Ben."""
    unnamed: int
    """An entry by Carl alone."""
    mixed: int
    """An entry by Anna and Carl."""


def newsroom(writer: Actions, admin: User, language: str = "de") -> Newsroom:
    writer.create_blog(admin, slug=SLUG, title="Flut", language=language)
    users = []
    for email, name in (
        ("anna@example.org", "Anna Schmidt"),
        ("ben@example.org", "Ben Ott"),
        ("carl.geheim@example.org", ""),
    ):
        users.append(writer.create_user(email, "user", "correct horse battery", display_name=name))
        writer.add_member(admin, SLUG, email, "contributor")
    anna, ben, carl = users
    both = writer.create_entry(admin, SLUG, body="Deich hält.", authors=[anna.id, ben.id])
    unnamed = writer.create_entry(admin, SLUG, body="Vor Ort.", authors=[carl.id])
    mixed = writer.create_entry(admin, SLUG, body="Gemeinsam.", authors=[anna.id, carl.id])
    return Newsroom(anna, ben, carl, both.id, unnamed.id, mixed.id)


@pytest.fixture
def room(writer: Actions, admin: User) -> Newsroom:
    return newsroom(writer, admin)


def show(writer: Actions, admin: User, on: bool) -> None:
    writer.update_blog(admin, SLUG, {"show_authors": on})


def article(html: str, entry_id: int) -> str:
    start = html.index(f'<article id="entry-{entry_id}"')
    return html[start : html.index("</article>", start)]


def public_surfaces(client: TestClient, entry_id: int) -> dict[str, Any]:
    return {
        "page": client.get(f"/live/{SLUG}").text,
        "permalink": client.get(f"/live/{SLUG}/entries/{entry_id}").text,
        "list": client.get(f"/api/v1/blogs/{SLUG}/entries").json(),
        "entry": client.get(f"/api/v1/blogs/{SLUG}/entries/{entry_id}").json(),
        "events": client.get(f"/api/v1/blogs/{SLUG}/events?after=0").json(),
    }


def test_off_no_author_is_named_anywhere(client: TestClient, room: Newsroom) -> None:
    seen = public_surfaces(client, room.both)
    for text in (seen["page"], seen["permalink"], str(seen["list"]), str(seen["events"])):
        assert "entry__byline" not in text
        for name in (*NAMES, "carl", "geheim"):
            assert name not in text
    assert seen["entry"]["authors"] is None
    assert {item["authors"] for item in seen["list"]["items"]} == {None}
    entry_events = [e for e in seen["events"]["events"] if "entry" in e]
    assert entry_events
    assert all(e["entry"]["authors"] is None for e in entry_events)


def test_on_the_page_permalink_api_and_events_name_them_in_german(
    client: TestClient, writer: Actions, admin: User, room: Newsroom
) -> None:
    show(writer, admin, True)
    seen = public_surfaces(client, room.both)
    byline = BYLINE.format("Von Anna Schmidt und Ben Ott")
    assert byline in article(seen["page"], room.both)
    assert byline in seen["permalink"]
    # Authors without a display name are left out; no part of their e-mail shows.
    assert BYLINE.format("Von Anna Schmidt") in article(seen["page"], room.mixed)
    assert "entry__byline" not in article(seen["page"], room.unnamed)
    for text in (seen["page"], str(seen["list"]), str(seen["events"])):
        assert "geheim" not in text
        assert "carl" not in text
    assert seen["entry"]["authors"] == [
        {"id": room.anna.id, "name": "Anna Schmidt"},
        {"id": room.ben.id, "name": "Ben Ott"},
    ]
    listed = {item["id"]: item["authors"] for item in seen["list"]["items"]}
    assert listed[room.unnamed] == [{"id": room.carl.id, "name": ""}]
    (created,) = [e for e in seen["events"]["events"] if e.get("entry", {}).get("id") == room.both]
    assert created["entry"]["authors"] == seen["entry"]["authors"]
    assert byline in created["html"]


def test_in_english_the_list_is_english(client: TestClient, writer: Actions, admin: User) -> None:
    room = newsroom(writer, admin, language="en")
    ben_alone = writer.create_entry(admin, SLUG, body="Solo.", authors=[room.ben.id])
    three = writer.create_entry(
        admin, SLUG, body="Trio.", authors=[room.anna.id, room.ben.id, admin.id]
    )
    writer.update_profile(admin, display_name="Cleo Ray", language="en")
    show(writer, admin, True)
    page = client.get(f"/live/{SLUG}").text
    assert BYLINE.format("By Anna Schmidt and Ben Ott") in article(page, room.both)
    assert BYLINE.format("By Ben Ott") in article(page, ben_alone.id)
    assert BYLINE.format("By Anna Schmidt, Ben Ott, and Cleo Ray") in article(page, three.id)


def test_live_frames_carry_the_byline_only_while_shown(
    app: FastAPI, writer: Actions, admin: User, room: Newsroom
) -> None:
    frames = LogFrames(app.state.services.db)
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, SLUG)
    assert blog is not None
    hidden = "".join(f.data.decode() for f in frames.frames_after(blog.id, 0, 100))
    assert "entry__byline" not in hidden
    assert "Anna Schmidt" not in hidden
    show(writer, admin, True)
    edited = writer.update_entry(
        admin, SLUG, room.unnamed, {"authors": [room.ben.id]}, if_match="*"
    )
    assert edited.version == 2
    shown = frames.frames_after(blog.id, 0, 100)
    data = "".join(f.data.decode() for f in shown).replace('\\"', '"')  # JSON in data:
    assert BYLINE.format("Von Anna Schmidt und Ben Ott") in data
    # The byline change is an entry.updated frame with the new byline.
    last = shown[-1].data.decode()
    assert "event: entry.updated" in last
    assert BYLINE.format("Von Ben Ott") in last.replace('\\"', '"')


def test_toggling_changes_cached_pages_and_tells_live_pages(
    client: TestClient, writer: Actions, admin: User, room: Newsroom
) -> None:
    before = client.get(f"/live/{SLUG}")
    assert 'data-live-authors="off"' in before.text
    assert client.get(f"/live/{SLUG}").text == before.text  # from the page cache
    show(writer, admin, True)
    after = client.get(f"/live/{SLUG}").text
    assert 'data-live-authors="on"' in after
    assert "Von Anna Schmidt und Ben Ott" in after
    events = client.get(f"/api/v1/blogs/{SLUG}/events?after=0").json()["events"]
    assert events[-1]["type"] == "blog.updated"
    assert events[-1]["blog"]["show_authors"] is True
    show(writer, admin, False)
    assert "entry__byline" not in client.get(f"/live/{SLUG}").text


def test_the_blog_api_reads_and_sets_show_authors(
    client: TestClient, admin_headers: dict[str, str], room: Newsroom
) -> None:
    assert client.get(f"/api/v1/blogs/{SLUG}").json()["show_authors"] is False
    changed = client.patch(
        f"/api/v1/blogs/{SLUG}", json={"show_authors": True}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["show_authors"] is True
    assert "Von Anna Schmidt und Ben Ott" in client.get(f"/live/{SLUG}").text
    for bad in (None, "yes", 1):
        refused = client.patch(
            f"/api/v1/blogs/{SLUG}", json={"show_authors": bad}, headers=admin_headers
        )
        assert_problem(refused, 422, "show_authors")


@pytest.mark.parametrize(
    "authors",
    [[], list(range(1, 12)), "anna", [0], [2**70], None, "duplicate", "outsider", [1.5]],
)
def test_bad_authors_are_422_naming_authors(
    client: TestClient,
    writer: Actions,
    admin: User,
    admin_headers: dict[str, str],
    room: Newsroom,
    editor: User,
    authors: Any,
) -> None:
    if authors == "duplicate":
        authors = [room.anna.id, room.anna.id]
    elif authors == "outsider":
        authors = [room.anna.id, editor.id]  # a user with no role in the blog
    url = f"/api/v1/blogs/{SLUG}/entries"
    field = "authors.0" if authors == [1.5] else "authors"  # not an integer: the item is named
    if authors is not None:  # a post's null means "the poster"
        assert_problem(
            client.post(url, json={"body": "x", "authors": authors}, headers=admin_headers),
            422,
            field,
        )
    patched = client.patch(
        f"{url}/{room.both}",
        json={"authors": authors},
        headers={**admin_headers, "If-Match": "*"},
    )
    assert_problem(patched, 422, field)


def test_the_api_takes_authors_and_answers_members_with_them(
    client: TestClient,
    admin_headers: dict[str, str],
    editor_headers: dict[str, str],
    room: Newsroom,
) -> None:
    url = f"/api/v1/blogs/{SLUG}/entries"
    posted = client.post(
        url, json={"body": "Neu.", "authors": [room.ben.id, room.anna.id]}, headers=admin_headers
    )
    assert posted.status_code == 201, posted.text
    expected = [
        {"id": room.ben.id, "name": "Ben Ott"},
        {"id": room.anna.id, "name": "Anna Schmidt"},
    ]
    assert posted.json()["authors"] == expected
    assert client.get(f"{url}/{posted.json()['id']}").json()["authors"] is None  # not shown
    byline = client.get(f"{url}/{posted.json()['id']}/authors", headers=admin_headers)
    assert byline.status_code == 200
    assert byline.headers["cache-control"] == "private, no-store"
    assert byline.json() == {"items": expected}
    assert client.get(f"{url}/{posted.json()['id']}/authors").status_code == 401
    outsider = client.get(f"{url}/{posted.json()['id']}/authors", headers=editor_headers)
    assert_problem(outsider, 404)
    patched = client.patch(
        f"{url}/{posted.json()['id']}",
        json={"authors": [room.anna.id]},
        headers={**admin_headers, "If-Match": posted.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["authors"] == [{"id": room.anna.id, "name": "Anna Schmidt"}]
    assert patched.json()["version"] == 2


def test_the_desk_settings_page_toggles_bylines(
    app: FastAPI, client: TestClient, admin: User, room: Newsroom
) -> None:
    desk = log_in(app, admin.email, "correct horse battery")
    form = {"title": "Flut", "summary": "", "language": "de", "timezone": "Europe/Berlin"}
    settings = f"/admin/blogs/{SLUG}/settings"
    assert 'id="show_authors"' in desk.get(settings).text
    saved = desk.post_form(settings, {**form, "status": "open", "show_authors": "on"})
    assert saved.status_code == 303
    page = desk.get(settings).text
    assert 'name="show_authors" value="on" checked' in page
    assert "Von Anna Schmidt und Ben Ott" in client.get(f"/live/{SLUG}").text
    saved = desk.post_form(settings, {**form, "status": "open"})  # the box left unticked
    assert saved.status_code == 303
    assert 'value="on" checked' not in desk.get(settings).text
    assert "entry__byline" not in client.get(f"/live/{SLUG}").text
