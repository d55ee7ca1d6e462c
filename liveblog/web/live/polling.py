"""``GET /api/v1/blogs/{slug}/events?after=N``: the event stream for clients that poll.

Responses are public and cacheable for a few seconds with an ETag, so a CDN absorbs polling;
an up-to-date client sending ``If-None-Match`` gets 304. In the process, answers are kept in the
page cache (:mod:`liveblog.web.page_cache`) under the blog's version, with the reader pages'
rules: a local commit makes them stale at once, another process's within
``LIVEBLOG_PAGE_REVALIDATE_SECONDS``. Polls in the canonical form ``?after=N[&limit=M]`` are
answered from there before the application is entered (:func:`poll_key_for`).

A closed blog's answers say so (``closed: true``: nothing more will come until it is reopened)
and are cached for long (``LIVEBLOG_CLOSED_MAX_AGE``).
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.responses import Response

from liveblog.config import Settings
from liveblog.domain.errors import NotFound
from liveblog.domain.rules import SLUG_PATTERN
from liveblog.storage import blogs as blog_rows
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.live.frames import read_events
from liveblog.web.page_cache import Key, closed_cache_control
from liveblog.web.reader.models import Rendered
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["events"])
MAX_EVENTS = 500
DEFAULT_LIMIT = 100
MAX_AFTER = 2**62
_POLL_PATH = re.compile(r"^/api/v1/blogs/([^/]+)/events$")
_POLL_QUERY = re.compile(rb"^after=(0|[1-9][0-9]{0,18})(?:&limit=([1-9][0-9]{0,2}))?$")


class EventList(BaseModel):
    events: list[dict[str, Any]] = Field(
        description="Events after `after`, oldest first: `seq`, `type`, payload, `html`, `page`."
    )
    head: int = Field(description="The blog's newest event number.")
    next_after: int = Field(description="Pass as `after` in the next poll.")
    reset: bool = Field(
        description="True when `after` is too far behind or ahead: reload the page state."
    )
    closed: bool = Field(
        description="The blog is closed: no more events until it is reopened; poll rarely."
    )


def poll_key(slug: str, after: int, limit: int) -> Key:
    return (slug, f"events|{after}|{limit}")


def poll_key_for(path: str, query_string: bytes) -> Key | None:
    """The cache key of a poll in the canonical form ``?after=N[&limit=M]`` with valid values;
    ``None`` for anything else (the route then validates and answers it)."""
    path_match = _POLL_PATH.match(path)
    query_match = _POLL_QUERY.match(query_string) if path_match else None
    if path_match is None or query_match is None:
        return None
    slug = path_match.group(1)
    after = int(query_match.group(1))
    limit = int(query_match.group(2) or DEFAULT_LIMIT)
    if not SLUG_PATTERN.fullmatch(slug) or after > MAX_AFTER or limit > MAX_EVENTS:
        return None
    return poll_key(slug, after, limit)


def render_poll(
    conn: Connection, *, settings: Settings, slug: str, after: int, limit: int
) -> Rendered:
    """The poll's JSON as of the snapshot ``conn``. An answer to a position ahead of the log
    is not kept: another process may already be there, and a wrong reset is costly."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    reset = after > blog.last_seq or blog.last_seq - after > settings.live_max_replay
    events = [] if reset else read_events(conn, blog, after, limit)
    next_after = blog.last_seq if reset else (events[-1]["seq"] if events else after)
    body = {
        "events": events,
        "head": blog.last_seq,
        "next_after": next_after,
        "reset": reset,
        "closed": not blog.is_open,
    }
    return Rendered(
        200,
        json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
        None if after > blog.last_seq else blog.last_seq,
        content_type="application/json",
        cache_control=f"public, max-age={settings.poll_max_age}"
        if blog.is_open
        else closed_cache_control(settings),
    )


@router.get(
    "/blogs/{slug}/events",
    response_model=EventList,
    responses={**_PROBLEMS, 304: {"description": "Not modified"}},
)
async def poll_events(
    slug: str,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, le=MAX_AFTER, description="Last event number seen.")],
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = DEFAULT_LIMIT,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Events after ``after`` (empty when up to date or ahead of the log)."""
    render = partial(render_poll, settings=services.settings, slug=slug, after=after, limit=limit)
    page = await services.pages.fetch(poll_key(slug, after, limit), render)
    return page.response(if_none_match)
