"""``POST /api/v1/blogs/{slug}/preview``: an entry's Markdown as readers would get it.

The desk's preview follows the typing with this endpoint, so what an editor sees is exactly the
HTML the reader page will show: the server's own renderer and sanitiser
(:func:`liveblog.render.markdown_to_html`), never a second one in the browser. Hostile Markdown
(``<script>``, ``javascript:`` links) gives the same sanitised HTML as it would on the page.
Photos of the blog show as on the page, embeds as their placeholder in the blog's language
(:func:`liveblog.actions.rendering.preview_html`); a photo the blog does not have shows its alt
text here (posting it is refused).

Members of the blog (any role that opens its desk) may preview; nothing is written. Like every
API write, a request authenticated by the session cookie needs ``X-CSRF-Token`` and ``Origin``.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from liveblog.actions.rendering import preview_html
from liveblog.domain import policy
from liveblog.domain.models import User
from liveblog.domain.rules import MAX_BODY
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["preview"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: StrictStr = Field(max_length=MAX_BODY, description="Markdown, as an entry's `body`.")


class PreviewOut(BaseModel):
    html: str = Field(description="The sanitised HTML readers would get for `body`.")


def _render(services: Services, user: User, slug: str, body: str) -> str:
    with services.db.read() as conn:
        blog, _ = blog_for(conn, user, slug, policy.Permission.VIEW_DESK)
        return preview_html(conn, blog, body, services.actions.media_url)


@router.post("/blogs/{slug}/preview", response_model=PreviewOut, responses=_PROBLEMS)
async def preview(
    slug: str, payload: PreviewIn, user: CurrentUser, services: ServicesDep
) -> JSONResponse:
    """Render ``body`` as the reader page would (members of the blog only; writes nothing)."""
    html = await run_in_threadpool(_render, services, user, slug, payload.body)
    return JSONResponse({"html": html}, headers={"Cache-Control": "no-store"})
