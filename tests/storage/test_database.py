"""The engine's sessions: PostgreSQL connections run in UTC whatever the database's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

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
