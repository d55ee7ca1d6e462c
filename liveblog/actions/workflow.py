"""The scheduler's step: publish the scheduled entries whose time has come.

Every server process runs it (``liveblog.web.scheduler``); each entry is published once even
with several processes on PostgreSQL: the step that publishes it holds the blog's row lock
(``SELECT ... FOR UPDATE``) and checks, under it, that the entry is still scheduled and due, so
a second process waiting for the lock finds it published and writes nothing. The rules of the
workflow are :mod:`liveblog.domain.workflow`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from liveblog.actions import bylines
from liveblog.actions.entries import EntryActions
from liveblog.domain.models import Entry, EntryStatus
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage.writer import Body, Done

MAX_DUE = 50
"""Entries one scheduler step publishes at most (the next step takes the rest)."""


class WorkflowActions(EntryActions):
    def publish_due(self) -> list[Entry]:
        """Publish every scheduled entry whose time has come; the published ones."""
        now = self.clock()
        with self.db.read() as conn:
            due = entry_rows.due(conn, now, limit=MAX_DUE)
        published = []
        for entry_id, slug in due:
            entry = self._write(self._publish_scheduled(entry_id, slug, now), blog=slug)
            if entry is not None:
                published.append(entry)
        return published

    def next_due(self) -> datetime | None:
        """When the earliest scheduled entry is due."""
        with self.db.read() as conn:
            return entry_rows.next_due(conn)

    def _publish_scheduled(self, entry_id: int, slug: str, now: datetime) -> Body[Entry | None]:
        def publish(conn: Connection) -> Done[Entry | None]:
            blog = blog_rows.by_slug(conn, slug, lock=True)  # the blog's lock: checked once
            if blog is None or not blog.is_open:
                return Done(None)  # a closed blog keeps it scheduled until reopened
            current = entry_rows.get(conn, blog.id, entry_id)
            if current is None or current.deleted or current.status is not EntryStatus.SCHEDULED:
                return Done(None)  # published by another process, cancelled or deleted
            if current.publish_at is None or current.publish_at > now:
                return Done(None)  # moved later meanwhile
            current = bylines.loaded(conn, current)  # its event carries its byline
            published = self._publish_now(conn, blog, current, {}, None, now)
            return Done(published.result, published.after)

        return publish
