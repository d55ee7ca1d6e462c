"""Persistence: SQLAlchemy 2 Core tables, the engine, repositories and the event log."""

from liveblog.storage.database import Database

__all__ = ["Database"]
