"""Alembic environment: runs migrations on the connection of the :class:`Database` given."""

from __future__ import annotations

from alembic import context

from liveblog.storage.database import Database
from liveblog.storage.tables import metadata

config = context.config
database = config.attributes.get("database")
if not isinstance(database, Database):
    database = Database(config.get_main_option("sqlalchemy.url") or "")

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=database.dialect == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
