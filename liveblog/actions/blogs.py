"""Actions on blogs: create one, change its fields (``show_authors``, readers see bylines,
and ``embed_origins``, who may frame its embed, among them), close and reopen it. Every change
is a blog event, which makes every page of the blog stale (the page cache keeps pages by the
blog's version) and tells live readers.

The coverage lifecycle: closing a blog (``status: closed``, with an optional ``closing_note``
readers see at the top of its pages) writes ``blog.closed`` and stamps ``closed_at``; live
readers' streams end after that event, and the blog's pages, feeds and polls may be cached for
long. Reopening (``status: open``) writes ``blog.updated`` and clears ``closed_at``; the note is
kept (shown only while the blog is closed), so closing again shows it unless it is changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveblog.actions.base import ActionsBase, append_event, authorized_blog, must, string
from liveblog.domain import embedding, policy, rules
from liveblog.domain.errors import (
    Conflict,
)
from liveblog.domain.models import Blog, BlogRole, BlogStatus, Event, EventType, User
from liveblog.domain.policy import Permission
from liveblog.domain.serialize import blog_payload
from liveblog.storage import blogs as blog_rows
from liveblog.storage import members as member_rows
from liveblog.storage.writer import Done

BLOG_FIELDS = (
    "title",
    "summary",
    "language",
    "timezone",
    "status",
    "show_authors",
    "embed_origins",
    "closing_note",
)


class BlogActions(ActionsBase):
    def create_blog(
        self,
        actor: User,
        *,
        slug: str,
        title: str,
        summary: str | None = None,
        language: str = "de",
        timezone: str = "Europe/Berlin",
        show_authors: bool = False,
    ) -> Blog:
        policy.require_global(actor, Permission.CREATE_BLOG)
        errors = rules.Collector()
        slug = rules.slug(errors, slug)
        clean_title = rules.text(
            errors, "title", title, max_len=rules.MAX_TITLE, required=True, multiline=False
        )
        clean_summary = rules.text(
            errors,
            "summary",
            summary or "",
            max_len=rules.MAX_SUMMARY,
            required=False,
            multiline=True,
        )
        rules.language(errors, language)
        rules.timezone(errors, timezone)
        if not isinstance(show_authors, bool):
            errors.add("show_authors", "must be true or false")
        errors.raise_if_any()
        now = self.clock()

        def create(conn: Connection) -> Done[Blog]:
            if blog_rows.by_slug(conn, slug) is not None:
                raise Conflict(f"a blog with the slug {slug!r} already exists")
            blog_id = blog_rows.insert_blog(
                conn,
                {
                    "slug": slug,
                    "title": clean_title,
                    "summary": clean_summary or "",
                    "language": language,
                    "timezone": timezone,
                    "status": BlogStatus.OPEN.value,
                    "created_at": now,
                    "updated_at": now,
                    "show_authors": show_authors,
                },
            )
            # The creator becomes the blog's owner.
            member_rows.put(conn, blog_id, actor.id, BlogRole.OWNER, now)
            event = self._blog_event(conn, blog_id, EventType.BLOG_CREATED, now, actor)
            blog = must(blog_rows.by_id(conn, blog_id))
            return self._done(blog, blog, [event])

        try:
            return self._write(create, blog=slug)
        except IntegrityError as exc:  # two creators raced past the check above
            raise Conflict(f"a blog with the slug {slug!r} already exists") from exc

    def update_blog(self, actor: User, slug: str, changes: dict[str, Any]) -> Blog:
        errors = rules.Collector()
        rules.unknown_fields(errors, changes, BLOG_FIELDS)
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = rules.text(
                errors,
                "title",
                string(errors, "title", changes["title"]),
                max_len=rules.MAX_TITLE,
                required=True,
                multiline=False,
            )
        if "summary" in changes:
            values["summary"] = (
                rules.text(
                    errors,
                    "summary",
                    string(errors, "summary", changes["summary"] or ""),
                    max_len=rules.MAX_SUMMARY,
                    required=False,
                    multiline=True,
                )
                or ""
            )
        if "language" in changes:
            values["language"] = rules.language(
                errors, string(errors, "language", changes["language"])
            )
        if "timezone" in changes:
            values["timezone"] = rules.timezone(
                errors, string(errors, "timezone", changes["timezone"])
            )
        if "status" in changes:
            status = changes["status"]
            if status not in (BlogStatus.OPEN.value, BlogStatus.CLOSED.value):
                errors.add("status", "must be 'open' or 'closed'")
            values["status"] = status
        if "show_authors" in changes:
            if not isinstance(changes["show_authors"], bool):
                errors.add("show_authors", "must be true or false")
            values["show_authors"] = changes["show_authors"]
        if "embed_origins" in changes:
            values["embed_origins"] = embedding.origins(errors, changes["embed_origins"])
        if "closing_note" in changes:
            values["closing_note"] = rules.text(
                errors,
                "closing_note",
                string(errors, "closing_note", changes["closing_note"] or ""),
                max_len=rules.MAX_CLOSING_NOTE,
                required=False,
                multiline=True,
            )
        errors.raise_if_any()
        now = self.clock()

        def update(conn: Connection) -> Done[Blog]:
            blog = authorized_blog(conn, slug, actor, Permission.EDIT_BLOG)
            changed = {k: v for k, v in values.items() if getattr(blog, k) != v}
            if not changed:
                return Done(blog)
            closing = changed.get("status") == BlogStatus.CLOSED.value
            if "status" in changed:
                changed["closed_at"] = now if closing else None
            if "embed_origins" in changed:
                changed["embed_origins"] = list(changed["embed_origins"])
            blog_rows.update_blog(conn, blog.id, changed)
            type_ = EventType.BLOG_CLOSED if closing else EventType.BLOG_UPDATED
            event = self._blog_event(conn, blog.id, type_, now, actor)
            blog = must(blog_rows.by_id(conn, blog.id))
            return self._done(blog, blog, [event])

        return self._write(update, blog=slug)

    def _blog_event(
        self, conn: Connection, blog_id: int, type_: EventType, now: datetime, actor: User
    ) -> Event:
        seq = blog_rows.next_seq(conn, blog_id, now)
        # The payload is the blog as it is after this event, its version (= seq) included.
        payload = {"blog": blog_payload(must(blog_rows.by_id(conn, blog_id)))}
        return append_event(conn, blog_id, type_, payload, now, actor, seq=seq)
