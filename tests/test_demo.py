"""The demo: its content, its seeding (through Actions only, idempotent) and ``liveblog demo``."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions, MediaStore
from liveblog.config import Settings
from liveblog.demo import DEMO_EMAIL, banner, load_content, seed
from liveblog.demo.content import ContentError
from liveblog.domain.errors import DomainError
from liveblog.domain.models import Blog, Entry, EventType
from liveblog.storage import blogs as blog_rows
from liveblog.storage import events as event_log
from liveblog.storage import reads
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.conftest import FakeClock
from tests.ports import free_port

GERMAN = "sturmflut-nordermarsch"
ENGLISH = "port-alder-marathon"


def all_entries(db: Database, blog: Blog) -> list[Entry]:
    with db.read() as conn:
        return reads.timeline(conn, blog.id, limit=1000).items


def blog(db: Database, slug: str) -> Blog:
    with db.read() as conn:
        found = blog_rows.by_slug(conn, slug)
    assert found is not None
    return found


@pytest.fixture
def live_actions(db: Database) -> Actions:
    """Actions on the real clock, as ``liveblog demo`` uses them."""
    return Actions(db)


def test_the_content_is_well_formed() -> None:
    blogs = {b.slug: b for b in load_content()}
    assert set(blogs) == {GERMAN, ENGLISH}
    german, english = blogs[GERMAN], blogs[ENGLISH]
    assert (german.language, german.timezone) == ("de", "Europe/Berlin")
    assert english.language == "en"
    assert 25 <= len(german.entries) <= 35
    assert 6 <= len(english.entries) <= 10
    for demo in (german, english):
        assert sum(e.pinned for e in demo.entries) == 1
        assert all(e.headline for e in demo.entries if e.key_event)
        assert all(0 < e.minutes_ago <= 24 * 60 for e in demo.entries)
        assert "frei erfunden" in demo.summary or "made up" in demo.summary


def test_malformed_content_is_rejected() -> None:
    with pytest.raises(ContentError):
        load_content('{"blogs": [{"slug": "x"}]}')
    with pytest.raises(ContentError):
        load_content(
            '{"blogs": [{"slug": "x", "title": "t", "summary": "", "language": "de",'
            ' "timezone": "UTC", "entries": [{"minutes_ago": 0, "body": "now"}]}]}'
        )


def test_seeding_creates_a_live_looking_german_blog(db: Database, live_actions: Actions) -> None:
    before = live_actions.clock()
    seeded = seed(live_actions)
    after = live_actions.clock()
    assert seeded.created_admin
    assert seeded.admin.email == DEMO_EMAIL
    assert seeded.admin.is_admin
    assert set(seeded.created_blogs) == {GERMAN, ENGLISH}

    german = blog(db, GERMAN)
    assert german.language == "de"
    entries = all_entries(db, german)
    assert 25 <= len(entries) <= 35
    assert sum(e.pinned for e in entries) == 1
    key_events = [e for e in entries if e.key_event]
    assert len(key_events) >= 4
    assert all(e.headline for e in key_events)
    for entry in entries:
        assert entry.published_at < after
        assert entry.published_at > before - timedelta(hours=24, minutes=1)
    spread = max(e.published_at for e in entries) - min(e.published_at for e in entries)
    assert spread > timedelta(hours=20)

    sources = [e.source or "" for e in entries]
    assert sum(bool(s) for s in sources) >= 8
    assert "Deichverband Nordermarsch" in sources  # a name, shown as "Quelle: …"
    assert any(s.startswith("nach Angaben der Feuerwehr") for s in sources)  # a phrase, as written
    html = "".join(e.body_html for e in entries)
    for tag in ("<a href=", "<ul>", "<ol>", "<strong>", "<em>"):
        assert tag in html

    english = blog(db, ENGLISH)
    assert english.language == "en"
    english_entries = all_entries(db, english)
    assert 6 <= len(english_entries) <= 10
    assert sum(e.pinned for e in english_entries) == 1


def test_seeding_writes_through_actions_with_events(db: Database, live_actions: Actions) -> None:
    heard: list[int] = []
    live_actions.on_commit(lambda committed: heard.append(committed.seq))
    seed(live_actions)
    german = blog(db, GERMAN)
    entries = all_entries(db, german)
    with db.read() as conn:
        events = event_log.after(conn, german.id, 0)
    # blog.created, then one entry.created per entry; numbered 1..n without gaps.
    assert [e.seq for e in events] == list(range(1, len(entries) + 2))
    assert events[0].type is EventType.BLOG_CREATED
    assert {e.type for e in events[1:]} == {EventType.ENTRY_CREATED}
    assert german.last_seq == len(events)
    assert all(e.author_id == german_admin_id(db) for e in entries)
    assert len(heard) == len(entries) + 1 + len(all_entries(db, blog(db, ENGLISH))) + 1


def german_admin_id(db: Database) -> int:
    with db.read() as conn:
        admin = user_rows.by_email(conn, DEMO_EMAIL)
    assert admin is not None
    return admin.id


def test_seeding_is_idempotent(db: Database, live_actions: Actions) -> None:
    first = seed(live_actions)
    german = blog(db, GERMAN)
    count = len(all_entries(db, german))
    second = seed(live_actions)
    assert not second.created_admin
    assert second.created_blogs == ()
    assert second.admin == first.admin
    assert [b.slug for b in second.blogs] == [b.slug for b in first.blogs]
    assert len(all_entries(db, german)) == count
    assert blog(db, GERMAN).last_seq == german.last_seq


def test_seeding_keeps_an_existing_blog_and_fills_in_the_missing_one(
    db: Database, live_actions: Actions
) -> None:
    admin = live_actions.create_user(DEMO_EMAIL, "admin", "correct horse battery")
    live_actions.create_blog(admin, slug=GERMAN, title="Unsere eigene Sturmflut")
    seeded = seed(live_actions)
    assert not seeded.created_admin
    assert seeded.created_blogs == (ENGLISH,)
    assert blog(db, GERMAN).title == "Unsere eigene Sturmflut"
    assert all_entries(db, blog(db, GERMAN)) == []


def test_entries_are_placed_relative_to_the_actions_clock(db: Database) -> None:
    clock = FakeClock()
    seed(Actions(db, clock=clock))
    entries = all_entries(db, blog(db, GERMAN))
    assert max(e.published_at for e in entries) < clock.now
    assert min(e.published_at for e in entries) >= clock.now - timedelta(hours=24)


def test_the_demo_pages_answer(db: Database, live_actions: Actions, tmp_path: Path) -> None:
    seed(live_actions)
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"), db=db, migrate=False
    )
    with TestClient(app) as client:
        german = client.get(f"/live/{GERMAN}")
        assert german.status_code == 200, german.text
        assert "Sturmflut an der Nordermarsch" in german.text
        assert "Das Wichtigste im Überblick" in german.text  # the pinned entry
        english = client.get(f"/live/{ENGLISH}")
        assert english.status_code == 200, english.text
        assert "Port Alder Marathon" in english.text
        api = client.get(f"/api/v1/blogs/{GERMAN}/entries", params={"key_events": "true"})
        assert api.status_code == 200
        assert len(api.json()["items"]) >= 4


def test_the_banner_says_where_to_look_and_how_to_post(db: Database, live_actions: Actions) -> None:
    seeded = seed(live_actions)
    text = banner("http://127.0.0.1:8000", seeded, "lb_secret", "pw-secret")
    assert "http://127.0.0.1:8000/admin" in text
    assert DEMO_EMAIL in text
    assert "pw-secret" in text
    assert f"http://127.0.0.1:8000/live/{GERMAN}" in text
    assert f"http://127.0.0.1:8000/live/{ENGLISH}" in text
    assert "http://127.0.0.1:8000/api/v1/docs" in text
    assert "lb_secret" in text
    assert f"curl -X POST http://127.0.0.1:8000/api/v1/blogs/{GERMAN}/entries" in text
    assert "Authorization: Bearer lb_secret" in text


# -- liveblog demo, for real --------------------------------------------------------------------


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def head(port: int, path: str) -> tuple[int, str | None]:
    """Status and Content-Type of a HEAD request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("HEAD", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type")
    finally:
        connection.close()


def post(port: int, path: str, body: str, token: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def wait_until_serving(server: subprocess.Popen[str], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"liveblog demo exited with {server.returncode}: {log.read_text()}")
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"liveblog demo did not answer within 60 s: {log.read_text()}")


def test_liveblog_demo_serves_the_demo(tmp_path: Path) -> None:
    """What the README's first command ends in: start, look at the page, post, stop."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env["LIVEBLOG_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    env["LIVEBLOG_MEDIA_DIR"] = str(tmp_path / "media")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    command = [str(Path(sys.executable).parent / "liveblog"), "demo", "--port", str(port)]
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env, text=True
        )
        try:
            wait_until_serving(server, port, err)
            status, page = get(port, f"/live/{GERMAN}")
            assert status == 200, page
            assert "Sturmflut an der Nordermarsch" in page
            assert get(port, "/api/v1/docs")[0] == 200
            # The demo's photo, uploaded at seeding into LIVEBLOG_MEDIA_DIR and served from it.
            photo = page.split('<img src="', 1)[1].split('"', 1)[0]
            assert photo.startswith("/media/"), photo
            assert (tmp_path / "media" / photo.removeprefix("/media/")).is_file()
            assert head(port, photo) == (200, "image/jpeg")

            printed = out.read_text()
            assert f"http://127.0.0.1:{port}/live/{GERMAN}" in printed
            token = next(w for w in printed.split() if w.startswith("lb_"))
            status, created = post(
                port, f"/api/v1/blogs/{GERMAN}/entries", '{"body": "Aus dem Test."}', token
            )
            assert status == 201, created

            # The printed login works on the desk's login page.
            password = printed.split("password:", 1)[1].split()[0]
            assert live_actions_login(tmp_path / "demo.db", DEMO_EMAIL, password)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                pytest.fail("liveblog demo did not stop on Ctrl+C")
    assert "Traceback" not in err.read_text()


def live_actions_login(database: Path, email: str, password: str) -> bool:
    """Whether ``email`` and ``password`` log in to the demo's database."""
    db = Database(f"sqlite:///{database}")
    try:
        Actions(db).log_in(email, password)
        return True
    except DomainError:
        return False
    finally:
        db.dispose()


def test_the_german_demo_shows_rich_entries(
    db: Database, live_actions: Actions, tmp_path: Path
) -> None:
    """With a place for photos (as `liveblog demo` seeds it), the German blog shows a photo
    with its caption and credit; it has a quote, an embed placeholder and an entry marked
    "not independently verified" either way."""
    store = MediaStore(tmp_path / "media", max_bytes=20_000_000, max_pixels=50_000_000)
    seed(live_actions, media=store)
    entries = all_entries(db, blog(db, GERMAN))
    photos = [e for e in entries if '<figure class="photo">' in e.body_html]
    assert len(photos) == 1
    assert "Sandsäcke sichern die Deichkrone" in photos[0].body_html
    assert "Foto: Hafenstadt-Kurier (Demo-Illustration)" in photos[0].body_html
    assert {path.suffix for path in (tmp_path / "media").iterdir()} >= {".webp", ".jpg"}
    assert sum('<figure class="quote">' in e.body_html for e in entries) == 1
    assert sum('<figure class="embed"' in e.body_html for e in entries) == 1
    assert sum(e.unverified for e in entries) == 1


def test_without_a_place_for_photos_the_demo_shows_their_entries_as_text(
    db: Database, live_actions: Actions
) -> None:
    seed(live_actions)
    entries = all_entries(db, blog(db, GERMAN))
    assert not any('<figure class="photo">' in e.body_html for e in entries)
    assert any("Sickerstelle" in e.body for e in entries)
