"""Desk presence: a desk page's sign of life and its editing mark (see
:mod:`liveblog.domain.presence`).

These writes change nothing of a blog: they write no event and no audit record, tell no commit
listener and take no lock on the blog. Each also deletes every row whose sign is older than
:data:`~liveblog.domain.presence.TTL`, so the table holds only the desks open in the last minute.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from liveblog.actions.base import ActionsBase
from liveblog.domain import policy, presence, rules
from liveblog.domain.errors import NotFound
from liveblog.domain.models import User
from liveblog.domain.policy import Permission
from liveblog.storage import blogs as blog_rows
from liveblog.storage import entries as entry_rows
from liveblog.storage import members as member_rows
from liveblog.storage import presence as presence_rows
from liveblog.storage.writer import Done


class PresenceActions(ActionsBase):
    def desk_opened(self, user: User, blog_id: int, client: str) -> datetime:
        """A desk stream of ``client`` (checked by the caller, as the user's access) connected:
        its sign of life, now; the user's oldest client goes beyond
        :data:`~liveblog.domain.presence.MAX_CLIENTS`. Returns the ``seen_at`` written."""
        now = self.clock()

        def opened(conn: Connection) -> Done[datetime]:
            presence_rows.expire(conn, now - presence.TTL)
            presence_rows.seen(conn, blog_id, user.id, client, now)
            presence_rows.keep_newest(conn, blog_id, user.id, presence.MAX_CLIENTS)
            return Done(now)

        return self._write(opened)

    def desks_seen(self, blog_id: int, clients: Collection[tuple[int, str]]) -> datetime:
        """The connected desk streams of ``clients`` (``(user_id, client)``) renew their signs;
        the ``seen_at`` written."""
        now = self.clock()

        def renewed(conn: Connection) -> Done[datetime]:
            presence_rows.expire(conn, now - presence.TTL)
            presence_rows.seen_all(conn, blog_id, clients, now)
            return Done(now)

        return self._write(renewed)

    def desk_closed(self, blog_id: int, user_id: int, client: str, seen_at: datetime) -> None:
        """The desk stream of ``client``, whose last sign was ``seen_at``, ended: its row goes
        (unless a newer stream of the same page wrote it since)."""
        now = self.clock()

        def closed(conn: Connection) -> Done[None]:
            presence_rows.expire(conn, now - presence.TTL)
            presence_rows.gone(conn, blog_id, user_id, client, seen_at)
            return Done(None)

        self._write(closed)

    def mark_editing(self, actor: User, slug: str, client: Any, editing: Any) -> int:
        """The desk page ``client`` of ``actor`` has the edit form of entry ``editing`` open
        (``None``: no longer). Members of the blog only (404 for others, as for its other private
        parts); ``editing`` must be an entry of the blog that is not deleted (422 otherwise).
        Returns the blog's id."""
        errors = rules.Collector()
        client_id = presence.client(errors, client)
        entry_id = presence.editing(errors, editing)
        now = self.clock()

        def marked(conn: Connection) -> Done[int]:
            blog = blog_rows.by_slug(conn, slug)  # no lock: nothing of the blog changes
            if blog is None:
                raise NotFound(f"no blog with the slug {slug!r}")
            role = member_rows.role_of(conn, blog.id, actor.id)
            policy.require(actor, Permission.VIEW_DESK, role, slug)
            errors.raise_if_any()
            if entry_id is not None:
                entry = entry_rows.get(conn, blog.id, entry_id)
                if entry is None or entry.deleted:
                    errors.add("editing", "must be the id of an entry of this blog, or null")
                    errors.raise_if_any()
            presence_rows.expire(conn, now - presence.TTL)
            presence_rows.mark(conn, blog.id, actor.id, client_id, entry_id, now)
            presence_rows.keep_newest(conn, blog.id, actor.id, presence.MAX_CLIENTS)
            return Done(blog.id)

        return self._write(marked)
