"""The permalink page's link back to the blog: the blog page that shows the entry, at the entry
(a signed keyset cursor for older entries, the blog's own URL for the newest ones)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import ANY_VERSION, Actions
from liveblog.config import Settings
from liveblog.domain.models import Blog, Entry, User
from tests.conftest import FakeClock, Statements

SLUG = "sturmflut"
URL = f"/live/{SLUG}"
PAGE_SIZE = 3
BACK = re.compile(r'<a class="pagination__back" href="([^"]+)">')
ARTICLE = re.compile(r'<article id="entry-(\d+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", page_size=PAGE_SIZE)


@pytest.fixture
def blog(writer: Actions, admin: User) -> Blog:
    return writer.create_blog(admin, slug=SLUG, title="Sturmflut", summary="Das Wasser steigt.")


def post(writer: Actions, admin: User, clock: FakeClock, minutes_ago: float, **kw: Any) -> Entry:
    kw.setdefault("body", f"Meldung von vor {minutes_ago} Minuten.")
    when = clock.now - timedelta(minutes=minutes_ago)
    return writer.create_entry(admin, SLUG, published_at=when, **kw)


def back_link(client: TestClient, entry: Entry) -> str:
    response = client.get(f"{URL}/entries/{entry.id}")
    assert response.status_code == 200, response.text
    match = BACK.search(response.text)
    assert match is not None, response.text
    return html_lib.unescape(match.group(1))


def ids_on(client: TestClient, href: str) -> list[int]:
    """The entry ids on the page a back link leads to (fetched without its fragment)."""
    response = client.get(href.split("#", 1)[0])
    assert response.status_code == 200, response.text
    return [int(i) for i in ARTICLE.findall(response.text)]


def test_every_back_link_leads_to_a_page_with_the_entry_at_its_anchor(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    # Newest first: 0, 1, ..., 9 minutes ago; two share a time; the pinned one is old.
    entries = [post(writer, admin, clock, m) for m in range(10)]
    twin = post(writer, admin, clock, 6)
    pinned = post(writer, admin, clock, 30, pinned=True, body="Das Wichtigste.")

    for entry in [*entries, twin, pinned]:
        href = back_link(client, entry)
        assert href.endswith(f"#entry-{entry.id}"), href
        assert entry.id in ids_on(client, href), (entry.id, href)


def test_the_newest_entries_and_the_pinned_one_link_to_the_blog_itself(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    entries = [post(writer, admin, clock, m) for m in range(8)]
    pinned = post(writer, admin, clock, 60, pinned=True)

    for entry in [*entries[:PAGE_SIZE], pinned]:
        assert back_link(client, entry) == f"{URL}#entry-{entry.id}"
    for entry in entries[PAGE_SIZE:]:
        href = back_link(client, entry)
        assert href.startswith(f"{URL}?cursor="), href
        # The page starts at the entry: it is the first one the reader sees there.
        assert ids_on(client, href)[0] == entry.id


def test_an_old_entrys_page_reads_on_to_older_entries(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    entries = [post(writer, admin, clock, m) for m in range(9)]

    href = back_link(client, entries[4])
    page = client.get(href.split("#", 1)[0]).text

    assert [int(i) for i in ARTICLE.findall(page)] == [e.id for e in entries[4:7]]
    assert 'class="pagination__next"' in page  # older entries go on from here
    assert f'href="{URL}"' in page  # and back to the latest ones


def test_the_link_follows_new_entries_and_ignores_what_readers_do_not_see(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    entries = [post(writer, admin, clock, m) for m in range(10, 13)]
    oldest = entries[-1]
    # Newer, but not for readers: a draft and a deleted entry do not push it off the first page.
    writer.create_entry(admin, SLUG, body="Entwurf.", status="draft")
    gone = post(writer, admin, clock, 2)
    writer.delete_entry(admin, SLUG, gone.id, if_match=ANY_VERSION)
    assert back_link(client, oldest) == f"{URL}#entry-{oldest.id}"

    post(writer, admin, clock, 3)  # now three entries readers see are newer

    href = back_link(client, oldest)
    assert href.startswith(f"{URL}?cursor=")
    assert ids_on(client, href)[0] == oldest.id


def test_deleted_and_unpublished_entries_keep_their_answers(
    client: TestClient, writer: Actions, admin: User, clock: FakeClock, blog: Blog
) -> None:
    for m in range(6):
        post(writer, admin, clock, m)
    gone = post(writer, admin, clock, 10)
    writer.delete_entry(admin, SLUG, gone.id, if_match=ANY_VERSION)
    draft = writer.create_entry(admin, SLUG, body="Noch nicht freigegeben.", status="draft")

    deleted = client.get(f"{URL}/entries/{gone.id}")
    assert deleted.status_code == 410
    assert f'<a href="{URL}">' in deleted.text
    unpublished = client.get(f"{URL}/entries/{draft.id}")
    assert unpublished.status_code == 404
    assert "Noch nicht freigegeben" not in unpublished.text


def test_the_link_costs_one_bounded_keyset_query_however_long_the_blog(
    client: TestClient,
    writer: Actions,
    admin: User,
    clock: FakeClock,
    blog: Blog,
    statements: Statements,
) -> None:
    def selects_for(entry: Entry) -> list[str]:
        statements.clear()  # every post made a new version: the page is rendered afresh
        back_link(client, entry)
        return statements.selects()

    first = [post(writer, admin, clock, 100 + m) for m in range(6)]
    back_link(client, first[0])  # reads the site's secret, once
    few = selects_for(first[-1])
    for m in range(40):
        post(writer, admin, clock, m)
    many = selects_for(first[-1])

    assert len(many) == len(few)
    assert not [s for s in many if "COUNT(" in s.upper()]
    # The position query: a keyset seek from the entry, bounded by the page size (SQLite's
    # dialect writes "LIMIT ? OFFSET ?" with an offset of 0 for every LIMIT).
    (seek,) = [s for s in many if "ORDER BY entries.published_at ASC" in s]
    assert "LIMIT" in seek.upper()
    assert "entries.id >" in seek
