"""Placeholder replaced by the reader-page work (see reader.py)."""

from __future__ import annotations

from liveblog.actions import Clock, Committed
from liveblog.config import Settings
from liveblog.storage.database import Database


class PageCache:
    def __init__(self, settings: Settings, db: Database, *, clock: Clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock

    def invalidate(self, committed: Committed) -> None:
        pass
