"""``/api/v1/blogs/{slug}/entries/{id}/authors``: an entry's byline, for the blog's members.

Public reads carry an entry's ``authors`` only while the blog shows them (``show_authors``);
members need them always (the desk fills an entry's edit form with them, and sends a changed
byline as ``authors`` in the entry's ``PATCH``). Every member (contributors included) and admins
read it, whatever the entry's status; other users get 404, as for the rest of a blog's private
parts, and a deleted entry answers 410.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from liveblog.domain.errors import Gone, NotFound
from liveblog.domain.models import Author, User
from liveblog.domain.policy import Permission
from liveblog.storage import reads
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.entries import EntryId
from liveblog.web.api.schemas import AuthorList
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["entries"])


def entry_authors(services: Services, user: User, slug: str, entry_id: int) -> tuple[Author, ...]:
    """The entry's byline, once ``user`` may read the blog's private parts. Blocking: call it
    in a thread from async code."""
    with services.db.read() as conn:
        blog, _ = blog_for(conn, user, slug, Permission.VIEW_HISTORY)
        entry = reads.any_entry(conn, blog.id, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id} in this blog")
    if entry.deleted:
        raise Gone(f"entry {entry_id} was deleted")
    return entry.authors


@router.get(
    "/blogs/{slug}/entries/{entry_id}/authors",
    response_model=AuthorList,
    responses={**_PROBLEMS, 410: _PROBLEMS[404]},
)
async def read_authors(
    slug: str, entry_id: EntryId, user: CurrentUser, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """The entry's authors in byline order (the blog's members and admins), whether or not
    the blog shows them to readers."""
    found = await run_in_threadpool(entry_authors, services, user, slug, entry_id)
    response.headers["Cache-Control"] = "private, no-store"
    return {"items": [{"id": a.id, "name": a.name} for a in found]}
