"""Cross-site request forgery checks for requests that a session cookie authenticates.

A state-changing request (any method but GET, HEAD, OPTIONS) that carries the session cookie
must (1) come from the site's own origin: its ``Origin`` header (else its ``Referer``) names the
origin of ``LIVEBLOG_PUBLIC_URL`` or, without it, the origin the request was sent to; and (2)
carry the session's CSRF token, in the form field ``csrf_token`` or the header ``X-CSRF-Token``.
Requests authenticated by a bearer token send no cookie and need neither: a browser never adds
a bearer token by itself. Django's ``CsrfViewMiddleware`` is the model.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from liveblog.config import Settings
from liveblog.domain.errors import Forbidden
from liveblog.web.urls import base_url

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER = "x-csrf-token"
FIELD = "csrf_token"


class CsrfFailed(Forbidden):
    """The request could have been forged by another site (403)."""


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


def check_origin(request: HTTPConnection, settings: Settings) -> None:
    """Raise unless the request says it comes from this site's origin."""
    own = _origin(base_url(settings, request))
    sent = request.headers.get("origin")
    if sent is None or sent == "null":
        referer = request.headers.get("referer")
        if referer is None:
            raise CsrfFailed("the request names no Origin; send it from the desk's own pages")
        sent = referer
    if _origin(sent) != own:
        raise CsrfFailed("the request comes from another site (its Origin is not this site's)")


def check_token(expected: str, sent: str | None) -> None:
    """Raise unless ``sent`` is the session's CSRF token (compared in constant time)."""
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(
            "the form is out of date or was not sent from the desk: reload the page and try again"
        )


def check(request: HTTPConnection, settings: Settings, expected: str, sent: str | None) -> None:
    """Both checks for a state-changing request; ``sent`` is the token the request carried
    (header or form field: the caller reads the form if there is one)."""
    check_origin(request, settings)
    check_token(expected, sent)
