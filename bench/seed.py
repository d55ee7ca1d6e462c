"""Seeded SQLite databases with one blog of N entries, cached under ``bench/.build/``.

Every entry goes through :meth:`liveblog.actions.Actions.create_entry`, the application's only
write path, with ``published_at`` in the past (as an import would). The cache key holds the entry
count, the seed version and the schema's migration heads, so a changed schema reseeds.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory

from bench.common import BUILD, log
from liveblog.actions import Actions
from liveblog.storage.database import Database
from liveblog.storage.migrate import alembic_config, upgrade

SLUG = "bench"
SEED_VERSION = 1
SPACING = timedelta(seconds=37)
PINNED_AT = 3  # the third entry written (an old one) stays pinned, as on a real blog

_TEXT = (
    "Regierung Kanzler Bundestag Abstimmung Opposition Ministerin Sprecher Pressekonferenz "
    "Polizei Feuerwehr Einsatz Lage Stadt Bahnhof Verkehr Umleitung Wetter Sturm Hochwasser "
    "Spiel Tor Halbzeit Trainer Mannschaft Elfmeter Wahl Ergebnis Prozent Hochrechnung "
    "Koalition Gipfel Delegation Verhandlung Einigung Streik Gewerkschaft Flughafen Ausfall "
    "heute morgen gestern aktuell bestätigt erklärt berichtet meldet teilte mit nach Angaben "
    "der die das und mit von für auf im ist wird hat sind wurden nicht auch noch bereits"
)
_WORDS = _TEXT.split()
_SOURCES = ("dpa", "AFP", "Reuters", "Polizei", "eigene Recherche", None, None, None)


@dataclass(frozen=True)
class Seeded:
    path: Path
    entries: int
    slug: str = SLUG

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def _sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def entry_text(rng: random.Random, n: int) -> dict[str, object]:
    """A plausible entry: one to three paragraphs of Markdown, some with a headline or link."""
    paragraphs = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        paragraphs.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
    if rng.random() < 0.3:
        paragraphs[0] = f"**{rng.choice(_WORDS).capitalize()}:** {paragraphs[0]}"
    if rng.random() < 0.2:
        paragraphs.append(f"[Mehr dazu](https://example.org/artikel/{n}) bei unseren Kollegen.")
    if rng.random() < 0.1:
        paragraphs.append("\n".join(f"- {_sentence(rng, 3, 8)}" for _ in range(3)))
    key_event = rng.random() < 0.05
    headline = _sentence(rng, 3, 8).rstrip(".") if key_event or rng.random() < 0.25 else None
    return {
        "body": "\n\n".join(paragraphs),
        "headline": headline,
        "key_event": key_event,
        "source": rng.choice(_SOURCES),
    }


def _schema_key() -> str:
    db = Database("sqlite://")
    try:
        heads = ScriptDirectory.from_config(alembic_config(db)).get_heads()
    finally:
        db.dispose()
    return hashlib.sha256(",".join(sorted(heads)).encode()).hexdigest()[:10]


def cached_path(entries: int) -> Path:
    return BUILD / f"blog-{entries}-seed{SEED_VERSION}-{_schema_key()}.db"


def build(path: Path, entries: int) -> None:
    """Write a fresh database with one blog of ``entries`` entries through the actions."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db)
        actions = Actions(db)
        admin = actions.create_user("bench@example.org", "admin", "bench-password-1")
        actions.create_blog(
            admin,
            slug=SLUG,
            title="Liveblog: Benchmark-Lage",
            summary="Ein Blog mit vielen Einträgen, um Lesepfade zu messen.",
            language="de",
            timezone="Europe/Berlin",
        )
        rng = random.Random(entries)
        start = datetime.now(UTC) - SPACING * (entries + 100)
        began = time.monotonic()
        for n in range(entries):
            text = entry_text(rng, n)
            actions.create_entry(
                admin,
                SLUG,
                body=str(text["body"]),
                headline=text["headline"] if isinstance(text["headline"], str) else None,
                key_event=bool(text["key_event"]),
                pinned=n == PINNED_AT,
                source=text["source"] if isinstance(text["source"], str) else None,
                published_at=start + SPACING * n + timedelta(microseconds=rng.randint(0, 999_999)),
            )
            if (n + 1) % 10_000 == 0:
                rate = (n + 1) / (time.monotonic() - began)
                log(f"  {n + 1:,} of {entries:,} entries written ({rate:,.0f}/s)")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()


def seeded(entries: int, workdir: Path) -> Seeded:
    """A private copy (in ``workdir``) of the cached database with ``entries`` entries."""
    cached = cached_path(entries)
    if not cached.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        log(f"seeding a blog of {entries:,} entries through Actions.create_entry (cached once)")
        began = time.monotonic()
        partial = cached.with_name(cached.name + ".partial")
        build(partial, entries)
        partial.rename(cached)
        log(f"  seeded in {time.monotonic() - began:.1f}s: {cached}")
    copy = workdir / f"blog-{entries}.db"
    shutil.copyfile(cached, copy)
    return Seeded(copy, entries)
