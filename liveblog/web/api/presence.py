"""``PUT /api/v1/blogs/{slug}/presence``: a desk page says which entry it is editing.

The desk's edit script sends it when an edit form opens, again every 20 seconds while it stays
open, and with ``null`` when it closes; the other desks of the blog show "Anna is editing …" on
that entry until then, or until a minute after the last one (:mod:`liveblog.domain.presence`).
Advisory: it locks nothing. Members of the blog only (404 for others); it changes nothing of the
blog (no event, no audit record).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from liveblog.domain.presence import CLIENT_PATTERN
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.auth import CurrentUser
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["desk"])


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client: StrictStr = Field(
        description="The desk page's id, as in its desk stream's `client` "
        f"(`{CLIENT_PATTERN.pattern}`).",
        examples=["k3J9x2LmQp7RtV0aZ4bY"],
    )
    editing: StrictInt | None = Field(
        description="The entry whose edit form is open, or null for none.", examples=[42]
    )


@router.put("/blogs/{slug}/presence", status_code=204, responses=_PROBLEMS, response_class=Response)
async def put_presence(
    slug: str, payload: PresenceIn, user: CurrentUser, services: ServicesDep
) -> Response:
    """Mark the entry this desk page is editing, or clear the mark (members)."""
    blog_id = await run_in_threadpool(
        services.actions.mark_editing, user, slug, payload.client, payload.editing
    )
    services.desk.poke(blog_id)  # this process's desks hear it at once
    return Response(status_code=204)
