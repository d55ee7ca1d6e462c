"""The index page ``/`` is cached like blog pages: hits cost no query and never enter the
application, any local commit (to any blog, a new blog included) shows at once, another
process's after one cheap query once the revalidation window has passed."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock, Statements, application_not_entered


def test_index_hits_cost_no_query_and_never_enter_the_app(
    app: FastAPI, writer: Actions, admin: User, statements: Statements
) -> None:
    writer.create_blog(admin, slug="offen", title="Offener Blog")
    with TestClient(app) as client:
        first = client.get("/")  # a miss: rendered in a worker thread, then kept
        statements.clear()
        with application_not_entered(app):
            again = client.get("/")
            tagged = client.get("/", headers={"If-None-Match": first.headers["etag"]})
            query = client.get("/?utm_source=newsletter")
        assert statements.sql == []
    assert again.content == first.content
    assert again.headers == first.headers
    assert tagged.status_code == 304
    assert tagged.headers["etag"] == first.headers["etag"]
    assert query.content == first.content


def test_every_local_commit_shows_on_the_index_at_once(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="offen", title="Offener Blog")
    etag = client.get("/").headers["etag"]

    writer.create_blog(admin, slug="neu", title="Ganz neuer Blog")
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Ganz neuer Blog" in response.text
    etag = response.headers["etag"]

    writer.update_blog(admin, "offen", {"title": "Umbenannt"})
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Umbenannt" in response.text

    writer.update_blog(admin, "neu", {"status": "closed"})
    response = client.get("/")
    running, _, ended = response.text.partition('id="archive-ended"')
    assert "Ganz neuer Blog" not in running  # it moved to the ended blogs
    assert "Ganz neuer Blog" in ended
    etag = response.headers["etag"]

    writer.create_entry(admin, "offen", body="Eine Meldung.")  # the dateline may move
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code in (200, 304)
    assert client.get("/", headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_another_process_shows_after_one_query_for_the_site_version(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    actions: Actions,
    admin: User,
    statements: Statements,
) -> None:
    app = create_app(
        replace(settings, page_revalidate_seconds=0), db=db, clock=clock, migrate=False
    )
    with TestClient(app) as client:
        actions.create_blog(admin, slug="offen", title="Offener Blog")
        first = client.get("/")
        statements.clear()

        again = client.get("/")

        assert again.headers["etag"] == first.headers["etag"]
        assert len(statements.selects()) == 1
        assert "sum(" in statements.selects()[0].lower()

        # Another process (here: actions the app does not listen to) opens a blog.
        actions.create_blog(admin, slug="anderswo", title="Von anderswo")
        assert "Von anderswo" in client.get("/").text
