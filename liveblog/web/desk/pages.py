"""Rendering desk pages: Jinja2 templates under ``templates/desk/``, in the user's language,
with the reader's stylesheet plus ``desk.css``. Desk pages are private: never cached by
anyone (``Cache-Control: no-store``), never indexed."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from liveblog.web import i18n
from liveblog.web.auth import Session
from liveblog.web.reader.pages import TEMPLATES
from liveblog.web.static_files import static_url

PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@cache
def _env(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.globals["static_url"] = static_url
    i18n.install(env, language)
    return env


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
    template gets (``language``, ``page_title``, ``session``: the user and CSRF token)."""
    html = (
        _env(language)
        .get_template(f"desk/{template}")
        .render(language=language, page_title=title, session=session, **context)
    )
    return HTMLResponse(html, status_code=status, headers=PRIVATE_HEADERS)
