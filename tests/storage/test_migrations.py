"""Migrations create exactly the schema in tables.py, and upgrading twice is harmless."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from liveblog.storage.database import Database, normalise_url
from liveblog.storage.migrate import is_current, upgrade
from liveblog.storage.tables import metadata
from tests.conftest import POSTGRES_HINT, POSTGRES_URL


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
