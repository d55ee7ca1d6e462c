"""``/brand/<name>``: the site's logo file and the brand colour's stylesheet
(:mod:`liveblog.web.brand`), each under a name with its hash, so cached for a year
(``immutable``); any other name is 404. A logo may be an SVG: it is sent with a policy that runs
nothing in it, even when opened on its own."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from liveblog.web.brand import brand_of
from liveblog.web.services import services_of
from liveblog.web.static_files import IMMUTABLE

router = APIRouter(include_in_schema=False)

ASSET_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
"""A logo (or the stylesheet) opened on its own: nothing loads or runs."""


@router.get("/brand/{name}")
async def brand_asset(request: Request, name: str) -> Response:
    asset = brand_of(services_of(request).settings).asset(name)
    if asset is None:
        raise HTTPException(404)
    headers = {"Cache-Control": IMMUTABLE, "Content-Security-Policy": ASSET_POLICY}
    return Response(asset.body, media_type=asset.media_type, headers=headers)
