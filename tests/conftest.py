"""Shared fixtures. Storage-touching tests run on SQLite and, when enabled, on PostgreSQL.

PostgreSQL tests use the server named by ``LIVEBLOG_TEST_POSTGRES_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``) or, when it is unset, one found on
127.0.0.1:5432 (:mod:`tests.local_servers`); without either they skip with that hint, and under
``CI=true`` any skipped test is reported as a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database, normalise_url
from liveblog.storage.migrate import upgrade
from liveblog.storage.tables import metadata
from liveblog.web import create_app
from tests.local_servers import POSTGRES_URL as POSTGRES_URL  # used by other test modules

CI = os.environ.get("CI") == "true"
POSTGRES_HINT = (
    "PostgreSQL tests skipped: set LIVEBLOG_TEST_POSTGRES_URL="
    "postgresql://postgres@127.0.0.1:5432/test, or run PostgreSQL on 127.0.0.1:5432 with a "
    "user postgres that needs no password, to run them"
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI=true a skipped test is a failure: PostgreSQL, Redis and browser tests must run."""
    report: pytest.TestReport = yield
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {report.longrepr}"
    return report


class FakeClock:
    """A settable clock for actions, so tests control every timestamp."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2023, 10, 12, 3, 15, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    """A fresh PostgreSQL database for this test session, migrated once."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_HINT)
    name = f"liveblog_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(normalise_url(POSTGRES_URL))
    conninfo = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(db: Database) -> None:
    # The site secret stays: the migration made it once, as it would for a real database.
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name != "site_secrets")
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: SQLite in a temporary file, or the PostgreSQL test database."""
    if request.param == "postgres":
        database: Database = request.getfixturevalue("postgres_database")
        _empty_postgres(database)
        yield database
        return
    database = Database(f"sqlite:///{tmp_path / 'liveblog.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def actions(db: Database, clock: FakeClock) -> Actions:
    return Actions(db, clock=clock)


@pytest.fixture
def admin(actions: Actions) -> User:
    return actions.create_user("admin@example.org", "admin", "correct horse battery")


@pytest.fixture
def editor(actions: Actions) -> User:
    """A user without a global role: give them a role in a blog with
    ``actions.add_member(admin, slug, editor.email, "editor")``."""
    return actions.create_user("editor@example.org", "user", "correct horse battery")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}")


@pytest.fixture
def app(db: Database, settings: Settings, clock: FakeClock) -> FastAPI:
    return create_app(settings, db=db, clock=clock, migrate=False)


@pytest.fixture
def writer(app: FastAPI) -> Actions:
    """The app's own actions: writes through it reach the page cache and live readers."""
    actions = app.state.services.actions
    assert isinstance(actions, Actions)
    return actions


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_headers(app: FastAPI, admin: User) -> dict[str, str]:
    _, token = app.state.services.actions.create_token(admin.email)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor_headers(app: FastAPI, editor: User) -> dict[str, str]:
    _, token = app.state.services.actions.create_token(editor.email)
    return {"Authorization": f"Bearer {token}"}


class Statements:
    """Every SQL statement the engine sends while installed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sql: list[str] = []
        self.parameters: list[Any] = []
        event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        self.sql.append(statement)
        self.parameters.append(parameters)

    def selects(self) -> list[str]:
        """The SELECTs sent, but the app's scheduler's: it looks for due entries in the
        background (every ``scheduler_seconds``) whatever a test does meanwhile."""
        return [
            s
            for s in self.sql
            if s.lstrip().upper().startswith("SELECT") and "ORDER BY entries.publish_at" not in s
        ]

    def clear(self) -> None:
        self.sql.clear()
        self.parameters.clear()

    def close(self) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(db: Database) -> Iterator[Statements]:
    recorder = Statements(db)
    yield recorder
    recorder.close()


@contextmanager
def application_not_entered(app: FastAPI) -> Iterator[None]:
    """Within: a request that reaches the application behind the fast path (FastAPI's
    middleware stack and routes) fails the test."""

    async def must_not_run(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the request entered the application")

    entered = app.middleware_stack
    app.middleware_stack = must_not_run
    try:
        yield
    finally:
        app.middleware_stack = entered
