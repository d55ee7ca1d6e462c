"""The code other sites paste to embed a blog, and the links that lead them to it.

* :func:`snippet`: an ``<iframe>`` of the blog's embed (``/live/{slug}/embed``) and a
  ``<script>`` that sizes it, ``/static/embed-resizer.js`` (our own; see the comment at its
  top). The desk shows it on the blog's settings page; the oEmbed endpoint answers it as
  ``html``.
* :func:`discovery_href`: the ``<link rel="alternate" type="application/json+oembed">`` of a
  reader page, which names the oEmbed endpoint with the page's URL.

Every URL is absolute, from ``LIVEBLOG_PUBLIC_URL`` (:mod:`liveblog.web.urls`); the script's URL
has no version, so pasted code keeps working across releases (it is revalidated by its ETag).
"""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import escape

from liveblog.config import Settings
from liveblog.web.urls import base_url

DEFAULT_WIDTH = 600
"""The oEmbed ``width`` when the consumer sets no ``maxwidth`` below it (CSS makes the iframe
as wide as its column; this is what the attribute says)."""
DEFAULT_HEIGHT = 800
"""The iframe's height until the embed reports its own."""
RESIZER = "/static/embed-resizer.js"
OEMBED_PATH = "/oembed"


def embed_path(slug: str) -> str:
    return f"/live/{slug}/embed"


def snippet(
    base: str, slug: str, title: str, *, width: int | None = None, height: int = DEFAULT_HEIGHT
) -> str:
    """The ``<iframe>`` and ``<script>`` that embed the blog ``slug``; ``base``: the site's
    absolute URL without a trailing slash. ``width``: pixels, else the column's full width."""
    src = escape(base + embed_path(slug))
    size = f' width="{width}"' if width else ""
    style = f"border:0;width:100%;max-width:{width}px" if width else "border:0;width:100%"
    return (
        f'<iframe src="{src}" title="{escape(title)}"{size} height="{height}" '
        f'style="{style}" loading="lazy" data-liveblog-embed></iframe>\n'
        f'<script src="{escape(base + RESIZER)}" async></script>'
    )


def discovery_href(settings: Settings, path: str) -> str:
    """The oEmbed URL of the reader page at ``path`` (absolute, for ``<link>`` in a cached page:
    from ``LIVEBLOG_PUBLIC_URL``, else the listen address, never a request's ``Host``)."""
    base = base_url(settings, None)
    return f"{base}{OEMBED_PATH}?url={quote(base + path, safe='')}&format=json"
