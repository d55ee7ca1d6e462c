"""``/api/v1/blogs/{slug}/queue``: the entries of a blog that readers do not see yet.

Members only (others get 404, as for the rest of a blog's private parts). Editors, owners and
admins get every draft, submitted and scheduled entry; contributors their own. Submitted
entries come first (the review queue), then scheduled ones by time, then drafts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from liveblog.domain import workflow
from liveblog.domain.models import Entry, EntryStatus, User
from liveblog.domain.policy import Permission
from liveblog.domain.serialize import entry_payload
from liveblog.storage import reads
from liveblog.storage import users as user_rows
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
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


def queued_payload(entry: Entry, names: dict[int, str]) -> dict[str, Any]:
    author = None
    if entry.author_id is not None and entry.author_id in names:
        author = {"id": entry.author_id, "name": names[entry.author_id]}
    return {**entry_payload(entry), "author": author, "review_note": entry.review_note}


@router.get("/blogs/{slug}/queue", response_model=QueueOut, responses=_PROBLEMS)
async def read_queue(
    slug: str, user: CurrentUser, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Drafts, submitted and scheduled entries (members; contributors see their own)."""
    found, names = await run_in_threadpool(queue_of, services, user, slug)
    counts = Counter(e.status.value for e in found)
    response.headers["Cache-Control"] = "private, no-store"
    return {
        "items": [queued_payload(e, names) for e in found],
        "counts": {s.value: counts[s.value] for s in EntryStatus if s is not EntryStatus.PUBLISHED},
    }
