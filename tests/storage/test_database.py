"""The engine's sessions: PostgreSQL connections run in UTC whatever the database's zone, and
pooled connections are checked before use only after they sat idle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from liveblog.storage import database
from liveblog.storage.database import Database


@pytest.mark.postgres
def test_postgres_sessions_run_in_utc_whatever_the_database_zone(
    postgres_database: Database,
) -> None:
    url = postgres_database.engine.url
    name = url.database
    with postgres_database.engine.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'"))
        conn.commit()
    fresh = Database(url.render_as_string(hide_password=False))
    try:
        with fresh.read() as conn:
            assert conn.execute(text("SHOW timezone")).scalar_one() == "UTC"
            # A time a zone west of UTC could not hold in a Python datetime (year 0).
            early = conn.execute(text("SELECT TIMESTAMPTZ '0001-01-01 00:00:00+00'")).scalar_one()
        assert early == datetime(1, 1, 1, tzinfo=UTC)
    finally:
        fresh.dispose()
        with postgres_database.engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET timezone'))
            conn.commit()


@pytest.mark.postgres
def test_postgres_connections_idle_in_the_pool_are_pinged_and_replaced_when_dead(
    postgres_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ping per transaction (``pool_pre_ping`` is off), but a connection that waited in the
    pool for ``PING_AFTER_IDLE_SECONDS`` is pinged first, and a dead one replaced: a server
    restart (here: the backend terminated) costs no request an error."""
    fresh = Database(postgres_database.engine.url.render_as_string(hide_password=False))
    pid = "SELECT pg_backend_pid()"
    try:
        with fresh.read() as conn:
            first = conn.execute(text(pid)).scalar_one()
        with fresh.write() as conn:  # used again at once: the same connection, no ping
            assert conn.execute(text(pid)).scalar_one() == first
        with postgres_database.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            admin.commit()
        monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
        with fresh.read() as conn:
            assert conn.execute(text(pid)).scalar_one() != first
            level = conn.execute(text("SHOW transaction_isolation")).scalar_one()
        assert level == "repeatable read"  # the ping left no transaction behind
    finally:
        fresh.dispose()
