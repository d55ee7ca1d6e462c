"""``/api/v1/blogs/{slug}/export``: the blog as an export document, for its owners and admins.

The same bytes as ``liveblog export`` (:mod:`liveblog.domain.export`, ``docs/export.md``): the
blog with its drafts, review notes, history and its members' e-mail addresses, so only those who
may change the blog's settings get it (``Permission.EDIT_BLOG``); users without a role in the
blog get 404, its editors and contributors 403. Offered as a download and never stored by a
cache. Importing stays with the command line (``liveblog import``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from liveblog.domain.errors import NotFound
from liveblog.domain.export import encode, file_name
from liveblog.domain.models import User
from liveblog.domain.policy import Permission
from liveblog.storage import export as export_rows
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["blogs"])

_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export document (its JSON Schema is docs/export.schema.json).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def exported(services: Services, user: User, slug: str) -> tuple[str, bytes]:
    """The blog's slug and its document, once ``user`` may have it. Blocking: call it in a
    thread from async code."""
    with services.db.read() as conn:
        blog, _ = blog_for(conn, user, slug, Permission.EDIT_BLOG)
        document = export_rows.document(conn, blog.slug, exported_at=services.actions.clock())
    if document is None:  # not reached: the blog was found in the same snapshot
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog.slug, encode(document)


@router.get(
    "/blogs/{slug}/export",
    response_class=Response,
    responses={**_DOCUMENT, **_PROBLEMS},
)
async def export_blog(slug: str, user: CurrentUser, services: ServicesDep) -> Response:
    """The blog as one JSON document: settings, entries in every status with their history
    and bylines, tombstones, members by e-mail (owners and admins)."""
    found, data = await run_in_threadpool(exported, services, user, slug)
    return Response(
        data,
        media_type="application/json",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{file_name(found)}"',
        },
    )
