"""Rendering desk pages: Jinja2 templates under ``templates/desk/``, in the user's language,
with the reader's stylesheet plus ``desk.css``. Desk pages are private: never cached by
anyone (``Cache-Control: no-store``), never indexed."""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse

from liveblog.web.auth import Session
from liveblog.web.brand import current
from liveblog.web.templating import environment

PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def render(
    template: str,
    *,
    language: str,
    title: str,
    session: Session | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A desk page: ``templates/desk/<template>`` in ``language`` with the values every desk
    template gets (``language``, ``page_title``, ``session``: the user and CSRF token, ``brand``:
    the site's, for the footer)."""
    html = (
        environment(language)
        .get_template(f"desk/{template}")
        .render(language=language, page_title=title, session=session, brand=current(), **context)
    )
    return HTMLResponse(html, status_code=status, headers=PRIVATE_HEADERS)
