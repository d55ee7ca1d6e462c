"""Uploading photos and pruning them: who may upload, what is refused (and then nothing is
stored), what is written (files whole, one row, an audit record, no public event), and which
photos and files prune deletes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from liveblog.actions import ANY_VERSION, Actions, MediaStore
from liveblog.actions.base import must
from liveblog.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from liveblog.domain.media import Media
from liveblog.domain.models import User
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import media as media_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import media
from tests import photos
from tests.conftest import FakeClock

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media" / "photos", max_bytes=2_000_000, max_pixels=50_000_000)


@pytest.fixture
def blog(actions: Actions, admin: User) -> str:
    actions.create_blog(admin, slug="storm", title="Sturmflut")
    return "storm"


def member(actions: Actions, admin: User, name: str, role: str) -> User:
    user = actions.create_user(f"{name}@example.org", "user", PASSWORD)
    actions.add_member(admin, "storm", user.email, role)
    return user


def rows(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(media)).scalar_one())


def files(store: MediaStore) -> list[str]:
    return sorted(p.name for p in store.directory.iterdir()) if store.directory.exists() else []


def test_an_upload_writes_its_files_and_one_row(
    actions: Actions, admin: User, blog: str, store: MediaStore, db: Database
) -> None:
    editor = member(actions, admin, "eva", "editor")
    photo = actions.upload_media(
        editor, blog, photos.phone_photo(), store, alt=" Der Deich ", credit="Eva", caption=None
    )
    assert (photo.alt, photo.credit, photo.caption, photo.uploaded_by) == (
        "Der Deich",
        "Eva",
        None,
        editor.id,
    )
    assert (photo.width, photo.height) == (960, 1280)
    assert files(store) == sorted(v.name for v in photo.variants)
    for variant in photo.variants:
        with Image.open(store.directory / variant.name) as image:
            assert image.size == (variant.width, variant.height)
            assert not image.getexif()
        assert oct((store.directory / variant.name).stat().st_mode & 0o777) == "0o644"
    with db.read() as conn:
        assert media_rows.by_ids(conn, photo.blog_id, [photo.id]) == {photo.id: photo}
        records = audit.newest_first(conn, photo.blog_id, limit=1)
    assert (records[0].action, records[0].actor_id) == ("media.uploaded", editor.id)
    assert records[0].detail["media"] == photo.id


def test_an_upload_is_no_public_event(
    actions: Actions, admin: User, blog: str, store: MediaStore, db: Database
) -> None:
    heard: list[object] = []
    actions.on_commit(heard.append)
    with db.read() as conn:
        before = must(blog_rows.by_slug(conn, blog)).last_seq
    actions.upload_media(admin, blog, photos.png(600, 400), store)
    with db.read() as conn:
        assert must(blog_rows.by_slug(conn, blog)).last_seq == before
    assert heard == []


def test_contributors_may_upload_for_their_drafts(
    actions: Actions, admin: User, blog: str, store: MediaStore
) -> None:
    contributor = member(actions, admin, "carl", "contributor")
    photo = actions.upload_media(contributor, blog, photos.png(600, 400), store, alt="Karte")
    assert photo.alt == "Karte"


def test_who_may_not_write_in_the_blog_stores_nothing(
    actions: Actions, admin: User, blog: str, store: MediaStore, db: Database
) -> None:
    outsider = actions.create_user("otto@example.org", "user", PASSWORD)
    with pytest.raises(Forbidden):
        actions.upload_media(outsider, blog, photos.phone_photo(), store)
    actions.create_blog(admin, slug="race", title="Race")
    member(actions, admin, "eva", "editor")  # an editor of storm, not of race
    eva = actions.create_user("ina@example.org", "user", PASSWORD)
    actions.add_member(admin, "race", eva.email, "editor")
    with pytest.raises(Forbidden):
        actions.upload_media(eva, blog, photos.phone_photo(), store)
    with pytest.raises(NotFound):
        actions.upload_media(admin, "nope", photos.phone_photo(), store)
    actions.update_blog(admin, blog, {"status": "closed"})
    with pytest.raises(Conflict):
        actions.upload_media(admin, blog, photos.phone_photo(), store)
    assert files(store) == []
    assert rows(db) == 0


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        (photos.TEXT, UnsupportedType, "file"),
        (photos.HEIC, UnsupportedType, "file"),
        (photos.SVG, UnsupportedType, "file"),
        (photos.PDF, UnsupportedType, "file"),
        (b"", InvalidInput, "file"),
        (photos.phone_photo()[:5000], InvalidInput, "file"),
        (photos.png_bomb(), InvalidInput, "file"),
        (b"\xff\xd8\xff" + b"\x00" * 2_000_000, TooLarge, "file"),
    ],
    ids=["text", "heic", "svg", "pdf", "empty", "truncated", "bomb", "too-large"],
)
def test_bad_files_store_nothing(
    actions: Actions,
    admin: User,
    blog: str,
    store: MediaStore,
    db: Database,
    data: bytes,
    error: type[Exception],
    field: str,
) -> None:
    with pytest.raises(error) as raised:
        actions.upload_media(admin, blog, data, store)
    assert isinstance(raised.value, InvalidInput)
    assert [e.field for e in raised.value.errors] == [field]
    assert files(store) == []
    assert rows(db) == 0


def test_bad_fields_are_named_and_store_nothing(
    actions: Actions, admin: User, blog: str, store: MediaStore, db: Database
) -> None:
    with pytest.raises(InvalidInput) as raised:
        actions.upload_media(
            admin,
            blog,
            photos.phone_photo(),
            store,
            alt="x" * 1001,
            credit="Anna\nBeispiel",
            caption=12,
        )
    assert sorted(e.field for e in raised.value.errors) == ["alt", "caption", "credit"]
    assert files(store) == []
    assert rows(db) == 0


def test_the_same_photo_twice_shares_its_files(
    actions: Actions, admin: User, blog: str, store: MediaStore
) -> None:
    data = photos.png(700, 500)
    first = actions.upload_media(admin, blog, data, store, alt="A")
    second = actions.upload_media(admin, blog, data, store, alt="B")
    assert first.id != second.id
    assert [v.name for v in first.variants] == [v.name for v in second.variants]
    assert not [name for name in files(store) if name.endswith(".tmp")]


# -- prune ---------------------------------------------------------------------------------------


def upload(actions: Actions, admin: User, store: MediaStore, width: int) -> Media:
    return actions.upload_media(admin, "storm", photos.png(width, 300), store, alt="Foto")


def age(store: MediaStore, clock: FakeClock, hours: float) -> None:
    """Make every file in the directory look written ``hours`` before the clock's now."""
    stamp = (clock.now - timedelta(hours=hours)).timestamp()
    for path in store.directory.iterdir():
        os.utime(path, (stamp, stamp))


def test_prune_deletes_only_old_photos_no_entry_shows(
    actions: Actions, admin: User, blog: str, store: MediaStore, clock: FakeClock, db: Database
) -> None:
    shown, in_revision, unused = (upload(actions, admin, store, w) for w in (500, 600, 700))
    entry = actions.create_entry(admin, blog, body=f"![Foto](media:{in_revision.id})")
    actions.update_entry(
        admin, blog, entry.id, {"body": f"![Foto](media:{shown.id})"}, if_match=ANY_VERSION
    )
    # Young: nothing goes.
    clock.advance(hours=23)
    age(store, clock, 23)
    assert (
        actions.prune_media(store.directory, older_than=timedelta(hours=24), apply=True).photos
        == ()
    )
    clock.advance(hours=2)
    age(store, clock, 25)
    dry = actions.prune_media(store.directory, older_than=timedelta(hours=24), apply=False)
    assert [p.id for p in dry.photos] == [unused.id]
    assert sorted(f.name for f in dry.files) == sorted(v.name for v in unused.variants)
    assert dry.bytes == sum((store.directory / v.name).stat().st_size for v in unused.variants)
    assert rows(db) == 3  # a dry run deletes nothing
    done = actions.prune_media(store.directory, older_than=timedelta(hours=24), apply=True)
    assert (done.applied, [p.id for p in done.photos]) == (True, [unused.id])
    assert rows(db) == 2
    assert files(store) == sorted(v.name for p in (shown, in_revision) for v in p.variants)


def test_prune_keeps_files_a_remaining_photo_lists(
    actions: Actions, admin: User, blog: str, store: MediaStore, clock: FakeClock
) -> None:
    data = photos.png(600, 300)
    unused = actions.upload_media(admin, blog, data, store, alt="A")
    shown = actions.upload_media(admin, blog, data, store, alt="B")
    actions.create_entry(admin, blog, body=f"![B](media:{shown.id})")
    clock.advance(hours=30)
    age(store, clock, 30)
    done = actions.prune_media(store.directory, older_than=timedelta(hours=24), apply=True)
    assert [p.id for p in done.photos] == [unused.id]
    assert done.files == ()
    assert files(store) == sorted(v.name for v in shown.variants)


def test_prune_deletes_old_unlisted_files_and_nothing_else(
    actions: Actions, admin: User, blog: str, store: MediaStore, clock: FakeClock
) -> None:
    kept = upload(actions, admin, store, 500)
    actions.create_entry(admin, blog, body=f"![Foto](media:{kept.id})")
    orphan = "0123456789abcdef-480.webp"
    for name in (orphan, ".upload-abc123.tmp", "README.txt", "0123456789abcdef-480.exe"):
        (store.directory / name).write_bytes(b"x" * 10)
    (store.directory / "fedcba9876543210-960.jpg").mkdir()
    age(store, clock, 48)
    fresh = "1111111111111111-480.webp"
    (store.directory / fresh).write_bytes(b"new")
    stamp = clock.now.timestamp()
    os.utime(store.directory / fresh, (stamp, stamp))
    done = actions.prune_media(store.directory, older_than=timedelta(hours=24), apply=True)
    assert sorted(f.name for f in done.files) == [".upload-abc123.tmp", orphan]
    left = set(files(store))
    assert {"README.txt", "0123456789abcdef-480.exe", "fedcba9876543210-960.jpg", fresh} <= left
    assert {v.name for v in kept.variants} <= left


def test_prune_without_a_directory_still_prunes_rows(
    actions: Actions, admin: User, blog: str, store: MediaStore, clock: FakeClock, tmp_path: Path
) -> None:
    upload(actions, admin, store, 500)
    clock.advance(hours=25)
    done = actions.prune_media(tmp_path / "missing", older_than=timedelta(hours=24), apply=True)
    assert (len(done.photos), done.files) == (1, ())
