"""The JSON API under ``/api/v1``."""

from fastapi import APIRouter

from liveblog.web.api import (
    blogs,
    bylines,
    entries,
    export,
    log,
    media,
    members,
    presence,
    preview,
    queue,
    revisions,
)
from liveblog.web.live import polling

router = APIRouter(prefix="/api/v1")
router.include_router(blogs.router)
router.include_router(entries.router)
router.include_router(members.router)
router.include_router(log.router)
router.include_router(revisions.router)
router.include_router(bylines.router)
router.include_router(queue.router)
router.include_router(presence.router)
router.include_router(export.router)
router.include_router(preview.router)
router.include_router(media.router)
router.include_router(polling.router)

__all__ = ["router"]
