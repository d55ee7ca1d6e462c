"""Alembic environment: runs migrations on the connection of the :class:`Database` given.

Several server processes may start at once on a fresh database, so the migration transaction
first takes a lock that serialises them: ``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped
advisory lock on PostgreSQL. The second process then finds the schema current and does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from liveblog.storage.database import WRITE_OPTION, Database
from liveblog.storage.tables import metadata

MIGRATION_LOCK = 0x6C697665626C6F67  # "liveblog"

config = context.config
database = config.attributes.get("database")
if not isinstance(database, Database):
    database = Database(config.get_main_option("sqlalchemy.url") or "")

with database.engine.connect() as connection:
    connection.execution_options(**{WRITE_OPTION: True})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=database.dialect == "sqlite",
        compare_type=True,
        # One transaction for the whole upgrade, taken under the lock, with the version read
        # inside it. Alembic would commit after each migration on SQLite, whose DDL it does
        # not count as transactional (it is): a second process could then slip in between
        # and run a migration the first one runs too.
        transactional_ddl=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        if database.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
    connection.commit()
