"""The engine and its transactions.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` for writes, so concurrent writers queue on the
database lock (``busy_timeout``) instead of failing when a deferred transaction tries to upgrade.
PostgreSQL uses psycopg 3; writers of one blog serialise on that blog's row.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry

from liveblog.storage.writer import POSTGRES_LANES, Writer

WRITE_OPTION = "liveblog_write"


class DatabaseURLError(ValueError):
    """The database URL cannot be used."""


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pick the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine plus the two kinds of transaction the application uses."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise DatabaseURLError(f"not a database URL: {url!r}") from exc
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseURLError(
                f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
            )
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            # No pool_pre_ping: it costs a round trip per transaction (measured ~0.4 ms of a
            # ~7 ms post); connections idle for a while are pinged instead (_ping_when_idle).
            kwargs.update(pool_size=10, max_overflow=20)
            # Sessions in UTC whatever the server's or database's zone: psycopg converts a
            # timestamptz into the session's zone, and a year-1 time in a zone west of UTC
            # would not fit a Python datetime (stored times are UTC; the blog's zone applies
            # only when a page shows them).
            kwargs["connect_args"] = {"options": "-c timezone=UTC"}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            in_memory = parsed.database in (None, "", ":memory:") or "mode=memory" in self.url
            lanes = 0 if in_memory else 1
        else:
            _ping_when_idle(self.engine)
            lanes = POSTGRES_LANES
        self.writer = Writer(self.write, lanes=lanes)
        """The owner of this process's writes: actions run their transactions through it."""

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction for changes; commits on success, rolls back on any exception."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction that sees one consistent state for all of its queries.

        SQLite in WAL mode gives that to every read transaction. PostgreSQL's default READ
        COMMITTED takes a new snapshot per statement, so a page could mix two versions (say, the
        pinned entry twice after a re-pin); REPEATABLE READ READ ONLY makes it one version.
        """
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.writer.close()
        self.engine.dispose()


PING_AFTER_IDLE_SECONDS = 5.0
"""A PostgreSQL connection that waited in the pool this long is pinged before it is used."""


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use if it sat in the pool for
    :data:`PING_AFTER_IDLE_SECONDS` or more (a server restart or an idle timeout ends those);
    a dead one is replaced, as ``pool_pre_ping`` would, without a round trip per transaction
    for connections in steady use. One that dies while in use fails that transaction, and the
    pool then drops every connection of the same age (SQLAlchemy's disconnect handling)."""

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # end the transaction the ping began
        except Exception as exc:
            raise DisconnectionError("the pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("the pooled connection is gone")


_IDLE_SINCE = "liveblog_idle_since"
BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another's lock before it reports an error."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching a new file to WAL needs the lock too.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so). When several processes open a new file at once,
    SQLite can refuse the switch with "database is locked" at once, without waiting out the
    busy timeout (it would deadlock otherwise), so the switch is retried here, as long."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)
