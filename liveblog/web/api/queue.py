"""``/api/v1/blogs/{slug}/queue``: the entries of a blog that readers do not see yet.

Members only (others get 404, as for the rest of a blog's private parts). Editors, owners and
admins get every draft, submitted and scheduled entry; contributors their own. Submitted
entries come first (the review queue), then scheduled ones by time, then drafts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from liveblog.domain import workflow
from liveblog.domain.models import Entry, User
from liveblog.domain.policy import Permission
from liveblog.storage import reads
from liveblog.storage import users as user_rows
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.queued import queue_body, queued_payload
from liveblog.web.api.schemas import QueueOut
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["entries"])


def queue_of(services: Services, user: User, slug: str) -> tuple[list[Entry], dict[int, str]]:
    """The unpublished entries ``user`` may see in the blog, and their authors' names.
    Blocking: call it in a thread from async code."""
    with services.db.read() as conn:
        blog, role = blog_for(conn, user, slug, Permission.VIEW_DESK)
        author = None if workflow.may_publish(user, role) else user.id
        found = reads.unpublished(conn, blog.id, author_id=author)
        names = user_rows.names(conn, [e.author_id for e in found if e.author_id is not None])
    return found, names


@router.get("/blogs/{slug}/queue", response_model=QueueOut, responses=_PROBLEMS)
async def read_queue(
    slug: str, user: CurrentUser, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Drafts, submitted and scheduled entries (members; contributors see their own)."""
    found, names = await run_in_threadpool(queue_of, services, user, slug)
    response.headers["Cache-Control"] = "private, no-store"
    return queue_body(found, names)


__all__ = ["queue_of", "queued_payload", "router"]
