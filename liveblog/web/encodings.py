"""Content codings of cached answers: which one a request accepts, and compressing a body once.

The page cache (:mod:`liveblog.web.page_cache`) keeps a Brotli and a gzip version of every
cached page, feed and poll answer next to the plain bytes, each made once per version of the
page, and serves the one the request's ``Accept-Encoding`` prefers (:func:`preferred`); the
static files (:mod:`liveblog.web.static_files`) do the same per file version.
"""

from __future__ import annotations

import gzip
from typing import Literal

import brotli

Coding = Literal["br", "gzip", "identity"]

MIN_SIZE = 1024
"""Bodies smaller than this are sent as they are: the coding's overhead eats the gain."""

COMPRESSIBLE = ("text/", "application/json", "application/problem+json", "image/svg+xml")
"""Content types worth compressing (``application/*+xml`` and ``*+json`` types too)."""

ANSWER_QUALITY = 6
"""Brotli quality of API and poll answers, which have many versions (one per ``after`` a client
polls from): ~1 ms for 40 KB."""
PAGE_QUALITY = 10
"""Brotli quality of pages and feeds, one version per blog version: ~13 ms for a 40 KB page in
the rendering thread, 8 % smaller than quality 6 (quality 11 takes 20 times longer for 2 %)."""
_GZIP_LEVEL = 6

_known: dict[str, Coding] = {}
_KNOWN_MAX = 256


def preferred(accept_encoding: str | None) -> Coding:
    """The coding to send for an ``Accept-Encoding`` value (RFC 9110 section 12.5.3): Brotli if
    it is accepted, else gzip, else the plain bytes. A coding with ``q=0`` is refused; ``*``
    stands for every coding not named."""
    if not accept_encoding:
        return "identity"
    known = _known.get(accept_encoding)
    if known is not None:
        return known
    coding = _parse(accept_encoding)
    if len(_known) < _KNOWN_MAX:  # a handful of distinct values in practice; never unbounded
        _known[accept_encoding] = coding
    return coding


def _parse(accept_encoding: str) -> Coding:
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        weights["gzip" if name == "x-gzip" else name] = weight
    anything = weights.get("*", 0.0)
    for coding in ("br", "gzip"):
        if weights.get(coding, anything) > 0:
            return "br" if coding == "br" else "gzip"
    return "identity"


def compressible(content_type: str, size: int) -> bool:
    """Whether a body of this type and size is worth keeping compressed."""
    if size < MIN_SIZE:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(COMPRESSIBLE) or kind.endswith(("+xml", "+json"))


def compress(body: bytes, coding: Coding, *, quality: int = ANSWER_QUALITY) -> bytes:
    """``body`` in ``coding``; ``quality``: Brotli's (11, the smallest output, for static files
    prepared once per release)."""
    if coding == "br":
        compressed: bytes = brotli.compress(body, quality=quality)
        return compressed
    if coding == "gzip":
        # mtime=0: the same bytes for the same body, in every process (stable ETags and sizes).
        return gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0)
    return body
