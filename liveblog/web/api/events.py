"""``GET /api/v1/blogs/{slug}/events?after=N``: the event stream for clients that poll.

Responses are public and cacheable for a few seconds with an ETag, so a CDN absorbs polling;
an up-to-date client sending ``If-None-Match`` gets 304.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from liveblog.domain.errors import NotFound
from liveblog.storage import blogs as blog_rows
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.live_frames import read_events
from liveblog.web.services import Services, services

router = APIRouter(tags=["events"])
App = Annotated[Services, Depends(services)]
MAX_EVENTS = 500


class EventList(BaseModel):
    events: list[dict[str, Any]] = Field(
        description="Events after `after`, oldest first: `seq`, `type`, payload, `html`, `page`."
    )
    head: int = Field(description="The blog's newest event number.")
    next_after: int = Field(description="Pass as `after` in the next poll.")
    reset: bool = Field(
        description="True when `after` is too far behind or ahead: reload the page state."
    )


@router.get(
    "/blogs/{slug}/events",
    response_model=EventList,
    responses={**_PROBLEMS, 304: {"description": "Not modified"}},
)
def poll_events(
    slug: str,
    app: App,
    after: Annotated[int, Query(ge=0, le=2**62, description="Last event number seen.")],
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Events after ``after`` (empty when up to date or ahead of the log)."""
    with app.db.read() as conn:
        blog = blog_rows.by_slug(conn, slug)
        if blog is None:
            raise NotFound(f"no blog with the slug {slug!r}")
        reset = after > blog.last_seq or blog.last_seq - after > app.settings.live_max_replay
        events = [] if reset else read_events(conn, blog, after, limit)
    next_after = blog.last_seq if reset else (events[-1]["seq"] if events else after)
    tag = f'"{blog.id}-{after}-{next_after}-{limit}{"-r" if reset else ""}"'
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={app.settings.poll_max_age}",
    }
    if if_none_match and tag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    body = {"events": events, "head": blog.last_seq, "next_after": next_after, "reset": reset}
    return JSONResponse(body, headers=headers)
