"""Migrations create exactly the schema in tables.py, and upgrading twice is harmless."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, insert, inspect, select
from sqlalchemy.engine import make_url

from liveblog.storage.database import Database, normalise_url
from liveblog.storage.migrate import is_current, upgrade
from liveblog.storage.tables import blogs, events, memberships, metadata, users
from tests.conftest import POSTGRES_HINT, POSTGRES_URL
from tests.web.live.processes import fresh_postgres_database


def test_migrated_schema_matches_the_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Database) -> None:
    upgrade(db)
    upgrade(db)
    assert is_current(db)
    tables = set(inspect(db.engine).get_table_names())
    assert {"blogs", "entries", "events", "users", "api_tokens"} <= tables


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/wal.db")
    with db.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    db.dispose()
    assert mode == "wal"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_servers_starting_together_migrate_a_fresh_database_once(kind: str, tmp_path: Path) -> None:
    """Several processes may run the migrations at the same moment on an empty database."""
    if kind == "postgres":
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_HINT)
        name = f"liveblog_migrate_{uuid.uuid4().hex[:10]}"
        server = make_url(normalise_url(POSTGRES_URL))
        admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            _migrate_at_once(url)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        # The races are narrow on a new SQLite file (switching it to WAL; the version read
        # against another process's commit): try several fresh files.
        for attempt in range(5):
            _migrate_at_once(f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    name = f"liveblog_migrate_{uuid.uuid4().hex[:10]}"
    server = make_url(normalise_url(POSTGRES_URL))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _entry(entry_id: int, version: int, body: str) -> dict[str, Any]:
    return {
        "entry": {
            "id": entry_id,
            "version": version,
            "headline": f"Headline {body}",
            "body": body,
            "body_html": f"<p>{body}</p>",
            "key_event": False,
            "pinned": False,
            "source": None,
            "published_at": "2023-10-12T03:15:00+00:00",
            "updated_at": "2023-10-12T03:15:00+00:00",
        }
    }


def test_0003_numbers_events_by_entry_and_removes_old_and_deleted_text(fresh_url: str) -> None:
    """A log written before 0003 still holds edited and deleted text; 0003 rewrites it as the
    application does from then on, and fills ``entry_id``."""
    db = Database(fresh_url)
    try:
        upgrade(db, "0002")
        now = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
        tombstone = {"entry": {"id": 1, "version": 3, "deleted_at": "2023-10-12T04:00:00+00:00"}}
        log: list[tuple[str, dict[str, Any]]] = [
            ("blog.created", {"blog": {"slug": "old"}}),
            ("entry.created", _entry(1, 1, "Libellous first draft")),
            ("entry.created", _entry(2, 1, "Tpyo")),
            ("entry.updated", _entry(1, 2, "Libellous second draft")),
            ("entry.updated", _entry(2, 2, "Typo fixed")),
            ("entry.deleted", tombstone),
            ("entry.created", _entry(3, 1, "Untouched")),
            ("blog.updated", {"blog": {"slug": "old"}}),
        ]
        with db.write() as conn:
            conn.execute(
                insert(blogs).values(
                    id=1,
                    slug="old",
                    title="Old",
                    summary="",
                    language="en",
                    timezone="UTC",
                    status="open",
                    created_at=now,
                    updated_at=now,
                    last_seq=len(log),
                )
            )
            for seq, (type_, payload) in enumerate(log, start=1):
                conn.execute(
                    insert(events).values(
                        blog_id=1, seq=seq, type=type_, payload=payload, created_at=now
                    )
                )
        upgrade(db)
        with db.read() as conn:
            rows = conn.execute(
                select(events.c.seq, events.c.type, events.c.payload, events.c.entry_id).order_by(
                    events.c.seq
                )
            ).all()
    finally:
        db.dispose()
    assert [(r.seq, r.entry_id) for r in rows] == [
        (1, None), (2, 1), (3, 2), (4, 1), (5, 2), (6, 1), (7, 3), (8, None),
    ]  # fmt: skip
    assert [(r.type, r.payload) for r in rows if r.entry_id == 1] == [
        ("entry.deleted", tombstone)
    ] * 3
    assert [(r.type, r.payload) for r in rows if r.entry_id == 2] == [
        ("entry.created", _entry(2, 2, "Typo fixed")),
        ("entry.updated", _entry(2, 2, "Typo fixed")),
    ]
    assert rows[6].payload == _entry(3, 1, "Untouched")
    assert "Libellous" not in repr(rows)
    assert "Tpyo" not in repr(rows)


def _migrate_at_once(url: str) -> None:
    command = [str(Path(sys.executable).parent / "liveblog"), "db", "upgrade"]
    env = {**os.environ, "LIVEBLOG_DATABASE_URL": url}
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    database = Database(url)
    try:
        assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
        assert is_current(database)
    finally:
        database.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_desk_migration_turns_global_editors_into_editors_of_every_blog(
    kind: str, tmp_path: Path
) -> None:
    """A database made by the previous head (0005) with a global editor, an admin and two
    blogs: after the upgrade the editor is a ``user`` with the editor role in both blogs, so
    nobody loses access, and the admin is unchanged."""
    if kind == "postgres":
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_HINT)
        with fresh_postgres_database(POSTGRES_URL) as url:
            _check_editor_migration(Database(url))
    else:
        _check_editor_migration(Database(f"sqlite:///{tmp_path / 'old.db'}"))


def _check_editor_migration(db: Database) -> None:
    try:
        upgrade(db, "0005")
        now = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
        with db.engine.begin() as conn:
            old = MetaData()
            old.reflect(conn, only=["users", "blogs"])
            old_users, old_blogs = old.tables["users"], old.tables["blogs"]
            people = {}
            for email, role in [("ed@example.org", "editor"), ("boss@example.org", "admin")]:
                people[email] = conn.execute(
                    insert(old_users)
                    .values(email=email, role=role, password_hash="x", created_at=now)
                    .returning(old_users.c.id)
                ).scalar_one()
            blog_ids = [
                conn.execute(
                    insert(old_blogs)
                    .values(
                        slug=slug,
                        title=slug,
                        summary="",
                        language="de",
                        timezone="Europe/Berlin",
                        status="open",
                        created_at=now,
                        updated_at=now,
                        last_seq=0,
                    )
                    .returning(old_blogs.c.id)
                ).scalar_one()
                for slug in ("sturm", "wahl")
            ]
        upgrade(db)
        assert is_current(db)
        with db.read() as conn:
            roles = dict(
                (r.email, r.role) for r in conn.execute(select(users.c.email, users.c.role))
            )
            held = {
                (r.user_id, r.blog_id, r.role)
                for r in conn.execute(
                    select(memberships.c.user_id, memberships.c.blog_id, memberships.c.role)
                )
            }
        assert roles == {"ed@example.org": "user", "boss@example.org": "admin"}
        assert held == {(people["ed@example.org"], blog_id, "editor") for blog_id in blog_ids}
    finally:
        db.dispose()
