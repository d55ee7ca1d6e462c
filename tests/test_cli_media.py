"""``liveblog media prune`` through ``main(argv)``, on SQLite and PostgreSQL: a dry run lists
what it would delete and deletes nothing; ``--apply`` deletes old photos no entry shows and old
files no photo lists; bad options are one line and a non-zero exit."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from liveblog import cli
from liveblog.actions import Actions, MediaStore
from liveblog.domain.media import Media
from liveblog.storage.database import Database
from liveblog.storage.tables import media
from tests import photos
from tests.conftest import FakeClock

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def run(
    db: Database,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    for name in [n for n in os.environ if n.startswith("LIVEBLOG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", db.url)
    monkeypatch.setenv("LIVEBLOG_MEDIA_DIR", str(media_dir))

    def run(*argv: str) -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@dataclass(frozen=True)
class Photos:
    shown: Media
    unused: Media


@pytest.fixture
def uploaded(db: Database, media_dir: Path) -> Photos:
    """Two photos uploaded two days ago (by the clock and by their files' times); an entry
    shows the first."""
    clock = FakeClock(datetime.now(UTC) - timedelta(days=2))
    actions = Actions(db, clock=clock)
    admin = actions.create_user("admin@example.org", "admin", PASSWORD)
    actions.create_blog(admin, slug="storm", title="Storm")
    store = MediaStore(media_dir, max_bytes=10_000_000, max_pixels=50_000_000)
    shown = actions.upload_media(admin, "storm", photos.png(600, 300), store, alt="Deich")
    unused = actions.upload_media(admin, "storm", photos.png(700, 300), store, alt="Hafen")
    actions.create_entry(admin, "storm", body=f"![Deich](media:{shown.id})")
    stamp = clock.now.timestamp()
    for path in media_dir.iterdir():
        os.utime(path, (stamp, stamp))
    return Photos(shown, unused)


def rows(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(media)).scalar_one())


def names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_a_dry_run_lists_and_deletes_nothing(
    run: Run, db: Database, media_dir: Path, uploaded: Photos
) -> None:
    before = names(media_dir)
    result = run("media", "prune")
    assert result.code == 0, result
    assert f"would delete photo {uploaded.unused.id} " in result.out
    for variant in uploaded.unused.variants:
        assert str(media_dir / variant.name) in result.out
    for variant in uploaded.shown.variants:
        assert variant.name not in result.out
    size = sum((media_dir / v.name).stat().st_size for v in uploaded.unused.variants)
    summary = result.out.splitlines()[-1]
    assert summary == (
        f"liveblog: would delete 1 photo and {len(uploaded.unused.variants)} files, "
        f"{size} bytes; run with --apply to delete them"
    )
    assert names(media_dir) == before
    assert rows(db) == 2


def test_apply_deletes(run: Run, db: Database, media_dir: Path, uploaded: Photos) -> None:
    orphan = media_dir / "00000000000000ff-480.webp"
    orphan.write_bytes(b"left by a failed upload")
    stamp = (datetime.now(UTC) - timedelta(hours=30)).timestamp()
    os.utime(orphan, (stamp, stamp))
    result = run("media", "prune", "--apply")
    assert result.code == 0, result
    assert result.out.splitlines()[-1].startswith(
        f"liveblog: deleted 1 photo and {len(uploaded.unused.variants) + 1} files, "
    )
    assert names(media_dir) == {v.name for v in uploaded.shown.variants}
    assert rows(db) == 1
    again = run("media", "prune", "--apply")
    assert again.out == "liveblog: deleted 0 photos and 0 files, 0 bytes\n"


def test_older_than_keeps_younger_photos(
    run: Run, db: Database, media_dir: Path, uploaded: Photos
) -> None:
    result = run("media", "prune", "--apply", "--older-than", "72")
    assert result.out == "liveblog: deleted 0 photos and 0 files, 0 bytes\n"
    assert rows(db) == 2
    result = run("media", "prune", "--apply", "--older-than", "1.5")
    assert result.code == 0
    assert rows(db) == 1


@pytest.mark.parametrize("hours", ["-1", "soon", "nan", "inf"])
def test_bad_options_are_one_line(run: Run, hours: str) -> None:
    result = run("media", "prune", "--older-than", hours)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("liveblog: error: ")
    assert "Traceback" not in result.err


def test_an_unreadable_directory_is_one_line(
    run: Run, media_dir: Path, uploaded: Photos, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    result = run("media", "prune")
    assert result.code == 1
    assert result.err == f"liveblog: error: cannot prune {media_dir}: Permission denied\n"
