"""The Jinja2 environment of every page, reader and desk alike: templates under
``web/templates``, autoescaped, strict about undefined names, ``_`` in one language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from liveblog.figures import EMBED_START
from liveblog.web import i18n
from liveblog.web.static_files import static_url

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment(language: str) -> Environment:
    """The templates in ``language``: one environment per language, so ``_`` is a global that
    imported macros see too, and compiled templates are cached per language."""
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
    env.globals["EMBED_START"] = EMBED_START
    i18n.install(env, language)
    return env
