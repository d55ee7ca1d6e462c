"""A cached answer ready to send (:class:`CachedPage`): the bytes, the ETag and the headers of the
200 and the 304 answer, built once, and the page's compressed versions (:class:`Variant`).

A page worth compressing (:func:`liveblog.web.encodings.compressible`: a 200 of a text type of
1 KB or more) is sent Brotli- or gzip-coded to requests that accept it, plain to the rest, always
with ``Vary: Accept-Encoding``. Each coded version is made the first time a request wants it and
kept with the page, so a page version is compressed at most once per coding, never per request.
All versions share the page's ETag: they are one entity (clients that send it in ``If-Match``,
like the desk, would otherwise fail on the coding they happened to get).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from liveblog.config import Settings
from liveblog.web.brand import brand_of
from liveblog.web.encodings import (
    ANSWER_QUALITY,
    PAGE_QUALITY,
    Coding,
    compress,
    compressible,
    preferred,
)
from liveblog.web.reader.models import Rendered
from liveblog.web.security_headers import framing_embeds, page_headers, with_images_from

RawHeaders = list[tuple[bytes, bytes]]
Headers = tuple[tuple[bytes, bytes], ...]
VARY = (b"vary", b"Accept-Encoding")


class PrebuiltResponse(Response):
    """A response whose bytes and headers were built before the request came."""

    def __init__(self, status_code: int, body: bytes, raw_headers: RawHeaders) -> None:
        # Response.__init__ would encode the headers again on every request: skip it.
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = raw_headers


def _raw(headers: Iterable[tuple[str, str]]) -> Headers:
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


def header_lines(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Headers as the lines of an HTTP/1.1 head, as uvicorn writes them."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)


def request_header(scope: Scope, name: bytes) -> str | None:
    """The value of a request header in an ASGI scope (several lines joined by commas, as
    RFC 9110 allows for list headers such as ``If-None-Match`` and ``Accept-Encoding``), or
    ``None``. ``name`` is lower-case, as ASGI servers give header names."""
    values = [value for key, value in scope["headers"] if key == name]
    return b", ".join(values).decode("latin-1") if values else None


@dataclass(frozen=True, eq=False)
class Variant:
    """One coding of a page's 200 answer: its body and headers."""

    coding: Coding
    body: bytes
    headers: Headers

    @cached_property
    def header_lines(self) -> bytes:
        """The header lines as uvicorn writes them (for :mod:`liveblog.web.live.protocol`, which
        writes cached answers to the socket itself)."""
        return header_lines(self.headers)


def page_policy(settings: Settings) -> str:
    """The pages' ``Content-Security-Policy``: images from the logo's host and the photos' host
    too, when either is another site."""
    return with_images_from(brand_of(settings).image_origin, origin_of(settings.media_url))


def origin_of(url: str) -> str:
    """``https://cdn.example`` of ``https://cdn.example/photos``; empty for a path."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


@dataclass(frozen=True, eq=False)
class CachedPage:
    """A page ready to send: bytes, ETag and both header sets (200 and 304) built once, and its
    compressed versions when it is worth compressing (``compressible``)."""

    status: int
    body: bytes
    etag: str | None
    version: int | None
    headers: tuple[tuple[bytes, bytes], ...]
    not_modified_headers: tuple[tuple[bytes, bytes], ...]
    compressible: bool = False
    brotli_quality: int = ANSWER_QUALITY

    @classmethod
    def build(cls, rendered: Rendered, settings: Settings) -> CachedPage:
        body = rendered.html.encode()
        common = page_headers(page_policy(settings))
        if rendered.status != 200:
            # Errors are not stored by browsers or CDNs: the entry may appear a second later.
            headers = [
                ("Content-Type", rendered.content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-cache"),
                *common,
            ]
            return cls(rendered.status, body, None, rendered.version, _raw(headers), ())
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        cache_control = rendered.cache_control or (
            f"public, max-age={settings.page_max_age}, "
            f"stale-while-revalidate={settings.page_stale_while_revalidate}"
        )
        validators = [("ETag", etag), ("Cache-Control", cache_control)]
        # A page's own header replaces the common one of that name (the embed's policy).
        own = {name.lower() for name, _ in rendered.headers}
        headers = framing_embeds(
            [
                ("Content-Type", rendered.content_type),
                ("Content-Length", str(len(body))),
                *validators,
                *rendered.headers,
                *(h for h in common if h[0].lower() not in own),
            ],
            body,
        )
        page = cls._ok(body, etag, rendered.version, headers, validators, rendered.content_type)
        return replace(page, brotli_quality=PAGE_QUALITY)

    @classmethod
    def json(
        cls,
        status: int,
        body: bytes,
        version: int | None,
        *,
        etag: str | None = None,
        cache_control: str | None = None,
    ) -> CachedPage:
        """An API answer as the routes' ``JSONResponse`` would send it (the security headers
        included). ``etag``: the entity tag, by default a hash of the body (200 only);
        ``cache_control``: sent on 200 and 304 when given. Other statuses keep their body for
        the route to turn into its problem, and are never sent from here."""
        if status != 200:
            return cls(status, body, None, version, (), ())
        tag = etag or '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        validators = [("ETag", tag)]
        if cache_control is not None:
            validators.append(("Cache-Control", cache_control))
        headers = [
            ("Content-Length", str(len(body))),
            ("Content-Type", "application/json"),
            *validators,
            ("X-Content-Type-Options", "nosniff"),
        ]
        return cls._ok(body, tag, version, headers, validators, "application/json")

    @classmethod
    def _ok(
        cls,
        body: bytes,
        etag: str,
        version: int | None,
        headers: list[tuple[str, str]],
        validators: list[tuple[str, str]],
        content_type: str,
    ) -> CachedPage:
        coded = compressible(content_type, len(body))
        vary = [("Vary", "Accept-Encoding")] if coded else []
        return cls(200, body, etag, version, _raw(headers + vary), _raw(validators + vary), coded)

    def matches(self, if_none_match: str | None) -> bool:
        """``If-None-Match`` names this page (weak comparison, as RFC 9110 asks for GET)."""
        if self.etag is None or not if_none_match:
            return False
        if if_none_match == self.etag:
            return True
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*" or tag.removeprefix("W/") == self.etag:
                return True
        return False

    def variant(self, accept_encoding: str | None) -> Variant:
        """The version of the 200 answer to send to a request with this ``Accept-Encoding``."""
        if not self.compressible:
            return self.plain
        coding = preferred(accept_encoding)
        if coding == "br":
            return self.brotli
        if coding == "gzip":
            return self.gzip
        return self.plain

    def warm(self) -> None:
        """Make the compressed versions now (a render does, in its worker thread)."""
        if self.compressible:
            _ = self.brotli, self.gzip

    @property
    def size_in_bytes(self) -> int:
        """What the page takes in memory: bodies (compressed versions made so far included)
        and headers."""
        made = [self.__dict__.get(name) for name in ("brotli", "gzip")]
        coded = sum(len(variant.body) for variant in made if isinstance(variant, Variant))
        return len(self.body) + coded + sum(len(k) + len(v) for k, v in self.headers)

    @cached_property
    def plain(self) -> Variant:
        return Variant("identity", self.body, self.headers)

    @cached_property
    def brotli(self) -> Variant:
        return self._coded("br")

    @cached_property
    def gzip(self) -> Variant:
        return self._coded("gzip")

    def _coded(self, coding: Coding) -> Variant:
        body = compress(self.body, coding, quality=self.brotli_quality)
        headers: list[tuple[bytes, bytes]] = []
        for name, value in self.headers:
            if name == b"content-length":
                headers.append((name, str(len(body)).encode()))
                headers.append((b"content-encoding", coding.encode()))
            else:
                headers.append((name, value))
        return Variant(coding, body, tuple(headers))

    @cached_property
    def not_modified_lines(self) -> bytes:
        """The 304 answer's header lines, as :attr:`Variant.header_lines`."""
        return header_lines(self.not_modified_headers)

    def response(self, if_none_match: str | None = None) -> Response:
        if self.matches(if_none_match):
            return PrebuiltResponse(304, b"", list(self.not_modified_headers))
        if self.compressible:
            return _Negotiated(self)
        return PrebuiltResponse(self.status, self.body, list(self.headers))


class _Negotiated(PrebuiltResponse):
    """The 200 answer of a compressible page, in the coding the request accepts (read from the
    ASGI scope when it is sent; the attributes describe the plain version)."""

    def __init__(self, page: CachedPage) -> None:
        super().__init__(page.status, page.body, list(page.headers))
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        variant = self.page.variant(request_header(scope, b"accept-encoding"))
        await send({"type": "http.response.start", "status": 200, "headers": list(variant.headers)})
        await send({"type": "http.response.body", "body": variant.body})
