"""``GET /oembed?url=...&format=json``: oEmbed (https://oembed.com) for the blogs' pages.

``url`` is a blog's page (``/live/{slug}``, any view), an entry's permalink
(``/live/{slug}/entries/{id}``) or the embed itself, on this site: its host and port are those
of ``LIVEBLOG_PUBLIC_URL``, or without it those of the request or of the listen address (the
scheme may be http or https). The answer is a
``rich`` oEmbed document whose ``html`` is the embed code the desk shows
(:func:`~liveblog.web.reader.embed_code.snippet`, always the whole blog's embed), with
``width`` and ``height`` at most ``maxwidth`` and ``maxheight``, ``title`` (the entry's headline
and the blog's title for a permalink), ``provider_name`` (``LIVEBLOG_SITE_NAME``) and
``provider_url``. Reader pages and permalinks name this endpoint in their ``<head>``
(:func:`~liveblog.web.reader.embed_code.discovery_href`).

Errors are RFC 9457 problems: no ``url``, or a ``maxwidth``/``maxheight`` that is not a whole
number from 1 to 10000: 400 naming the parameter; a format other than ``json``: 501 (as the
oEmbed spec asks); a URL that is not ours, not a blog page or permalink, an unknown blog or an
entry readers cannot see: 404. Framing the embed is still up to the blog's ``embed_origins``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liveblog.domain.errors import FieldError
from liveblog.domain.rules import SLUG_PATTERN
from liveblog.storage import blogs as blog_rows
from liveblog.storage import reads
from liveblog.web.page_cache import closed_cache_control
from liveblog.web.problems import problem
from liveblog.web.reader.embed_code import DEFAULT_HEIGHT, DEFAULT_WIDTH, OEMBED_PATH, snippet
from liveblog.web.reader.views import parse_entry_id
from liveblog.web.services import Services, services_of
from liveblog.web.urls import base_url

router = APIRouter(include_in_schema=False)

MAX_SIZE = 10_000
_PAGE = re.compile(r"/live/(?P<slug>[^/]+)(?:/entries/(?P<entry>[^/]+)|/embed)?")


@dataclass(frozen=True)
class Target:
    """The page a ``url`` names: a blog, and the entry of a permalink."""

    slug: str
    entry: str | None


def target_of(url: str, bases: set[str]) -> Target | None:
    """The blog page or permalink ``url`` names on a site at one of ``bases`` (absolute URLs
    without a trailing slash), or ``None``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return None
    for base in bases:
        own = urlsplit(base)
        if (parts.hostname, port or _default(parts.scheme)) != (
            own.hostname,
            own.port or _default(own.scheme),
        ):
            continue
        prefix = own.path.rstrip("/")
        if not parts.path.startswith(prefix + "/"):
            continue
        match = _PAGE.fullmatch(parts.path[len(prefix) :])
        if match and SLUG_PATTERN.fullmatch(match["slug"]):
            return Target(match["slug"], match["entry"])
    return None


def _default(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _size(errors: list[FieldError], params: Any, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_SIZE:
        errors.append(FieldError(name, f"must be a whole number from 1 to {MAX_SIZE}"))
        return None
    return int(raw)


def _not_found(detail: str) -> Response:
    return problem(404, detail, type_="not-found", title="Not Found")


async def oembed(request: Request) -> Response:
    """The oEmbed document of a blog page or permalink (see the module docstring)."""
    services = services_of(request)
    params = request.query_params
    url = params.get("url", "")
    if not url.strip():
        missing = [FieldError("url", "is required: the address of a blog page or permalink")]
        return problem(400, "url is required", type_="bad-request", errors=missing)
    format_ = params.get("format", "json")
    if format_ != "json":
        detail = f"the format {format_[:20]!r} is not supported; use json"
        return problem(501, detail, type_="not-implemented", title="Not Implemented")
    errors: list[FieldError] = []
    max_width = _size(errors, params, "maxwidth")
    max_height = _size(errors, params, "maxheight")
    if errors:
        detail = "maxwidth and maxheight must be whole numbers"
        return problem(400, detail, type_="bad-request", errors=errors)
    base = base_url(services.settings, request)
    target = target_of(url, {base, base_url(services.settings, None)})
    if target is None:
        return _not_found("the url is not a live blog or entry of this site")
    document = await run_in_threadpool(_document, services, target, base)
    if document is None:
        return _not_found("there is no such live blog or entry")
    body, closed = document
    width = min(DEFAULT_WIDTH, max_width or DEFAULT_WIDTH)
    height = min(DEFAULT_HEIGHT, max_height or DEFAULT_HEIGHT)
    body.update(
        html=snippet(base, target.slug, body["title"], width=width, height=height),
        width=width,
        height=height,
    )
    settings = services.settings
    lifetime = (
        closed_cache_control(settings) if closed else f"public, max-age={settings.page_max_age}"
    )
    headers = {"Cache-Control": lifetime, "Access-Control-Allow-Origin": "*"}
    return JSONResponse(body, headers=headers)


def _document(services: Services, target: Target, base: str) -> tuple[dict[str, Any], bool] | None:
    """The document's fields that come from the database (``None``: no such blog or visible
    entry), and whether the blog is closed."""
    with services.db.read() as conn:
        blog = blog_rows.by_slug(conn, target.slug)
        if blog is None:
            return None
        title = blog.title
        if target.entry is not None:
            entry_id = parse_entry_id(target.entry)
            entry = reads.entry(conn, blog.id, entry_id) if entry_id is not None else None
            if entry is None or entry.deleted:
                return None
            if entry.headline:
                title = f"{entry.headline} \u2013 {blog.title}"
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": services.settings.site_name,
        "provider_url": base + "/",
    }
    return body, not blog.is_open


router.add_route(OEMBED_PATH, oembed, methods=["GET"], name="oembed", include_in_schema=False)
