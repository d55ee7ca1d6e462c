"""``GET /live/{slug}/events``: a blog's event stream through plain ASGI.

Under ``liveblog serve`` the connection never reaches this route: the uvicorn protocol in
:mod:`liveblog.web.live.protocol` hands it to the hub first. This route serves the identical
stream wherever that protocol is not in use (test clients, other ASGI servers).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from liveblog.web.services import ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/live/{slug}/events")
async def events(request: Request, slug: str, services: ServicesDep) -> Response:
    return await services.live.stream(request, slug, services.settings.max_streams_per_address)
