"""The site's secret: ``LIVEBLOG_SECRET_KEY`` when set, else the random one the database keeps.

Migration 0005 makes the stored secret once per database, so every server process and every
command using the database derives the same keys from it, and nothing has to be configured.
Setting ``LIVEBLOG_SECRET_KEY`` (the same value in every process) replaces it, e.g. to keep
links valid across a move to a new database.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from liveblog.storage.database import Database
from liveblog.storage.tables import site_secrets


def stored_secret(conn: Connection) -> str:
    secret = conn.execute(
        select(site_secrets.c.secret).where(site_secrets.c.id == 1)
    ).scalar_one_or_none()
    if secret is None:
        raise LookupError("the database has no site secret: run `liveblog db upgrade`")
    return str(secret)


def site_secret(db: Database, configured: str) -> str:
    """``configured`` (``LIVEBLOG_SECRET_KEY``) if it is set, else the stored secret."""
    if configured:
        return configured
    with db.read() as conn:
        return stored_secret(conn)
