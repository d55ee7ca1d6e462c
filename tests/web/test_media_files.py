"""``/media/<name>``: photos' files with the right type, cached for a year, tagged by name; any
name not of their exact form is 404 before the file system is asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveblog.config import Settings
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade

NAME = "0123456789abcdef-960.webp"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """SQLite only: nothing here reads the database."""
    database = Database(f"sqlite:///{tmp_path / 'liveblog.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}", media_dir=str(tmp_path / "media")
    )


@pytest.fixture
def media_dir(settings: Settings) -> Path:
    directory = Path(settings.media_dir)
    directory.mkdir()
    for name, body in (
        (NAME, b"RIFF0000WEBPdata"),
        ("0123456789abcdef-960.avif", b"avif"),
        ("0123456789abcdef-960.jpg", b"\xff\xd8\xffjpeg"),
        ("0123456789abcdef-480.png", b"\x89PNGpng"),
    ):
        (directory / name).write_bytes(body)
    return directory


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        (NAME, "image/webp"),
        ("0123456789abcdef-960.avif", "image/avif"),
        ("0123456789abcdef-960.jpg", "image/jpeg"),
        ("0123456789abcdef-480.png", "image/png"),
    ],
)
def test_files_are_served_for_a_year(
    client: TestClient, media_dir: Path, name: str, media_type: str
) -> None:
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.content == (media_dir / name).read_bytes()
    assert response.headers["content-type"] == media_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"] == f'"{name}"'
    assert "set-cookie" not in response.headers


def test_head_and_revalidation(client: TestClient, media_dir: Path) -> None:
    head = client.head(f"/media/{NAME}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "image/webp"
    again = client.get(f"/media/{NAME}", headers={"If-None-Match": f'"{NAME}"'})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/media/0123456789abcdef-961.webp",  # well formed, not there
        "/media/../liveblog.db",
        "/media/..%2fliveblog.db",
        "/media/%2e%2e%2funused.db",
        "/media/%2fetc%2fpasswd",
        "/media//etc/passwd",
        "/media/0123456789ABCDEF-960.webp",
        "/media/0123456789abcdef-960.webp.exe",
        "/media/0123456789abcdef-960.svg",
        "/media/0123456789abcdef-960.WEBP",
        "/media/x0123456789abcdef-960.webp",
        "/media/0123456789abcdef-123456.webp",
        "/media/0123456789abcdef-960.webp%00",
        "/media/",
    ],
)
def test_other_names_are_404(client: TestClient, media_dir: Path, path: str) -> None:
    (media_dir.parent / "secret.txt").write_text("secret")
    response = client.get(path)
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_the_strict_name_never_reaches_the_file_system(
    client: TestClient, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    original = Path.is_file

    def is_file(path: Path) -> bool:
        asked.append(path)
        return original(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert client.get("/media/..%2f..%2fetc%2fpasswd").status_code == 404
    assert client.get("/media/secret.txt").status_code == 404
    assert asked == []
    assert client.get(f"/media/{NAME}").status_code == 200
    assert asked == [media_dir / NAME]
