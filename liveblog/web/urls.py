"""Absolute URLs of the site: the one place that decides their scheme, host and port.

Links inside pages and the API's ``Location`` headers stay relative (they work behind any proxy
and on any host name). What leaves the site needs absolute URLs (the ``liveblog demo`` banner
now; feeds and e-mails later): :func:`absolute_url` builds them from ``LIVEBLOG_PUBLIC_URL``
when it is set, so a site behind a proxy or CDN names itself as readers reach it; else from the
request being answered; else (no request: the command line) from the address ``liveblog serve``
listens on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection
    from starlette.types import Scope

    from liveblog.config import Settings

# Addresses that mean "every interface": a browser on this machine reaches them as loopback.
_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


def absolute_url(settings: Settings, request: HTTPConnection | None, path: str) -> str:
    """``path`` (empty for the site itself, else starting with ``/``) as an absolute URL."""
    if path and not path.startswith("/"):
        raise ValueError(f"not a path from the site's root: {path!r}")
    return base_url(settings, request) + path


def base_url(settings: Settings, request: HTTPConnection | None) -> str:
    """The site's own URL without a trailing slash (see the module docstring)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if request is not None:
        return str(request.base_url).rstrip("/")  # includes the root path
    host = _LOOPBACK.get(settings.host, settings.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def route_path(scope: Scope) -> str:
    """An ASGI request's path within the app: ``path`` without the ``root_path`` it is mounted
    under (what routes match against)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :]
    return path
