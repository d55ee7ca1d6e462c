"""Entries with photos and embeds are rendered for their blog: its own photos (refused with 422
on the field ``body`` when the blog does not have one or it has no alt text), its language,
the media base URL; refused writes leave nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveblog.actions import Actions
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import Blog, EventType, User
from liveblog.storage import events as event_log
from liveblog.storage.database import Database
from liveblog.storage.tables import entries, entry_revisions
from tests.conftest import FakeClock
from tests.media_rows import add_photo

SLUG = "sturm"
YOUTUBE = "https://youtu.be/dQw4w9WgXcQ"


@pytest.fixture
def blog(actions: Actions, admin: User) -> Blog:
    return actions.create_blog(admin, slug=SLUG, title="Sturm")


def refused(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in error.value.errors]


def counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(entries)).scalar_one(),
            conn.execute(select(func.count()).select_from(entry_revisions)).scalar_one(),
        )


def test_a_posted_photo_is_stored_as_its_figure_and_its_event_carries_it(
    actions: Actions, admin: User, blog: Blog, db: Database
) -> None:
    photo = add_photo(db, blog.id, alt="Sandsäcke", credit="Ana Kurz", caption="Am Deich")
    entry = actions.create_entry(admin, SLUG, body=f"Lage:\n\n![](media:{photo})")
    assert '<figure class="photo"><picture>' in entry.body_html
    assert 'src="/media/0123456789abcdef-960.jpg"' in entry.body_html
    assert 'alt="Sandsäcke"' in entry.body_html
    assert '<span class="credit">Foto: Ana Kurz</span>' in entry.body_html
    with db.read() as conn:
        (event,) = [
            e for e in event_log.after(conn, blog.id, 0) if e.type is EventType.ENTRY_CREATED
        ]
    assert event.payload["entry"]["body_html"] == entry.body_html


def test_photos_come_from_the_configured_media_url_and_embeds_speak_the_blog_language(
    db: Database, clock: FakeClock, admin: User
) -> None:
    cdn = Actions(db, clock=clock, media_url="https://cdn.example/photos")
    blog = cdn.create_blog(admin, slug="storm", title="Storm", language="en")
    photo = add_photo(db, blog.id, alt="Sandbags")
    entry = cdn.create_entry(admin, "storm", body=f"![](media:{photo})\n\n{YOUTUBE}")
    assert 'src="https://cdn.example/photos/0123456789abcdef-960.jpg"' in entry.body_html
    assert "Load content from YouTube" in entry.body_html
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in entry.body_html


def test_a_photo_without_alt_text_is_refused(
    actions: Actions, admin: User, blog: Blog, db: Database
) -> None:
    photo = add_photo(db, blog.id, alt="  ")
    before = counts(db)
    with pytest.raises(InvalidInput) as error:
        actions.create_entry(admin, SLUG, body=f'![ ](media:{photo} "Ana")')
    ((field, message),) = refused(error)
    assert field == "body"
    assert f"photo {photo} needs an alt text" in message
    assert counts(db) == before
    # The Markdown's alt text is enough.
    entry = actions.create_entry(admin, SLUG, body=f"![Der Deich](media:{photo})")
    assert 'alt="Der Deich"' in entry.body_html


def test_unknown_photos_and_other_blogs_photos_are_refused(
    actions: Actions, admin: User, blog: Blog, db: Database
) -> None:
    other = actions.create_blog(admin, slug="anderer", title="Anderer Blog")
    theirs = add_photo(db, other.id, alt="Fremd")
    ours = add_photo(db, blog.id, alt="Eigen")
    before = counts(db)
    body = f"![a](media:{theirs})\n\n![b](media:999999)\n\n![c](media:{ours})\n\n![d](media:999999)"
    with pytest.raises(InvalidInput) as error:
        actions.create_entry(admin, SLUG, body=body)
    found = refused(error)
    assert [f for f, _ in found] == ["body", "body"]  # once per photo
    assert f"shows photo {theirs}, which this blog does not have" in found[0][1]
    assert "shows photo 999999, which this blog does not have" in found[1][1]
    assert counts(db) == before
    # In its own blog the photo is fine.
    assert (
        "<figure" in actions.create_entry(admin, "anderer", body=f"![a](media:{theirs})").body_html
    )


def test_an_edit_is_checked_and_rendered_the_same_way(
    actions: Actions, admin: User, blog: Blog, db: Database
) -> None:
    entry = actions.create_entry(admin, SLUG, body="Erst Text.")
    photo = add_photo(db, blog.id)
    with pytest.raises(InvalidInput) as error:
        actions.update_entry(admin, SLUG, entry.id, {"body": f"![](media:{photo})"}, if_match="*")
    assert refused(error)[0][0] == "body"
    with db.read() as conn:
        row = conn.execute(
            select(entries.c.body, entries.c.version).where(entries.c.id == entry.id)
        ).one()
    assert tuple(row) == ("Erst Text.", entry.version)
    edited = actions.update_entry(
        admin, SLUG, entry.id, {"body": f"Jetzt mit Foto.\n\n![Deich](media:{photo})"}, if_match="*"
    )
    assert '<figure class="photo">' in edited.body_html
    # A draft is checked too.
    with pytest.raises(InvalidInput):
        actions.create_entry(admin, SLUG, body="![x](media:424242)", status="draft")


def test_plain_bodies_render_as_before(actions: Actions, admin: User, blog: Blog) -> None:
    entry = actions.create_entry(admin, SLUG, body="Der **Pegel** steigt: https://example.org/a")
    assert entry.body_html == ("<p>Der <strong>Pegel</strong> steigt: https://example.org/a</p>")
    quote = actions.create_entry(admin, SLUG, body="> Wir halten durch.\n\n— Ada Berg")
    assert quote.body_html.startswith('<figure class="quote">')
