"""``/api/v1/blogs/{slug}/entries/{id}/revisions``: an entry's history, for the blog's members.

Every member (contributors included) and admins read it; other users get 404, as for the rest
of a blog's private parts. Oldest first; number 1 is the entry as posted. A deleted entry's
history stays readable.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from liveblog.domain.errors import NotFound
from liveblog.domain.models import Blog, Entry, Revision, User
from liveblog.domain.policy import Permission
from liveblog.domain.serialize import rfc3339
from liveblog.storage import reads, revisions
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.entries import EntryId
from liveblog.web.api.schemas import RevisionList
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["entries"])


def entry_history(
    services: Services, user: User, slug: str, entry_id: int
) -> tuple[Blog, Entry, list[Revision]]:
    """The blog, the entry and its revisions, once ``user`` may read the blog's history.
    Blocking: call it in a thread from async code."""
    with services.db.read() as conn:
        blog, _ = blog_for(conn, user, slug, Permission.VIEW_HISTORY)
        entry = reads.any_entry(conn, blog.id, entry_id)
        if entry is None:
            raise NotFound(f"no entry {entry_id} in this blog")
        return blog, entry, revisions.history(conn, entry)


def revision_payload(revision: Revision) -> dict[str, Any]:
    editor = None
    if revision.editor_id is not None and revision.editor_name is not None:
        editor = {"id": revision.editor_id, "name": revision.editor_name}
    return {
        "number": revision.number,
        "created_at": rfc3339(revision.created_at),
        "editor": editor,
        "headline": revision.headline,
        "body": revision.body,
        "source": revision.source,
        "key_event": revision.key_event,
        "pinned": revision.pinned,
        "published_at": rfc3339(revision.published_at),
        "correction": revision.correction,
        "minor": revision.minor,
        "unverified": revision.unverified,
    }


@router.get(
    "/blogs/{slug}/entries/{entry_id}/revisions",
    response_model=RevisionList,
    responses=_PROBLEMS,
)
async def list_revisions(
    slug: str, entry_id: EntryId, user: CurrentUser, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Every version of the entry's content, oldest first (the blog's members and admins).
    Never stored by caches: it holds what readers no longer see."""
    _, _, found = await run_in_threadpool(entry_history, services, user, slug, entry_id)
    response.headers["Cache-Control"] = "private, no-store"
    return {"items": [revision_payload(r) for r in found]}
