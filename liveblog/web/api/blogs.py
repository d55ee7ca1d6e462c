"""``/api/v1/blogs``: open, list, read and change blogs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from liveblog.domain.errors import FieldError, InvalidInput, NotFound
from liveblog.domain.serialize import blog_payload
from liveblog.storage import blogs as blog_rows
from liveblog.web.api.schemas import BlogCreate, BlogList, BlogOut, BlogPatch
from liveblog.web.auth import CurrentUser
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["blogs"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": "problem details (RFC 9457)", "content": {"application/problem+json": {}}}
    for code in (401, 403, 404, 409, 413, 415, 422)
}


@router.post("/blogs", status_code=201, response_model=BlogOut, responses=_PROBLEMS)
def create_blog(payload: BlogCreate, user: CurrentUser, services: ServicesDep) -> JSONResponse:
    """Open a new blog (admins only)."""
    blog = services.actions.create_blog(
        user,
        slug=payload.slug,
        title=payload.title,
        summary=payload.summary,
        language=payload.language or services.settings.default_language,
        timezone=payload.timezone or services.settings.default_timezone,
        show_authors=payload.show_authors,
    )
    return JSONResponse(
        blog_payload(blog), status_code=201, headers={"Location": f"/api/v1/blogs/{blog.slug}"}
    )


@router.get("/blogs", response_model=BlogList)
def list_blogs(services: ServicesDep) -> dict[str, Any]:
    with services.db.read() as conn:
        return {"items": [blog_payload(b) for b in blog_rows.all_blogs(conn)]}


@router.get("/blogs/{slug}", response_model=BlogOut, responses=_PROBLEMS)
def get_blog(slug: str, services: ServicesDep) -> dict[str, Any]:
    with services.db.read() as conn:
        blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog_payload(blog)


@router.patch("/blogs/{slug}", response_model=BlogOut, responses=_PROBLEMS)
def patch_blog(
    slug: str, payload: BlogPatch, user: CurrentUser, services: ServicesDep
) -> dict[str, Any]:
    """Change title, summary, language, time zone, whether readers see the entries' authors
    (``show_authors``), who may frame the embed (``embed_origins``), or close the blog (with
    an optional ``closing_note``) or reopen it (owners and admins)."""
    changes = payload.model_dump(exclude_unset=True)
    for required in ("title", "language", "timezone", "status", "show_authors", "embed_origins"):
        if required in changes and changes[required] is None:
            raise InvalidInput([FieldError(required, "must not be null")])
    return blog_payload(services.actions.update_blog(user, slug, changes))
