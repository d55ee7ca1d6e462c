"""``POST /api/v1/blogs/{slug}/media``: upload a photo (a multipart form), for an entry to show
as ``![alt text](media:ID "credit")``.

The body may be up to ``LIVEBLOG_MEDIA_MAX_BYTES`` plus the form's overhead
(:class:`liveblog.web.limits.RequestLimits` counts it as it arrives); the file's name and
content type as the client gives them are not used for anything.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from liveblog.actions import MediaStore
from liveblog.config import Settings
from liveblog.domain.media import MAX_ALT, MAX_CAPTION, MAX_CREDIT, Media
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.auth import CurrentUser
from liveblog.web.media_files import media_url
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["media"])


class VariantOut(BaseModel):
    url: str
    width: int
    height: int
    type: str = Field(description="`image/avif`, `image/webp`, `image/jpeg` or `image/png`.")


class MediaOut(BaseModel):
    id: int = Field(description='Show the photo in an entry as `![alt text](media:ID "credit")`.')
    url: str = Field(description="The widest JPEG (PNG for a photo with transparency).")
    width: int = Field(description="Width of the widest variant, upright.")
    height: int
    alt: str
    credit: str
    caption: str | None
    variants: list[VariantOut]


def store_of(settings: Settings) -> MediaStore:
    return MediaStore.of(settings)


def media_payload(settings: Settings, photo: Media) -> dict[str, Any]:
    fallback = [v for v in photo.variants if v.mime in ("image/jpeg", "image/png")][-1]
    return {
        "id": photo.id,
        "url": media_url(settings, fallback.name),
        "width": photo.width,
        "height": photo.height,
        "alt": photo.alt,
        "credit": photo.credit,
        "caption": photo.caption,
        "variants": [
            {
                "url": media_url(settings, v.name),
                "width": v.width,
                "height": v.height,
                "type": v.mime,
            }
            for v in photo.variants
        ],
    }


@router.post("/blogs/{slug}/media", status_code=201, response_model=MediaOut, responses=_PROBLEMS)
def upload_media(
    slug: str,
    user: CurrentUser,
    services: ServicesDep,
    file: Annotated[
        UploadFile,
        File(description="A JPEG, PNG, WebP or GIF (its first frame); its name is not used."),
    ],
    alt: Annotated[
        str, Form(description=f"Alt text, at most {MAX_ALT} characters; an entry may give it.")
    ] = "",
    credit: Annotated[str, Form(description=f"At most {MAX_CREDIT} characters.")] = "",
    caption: Annotated[str | None, Form(description=f"At most {MAX_CAPTION} characters.")] = None,
) -> JSONResponse:
    """Upload a photo for entries of the blog (members who may write entries, drafts
    included). It is turned upright, stripped of all metadata (EXIF with GPS, XMP, comments,
    colour profiles) and stored as variants 480, 960 and 1600 pixels wide (those the photo
    reaches) in AVIF, WebP and JPEG (PNG with transparency). 413 over the size limit, 415 for
    anything but JPEG, PNG, WebP or GIF, 422 for a file that does not decode or has too many
    pixels; nothing is stored then."""
    store = store_of(services.settings)
    data = file.file.read(store.max_bytes + 1)
    photo = services.actions.upload_media(
        user, slug, data, store, alt=alt, credit=credit, caption=caption
    )
    return JSONResponse(media_payload(services.settings, photo), status_code=201)
