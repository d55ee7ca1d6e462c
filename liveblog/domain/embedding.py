"""Who may frame a blog's embed: the origins in its ``embed_origins`` setting.

The embed (``/live/{slug}/embed``) is the one page of the site that other sites may show in an
``<iframe>``, and only those the blog's owner lists: the page says so in its
``Content-Security-Policy: frame-ancestors`` (:func:`frame_ancestors`), and its script sends the
page's height only to a parent whose origin is listed.

An origin is a scheme (``https`` or ``http``), a host (a DNS name, an IPv4 address or an IPv6
address in brackets) and an optional port, nothing more: no path (a lone trailing ``/`` is
dropped), no query, no user name, no wildcard (``*`` would let every site frame the embed and
read its height). Origins are kept as browsers serialise them: scheme and host in lower case,
without the scheme's default port, so the same origin is never listed twice.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from liveblog.domain.rules import Collector

MAX_ORIGINS = 20
"""Most origins a blog may list."""
MAX_ORIGIN_LENGTH = 200

_ORIGIN = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]@\s]+)"
    r"(?::(?P<port>[0-9]{1,5}))?"
    r"/?"
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DEFAULT_PORTS = {"https": 443, "http": 80}
FIELD = "embed_origins"


def origin(text: str) -> str | None:
    """``text`` as a normalised origin, or ``None`` if it is not one (see the module
    docstring)."""
    if len(text) > MAX_ORIGIN_LENGTH:
        return None
    match = _ORIGIN.fullmatch(text.strip())
    if match is None:
        return None
    scheme = match["scheme"].lower()
    host = match["host"].lower()
    if scheme not in _DEFAULT_PORTS or not _valid_host(host):
        return None
    port = match["port"]
    if port is not None:
        number = int(port)
        if not 0 < number < 65536:
            return None
        if number != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{number}"
    return f"{scheme}://{host}"


def _valid_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    name = host.removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


def origins(errors: Collector, value: object) -> tuple[str, ...]:
    """The origins of a list of strings, normalised, each once, in the given order; every bad
    one is an error of the field ``embed_origins`` naming it."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.add(FIELD, "must be a list of origins such as https://www.example.org")
        return ()
    found: list[str] = []
    for given in value:
        if "*" in given:
            errors.add(FIELD, f"must list each origin; a wildcard is not allowed (got {given!r})")
            continue
        clean = origin(given)
        if clean is None:
            errors.add(
                FIELD,
                "must be origins such as https://www.example.org: https or http, a host and "
                f"an optional port, no path (got {given[:MAX_ORIGIN_LENGTH]!r})",
            )
        elif clean not in found:
            found.append(clean)
    if len(found) > MAX_ORIGINS:
        errors.add(FIELD, f"must name at most {MAX_ORIGINS} origins (got {len(found)})")
    return tuple(found)


def frame_ancestors(allowed: Iterable[str]) -> str:
    """The ``frame-ancestors`` sources of an embed: exactly the listed origins, ``'none'``
    when there are none."""
    return " ".join(allowed) or "'none'"


def allows(allowed: Iterable[str], candidate: str) -> bool:
    """Whether a page of origin ``candidate`` (as a browser names it) may frame the embed."""
    clean = origin(candidate)
    return clean is not None and clean in tuple(allowed)
