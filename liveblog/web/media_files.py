"""``/media/<name>``: the files of uploaded photos, from ``LIVEBLOG_MEDIA_DIR``.

A name holds the hash of the uploaded file (:mod:`liveblog.imaging`), so a URL never changes
meaning: files are sent with ``Cache-Control: public, max-age=31536000, immutable``. Only names
of the exact form photos' files have (:data:`FILE_NAME`) reach the file system; anything else
(``..``, an encoded slash, an absolute path, another extension) is 404 without a look at the
disk. With ``LIVEBLOG_MEDIA_URL`` set, a CDN or object store serves the same files and pages
link there instead (:func:`media_base`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from liveblog.actions.media import FILE_NAME
from liveblog.config import Settings
from liveblog.web.services import services_of
from liveblog.web.static_files import IMMUTABLE

router = APIRouter(include_in_schema=False)

MEDIA_PATH = "/media"
_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
FILE_POLICY = "default-src 'none'; sandbox"
"""A photo opened on its own: nothing in it loads or runs."""


def media_base(settings: Settings) -> str:
    """Where pages link photos' files: ``LIVEBLOG_MEDIA_URL`` (no trailing slash), or
    ``/media`` when liveblog serves them."""
    return settings.media_url.rstrip("/") or MEDIA_PATH


def media_url(settings: Settings, name: str) -> str:
    return f"{media_base(settings)}/{name}"


@router.get(MEDIA_PATH + "/{name}")
async def media_file(request: Request, name: str) -> Response:
    """One file of a photo; ``HEAD`` answers the same without the body."""
    if not FILE_NAME.fullmatch(name):
        raise HTTPException(404)
    path = Path(services_of(request).settings.media_dir) / name
    if not path.is_file():
        raise HTTPException(404)
    # The name says what the file holds: it is the tag (the file's time is not, as the same
    # photo uploaded again writes the file anew).
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": f'"{name}"',
        "Content-Security-Policy": FILE_POLICY,
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=_TYPES[name.rsplit(".", 1)[1]], headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
