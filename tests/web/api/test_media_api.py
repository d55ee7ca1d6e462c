"""``POST /api/v1/blogs/{slug}/media``: a photo upload answers 201 with its variants; bad files,
bad fields, oversized bodies (declared or not), missing rights and the wrong blog answer with a
problem naming the field, and nothing is stored."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from starlette.types import Message

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.limits import MULTIPART_OVERHEAD
from tests import photos
from tests.web.api.helpers import assert_problem, member_headers, new_blog, snapshot
from tests.web.desk.sessions import ORIGIN, log_in

MAX_BYTES = 300_000
URL = "/api/v1/blogs/storm/media"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        media_dir=str(tmp_path / "media"),
        media_max_bytes=MAX_BYTES,
    )


@pytest.fixture
def media_dir(settings: Settings) -> Path:
    return Path(settings.media_dir)


@pytest.fixture
def storm(client: TestClient, admin_headers: dict[str, str]) -> str:
    return str(new_blog(client, admin_headers)["slug"])


def upload(
    client: TestClient,
    headers: dict[str, str],
    data: bytes,
    *,
    url: str = URL,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    **fields: str,
) -> Any:
    return client.post(
        url, files={"file": (filename, data, content_type)}, data=fields, headers=headers
    )


def stored_files(media_dir: Path) -> list[str]:
    return sorted(p.name for p in media_dir.iterdir()) if media_dir.exists() else []


def test_an_upload_answers_with_its_variants(
    client: TestClient, admin_headers: dict[str, str], storm: str, media_dir: Path
) -> None:
    response = upload(
        client,
        admin_headers,
        photos.phone_photo(2400, 1800),
        alt="Der Deich bei Nacht",
        credit="Anna Beispiel",
        caption="Um 3 Uhr",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "url", "width", "height", "alt", "credit", "caption", "variants"}
    assert (body["alt"], body["credit"], body["caption"]) == (
        "Der Deich bei Nacht",
        "Anna Beispiel",
        "Um 3 Uhr",
    )
    # Upright: 1800 wide, 2400 high, so 480, 960 and 1600 px wide variants.
    assert (body["width"], body["height"]) == (1600, 2133)
    assert body["url"].startswith("/media/")
    assert body["url"].endswith("-1600.jpg")
    types = {v["type"] for v in body["variants"]}
    assert {"image/webp", "image/jpeg"} <= types
    assert sorted({v["width"] for v in body["variants"]}) == [480, 960, 1600]
    assert stored_files(media_dir) == sorted(v["url"].rsplit("/", 1)[1] for v in body["variants"])
    # Served: upright, no EXIF, no GPS.
    for variant in body["variants"]:
        served = client.get(variant["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == variant["type"]
        assert b"Exif" not in served.content
        assert b"SecretCam" not in served.content
        image = Image.open(io.BytesIO(served.content))
        assert image.size == (variant["width"], variant["height"])
        assert not image.getexif()
        rgb = image.convert("RGB")
        assert rgb.getpixel((image.width - 3, 3)) == pytest.approx(photos.RED, abs=40)


@pytest.fixture
def cdn_app(db: Database, tmp_path: Path) -> FastAPI:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        media_dir=str(tmp_path / "cdn-media"),
        media_url="https://cdn.example.org/photos/",
    )
    return create_app(settings, db=db, migrate=False)


def test_media_url_points_pages_at_a_cdn(admin: User, cdn_app: FastAPI) -> None:
    with TestClient(cdn_app) as client:
        _, token = cdn_app.state.services.actions.create_token(admin.email)
        headers = {"Authorization": f"Bearer {token}"}
        new_blog(client, headers)
        body = upload(client, headers, photos.png(500, 300)).json()
    assert body["url"].startswith("https://cdn.example.org/photos/")
    assert all(v["url"].startswith("https://cdn.example.org/photos/") for v in body["variants"])


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (photos.TEXT, 415),
        (photos.HEIC, 415),
        (photos.SVG, 415),
        (photos.PDF, 415),
        (photos.phone_photo(800, 600)[:4000], 422),
        (photos.png_bomb(), 422),
        (b"", 422),
    ],
    ids=["text", "heic", "svg", "pdf", "truncated", "bomb", "empty"],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client: TestClient,
    admin_headers: dict[str, str],
    storm: str,
    db: Database,
    media_dir: Path,
    data: bytes,
    status: int,
) -> None:
    before = snapshot(db)
    # The client's name and type claim a JPEG: only the bytes count.
    assert_problem(upload(client, admin_headers, data), status, "file")
    assert snapshot(db) == before
    assert stored_files(media_dir) == []


def test_a_file_over_the_limit_is_413(
    client: TestClient, admin_headers: dict[str, str], storm: str, db: Database, media_dir: Path
) -> None:
    before = snapshot(db)
    # Over the file limit but within the form's overhead: the action says so.
    body = assert_problem(upload(client, admin_headers, b"x" * (MAX_BYTES + 1)), 413, "file")
    assert str(MAX_BYTES) in body["detail"]
    # Over the whole body's limit: refused as it arrives.
    too_big = b"x" * (MAX_BYTES + MULTIPART_OVERHEAD + 1)
    assert_problem(upload(client, admin_headers, too_big), 413, "file")
    assert snapshot(db) == before
    assert stored_files(media_dir) == []


@pytest.mark.parametrize("declared", [None, b"100"], ids=["chunked", "lying"])
def test_a_lying_or_missing_content_length_lets_no_more_through(
    app: FastAPI, admin: User, storm: str, declared: bytes | None
) -> None:
    """The body is counted as it arrives: a chunked body (no Content-Length) or one that
    claims to be small is cut off at the limit."""
    token = app.state.services.actions.create_token(admin.email)[1]
    limit = MAX_BYTES + MULTIPART_OVERHEAD
    chunk = b"x" * 65_536
    sent = 0
    messages: list[Message] = []

    async def receive() -> Message:
        nonlocal sent
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": sent < 10 * limit}

    async def send(message: Message) -> None:
        messages.append(message)

    headers = [
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"multipart/form-data; boundary=xyz"),
    ]
    if declared is not None:
        headers.append((b"content-length", declared))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    assert messages[0]["status"] == 413
    assert sent <= limit + len(chunk)


def test_an_upload_must_be_a_multipart_form(
    client: TestClient, admin_headers: dict[str, str], storm: str
) -> None:
    response = client.post(
        URL, content=photos.png(100, 100), headers={**admin_headers, "Content-Type": "image/png"}
    )
    assert_problem(response, 415)
    assert_problem(client.post(URL, json={"file": "x"}, headers=admin_headers), 415)


def test_missing_and_bad_fields_are_named(
    client: TestClient, admin_headers: dict[str, str], storm: str, db: Database, media_dir: Path
) -> None:
    before = snapshot(db)
    assert_problem(
        client.post(URL, data={"alt": "x"}, files={"other": ("a", b"b")}, headers=admin_headers),
        422,
        "file",
    )
    assert_problem(upload(client, admin_headers, photos.png(600, 400), alt="x" * 1001), 422, "alt")
    assert_problem(
        upload(client, admin_headers, photos.png(600, 400), credit="a\nb"), 422, "credit"
    )
    assert snapshot(db) == before
    assert stored_files(media_dir) == []


def paths(directory: Path) -> set[str]:
    """Every path under ``directory`` but the test database's files."""
    return {str(p) for p in directory.rglob("*") if not p.name.startswith("liveblog.db")}


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..\\..\\x.jpg",
        "%2e%2e%2fx.jpg",
        "a/../../b.jpg",
        "\x00.jpg",
    ],
)
def test_the_clients_file_name_never_touches_the_file_system(
    client: TestClient,
    admin_headers: dict[str, str],
    storm: str,
    media_dir: Path,
    tmp_path: Path,
    filename: str,
) -> None:
    before = paths(tmp_path)
    response = upload(client, admin_headers, photos.png(500, 300), filename=filename)
    assert response.status_code == 201, response.text
    names = [v["url"].rsplit("/", 1)[1] for v in response.json()["variants"]]
    after = paths(tmp_path)
    assert after - before <= {str(media_dir)} | {str(media_dir / n) for n in names}


def test_rights_and_blogs(
    client: TestClient,
    writer: Actions,
    admin: User,
    admin_headers: dict[str, str],
    storm: str,
    db: Database,
    media_dir: Path,
) -> None:
    headers = member_headers(writer, admin, {"eva": "editor", "carl": "contributor"})
    new_blog(client, admin_headers, slug="race")
    before = snapshot(db)
    assert_problem(upload(client, headers["otto"], photos.png(500, 300)), 403)
    assert_problem(upload(client, {}, photos.png(500, 300)), 401)
    assert_problem(
        upload(client, headers["eva"], photos.png(500, 300), url="/api/v1/blogs/race/media"), 403
    )
    assert_problem(
        upload(client, headers["eva"], photos.png(500, 300), url="/api/v1/blogs/nope/media"), 404
    )
    assert snapshot(db) == before
    assert stored_files(media_dir) == []
    assert upload(client, headers["eva"], photos.png(500, 300)).status_code == 201
    assert upload(client, headers["carl"], photos.png(500, 300)).status_code == 201


def test_the_desk_uploads_with_its_session_and_csrf_token(
    app: FastAPI, admin: User, storm: str
) -> None:
    desk = log_in(app, admin.email)
    assert_problem(upload(desk.client, {"Origin": ORIGIN}, photos.png(500, 300)), 403)
    foreign = {"Origin": "https://evil.example", "X-CSRF-Token": desk.csrf_token}
    assert_problem(upload(desk.client, foreign, photos.png(500, 300)), 403)
    response = upload(
        desk.client, {"Origin": ORIGIN, "X-CSRF-Token": desk.csrf_token}, photos.png(500, 300)
    )
    assert response.status_code == 201, response.text


def test_the_upload_is_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/blogs/{slug}/media"]["post"]
    schema_ref = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"file", "alt", "credit", "caption"}
    assert schema["required"] == ["file"]
    assert {"201", "413", "415", "422"} <= set(operation["responses"])
