"""Security headers on every response.

Cached pages and poll answers carry them in their prebuilt headers
(:meth:`liveblog.web.page_cache.CachedPage.build`), so the fast path adds nothing per request.
Every other response passes :class:`SecurityHeaders`, the outermost layer of the application
(outside Starlette's error middleware, so 500 pages get them too), which adds what is missing
to ``http.response.start``:

* ``X-Content-Type-Options: nosniff`` on every response;
* on HTML, ``Content-Security-Policy`` (:data:`CONTENT_SECURITY_POLICY`, which
  :func:`with_images_from` widens for a logo on another host, ``LIVEBLOG_SITE_LOGO``; or the
  page's own, e.g. the API docs' with the hash of their inline script, or a blog's embed, which
  the blog's ``embed_origins`` may frame: :func:`framed_by`) and ``Referrer-Policy``.

A reader page that shows an embed placeholder of another site's post or video may also frame
what a reader chose to load (:func:`framing_embeds`: ``frame-src``, exactly
:data:`liveblog.domain.embeds.FRAME_ORIGINS`); every other page frames nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveblog.domain.embeds import FRAME_ORIGINS
from liveblog.figures import EMBED_START

_OWN_RESOURCES = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'"
CONTENT_SECURITY_POLICY = f"{_OWN_RESOURCES}; frame-ancestors 'self'"
"""Pages load nothing from other hosts and may be framed only by the site itself."""
EMBED_FRAMES = "frame-src " + " ".join(FRAME_ORIGINS)
"""What a page with embeds of other sites' posts and videos may frame (embeds.js loads them
after a reader's click): their providers' origins, nothing else."""
_EMBED_PLACEHOLDER = EMBED_START.encode()


def framed_by(sources: str) -> str:
    """The policy of a page that the pages of ``sources`` (``frame-ancestors`` sources, e.g.
    ``https://partner.example`` or ``'none'``) may frame, and nothing else: a blog's embed."""
    return f"{_OWN_RESOURCES}; frame-ancestors {sources}"


def framing_embeds(headers: list[tuple[str, str]], html: bytes) -> list[tuple[str, str]]:
    """``headers`` of the page ``html``, its ``Content-Security-Policy`` with
    :data:`EMBED_FRAMES` when the page shows an embed placeholder (as is otherwise). Pages
    without one stay as strict as the rest, and their first view as small: the list is long.
    (A page's template includes embeds.js under the same condition; an embed that arrives later
    through live updates reloads the page at the reader's click.)"""
    if _EMBED_PLACEHOLDER not in html:
        return headers
    return [
        (name, f"{value}; {EMBED_FRAMES}" if name.lower() == "content-security-policy" else value)
        for name, value in headers
    ]


def with_images_from(*origins: str) -> str:
    """:data:`CONTENT_SECURITY_POLICY`, also allowing images from ``origins`` (the site's logo
    on another host, ``LIVEBLOG_SITE_LOGO``; photos on a CDN, ``LIVEBLOG_MEDIA_URL``) and from
    nowhere else; empty ones are left out, and with none the policy is as it is."""
    wanted = " ".join(dict.fromkeys(origin for origin in origins if origin))
    if not wanted:
        return CONTENT_SECURITY_POLICY
    return f"{CONTENT_SECURITY_POLICY}; img-src 'self' {wanted}"


REFERRER_POLICY = "strict-origin-when-cross-origin"
"""Links to other sites tell them the site, never the page (nor its query)."""


def page_headers(policy: str = CONTENT_SECURITY_POLICY) -> tuple[tuple[str, str], ...]:
    """What pages carry, with ``policy`` as their ``Content-Security-Policy``."""
    return (
        ("Content-Security-Policy", policy),
        ("Referrer-Policy", REFERRER_POLICY),
        ("X-Content-Type-Options", "nosniff"),
    )


PAGE_HEADERS = page_headers()
"""What cached pages carry (built once per page)."""


def _raw_html_headers(policy: str) -> tuple[tuple[bytes, bytes], ...]:
    raw = tuple((k.lower().encode(), v.encode()) for k, v in page_headers(policy))
    return tuple(h for h in raw if h[0] != b"x-content-type-options")


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_HTML_HEADERS = _raw_html_headers(CONTENT_SECURITY_POLICY)
"""The headers of :data:`PAGE_HEADERS` as ASGI bytes: nosniff for every response, the rest for
HTML."""
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def with_inline_scripts(html: str, policy: str = CONTENT_SECURITY_POLICY) -> str:
    """``policy`` allowing exactly the inline ``<script>`` elements of ``html`` (by their
    SHA-256), for a page whose HTML never changes, such as the API docs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return f"{policy}; script-src 'self' {hashes}".rstrip()


def add_missing(
    headers: list[tuple[bytes, bytes]],
    html_headers: tuple[tuple[bytes, bytes], ...] = _HTML_HEADERS,
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus the security headers it lacks (a new list; the given one is kept);
    ``html_headers``: those of HTML responses."""
    names = {name.lower() for name, _ in headers}
    added = [] if _NOSNIFF[0] in names else [_NOSNIFF]
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if content_type.lower().startswith(b"text/html"):
        added.extend(h for h in html_headers if h[0] not in names)
    return [*headers, *added] if added else headers


class SecurityHeaders:
    """Pure ASGI: adds the missing security headers to each HTTP response's start."""

    def __init__(self, app: ASGIApp, policy: str = CONTENT_SECURITY_POLICY) -> None:
        self.app = app
        self.html_headers = _raw_html_headers(policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                message = {**message, "headers": add_missing(headers, self.html_headers)}
            await send(message)

        await self.app(scope, receive, secured)
