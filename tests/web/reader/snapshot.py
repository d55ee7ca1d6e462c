"""A fixed set of reader URLs over the demo content (plus a deleted entry, a closed and an
empty blog), fetched through the whole app: the pages' bytes must not change when the code that
renders them is reorganised. ``python -m tests.web.reader.snapshot OUT.json`` writes the pages
(``tests/web/reader/fixtures/reader_pages.json`` holds their SHA-256)."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from liveblog.config import Settings
from liveblog.demo import seed
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.web import create_app
from tests.conftest import FakeClock

FIXTURE = Path(__file__).parent / "fixtures" / "reader_pages.json"
GERMAN = "sturmflut-nordermarsch"
ENGLISH = "port-alder-marathon"


def _urls(client: TestClient, slug: str) -> list[str]:
    urls = []
    for query in ("", "?order=oldest", "?key_events=1", "?order=oldest&key_events=1"):
        url = f"/live/{slug}{query}"
        while url:
            urls.append(url)
            html = client.get(url).text
            marker = 'class="pagination__next" rel="next" href="'
            start = html.find(marker)
            url = (
                html[start + len(marker) : html.index('"', start + len(marker))]
                if start >= 0
                else ""
            )
            url = url.replace("&amp;", "&")
    for entry_id in range(1, 45):
        urls.append(f"/live/{slug}/entries/{entry_id}")
    urls += [
        f"/live/{slug}?order=sideways",
        f"/live/{slug}?key_events=vielleicht",
        f"/live/{slug}?cursor=kaputt",
        f"/live/{slug}/entries/abc",
        f"/api/v1/blogs/{slug}/events?after=0&limit=100",
    ]
    return urls


def snapshot(tmp: Path) -> dict[str, str]:
    """``label url`` -> ``status body`` of every URL, for a German and an English site."""
    db = Database(f"sqlite:///{tmp / 'snapshot.db'}")
    upgrade(db)
    clock = FakeClock()
    pages: dict[str, str] = {}
    try:
        for language in ("de", "en"):
            settings = Settings(
                database_url=f"sqlite:///{tmp / 'unused.db'}",
                default_language=language,
                page_size=7,
            )
            app = create_app(settings, db=db, clock=clock, migrate=False)
            writer = app.state.services.actions
            if language == "de":
                seeded = seed(writer)
                admin = seeded.admin
                clock.advance(hours=30)
                entry = writer.create_entry(admin, GERMAN, body="Wird *gelöscht*.", headline="Weg")
                writer.delete_entry(admin, GERMAN, entry.id, if_match=entry.version)
                writer.create_blog(
                    admin, slug="leer", title="Leer", summary="", language="en", timezone="UTC"
                )
                writer.create_blog(
                    admin,
                    slug="zu",
                    title="Zu & <zu>",
                    summary='Eins.\n\nZwei  "drei".',
                    language="de",
                    timezone="America/New_York",
                )
                writer.create_entry(
                    admin,
                    "zu",
                    body="Letzter.",
                    source="dpa",
                    published_at=clock() - timedelta(days=3),
                )
                writer.update_blog(admin, "zu", {"status": "closed"})
            with TestClient(app) as client:
                urls = ["/", "/live/gibt-es-nicht", "/live/UPPER", "/live/x/entries/1"]
                for slug in (GERMAN, ENGLISH, "leer", "zu"):
                    urls += _urls(client, slug)
                for url in urls:
                    response = client.get(url)
                    pages[f"{language} {url}"] = f"{response.status_code} {response.text}"
    finally:
        db.dispose()
    return pages


_STATIC_VERSION = re.compile(r"\?v=[0-9a-f]+")
_CURSOR = re.compile(r"cursor=[^&\"\s]+")


def _comparable(url: str, page: str) -> str:
    """What must not change: the page without its static files' versions (they change with
    the files) and cursors; of the events poll only the entries' ``<article>`` HTML."""
    if "/events?" in url:
        status, body = page.split(" ", 1)
        return status + "".join(e.get("html", "") for e in json.loads(body)["events"])
    return _CURSOR.sub("cursor=~", _STATIC_VERSION.sub("?v=", page))


def digests(pages: dict[str, str]) -> dict[str, str]:
    """SHA-256 of what must not change, by URL; cursors (whose format is not the pages'
    business) are left out of both, older pages are named by their number."""
    result: dict[str, str] = {}
    pages_seen: dict[str, int] = {}
    for label, page in pages.items():
        name = label
        if "cursor=" in label:
            view = _CURSOR.sub("", label)
            pages_seen[view] = pages_seen.get(view, 1) + 1
            name = _CURSOR.sub(f"cursor=~{pages_seen[view]}", label)
        result[name] = hashlib.sha256(_comparable(label, page).encode()).hexdigest()
    return result


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        result = snapshot(Path(tmp))
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(json.dumps(digests(result), indent=1, sort_keys=True) + "\n")
