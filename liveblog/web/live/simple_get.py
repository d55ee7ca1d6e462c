"""Recognising the commonest request there is, a plain ``GET`` of a page, without the parser.

:class:`liveblog.web.live.protocol.LiveHttpToolsProtocol` answers fresh page-cache hits from the
bytes of a request as they arrive when those bytes are exactly one request head of the plainest
form (:func:`simple_get`), skipping the HTTP parser's per-request callbacks, uvicorn's scope and
request objects and the ASGI app. Everything else, including every request this module is not
sure about, goes to the parser as usual: the answer is the same either way, only its cost
differs. So the rules here are strict, never lenient:

* one ``GET`` or ``HEAD`` request line in HTTP/1.1 whose target is an origin-form path (and
  query) of plain characters: no ``%`` escapes, no fragment, no spaces;
* header lines of token names and visible values, the head ending exactly where the bytes end
  (nothing pipelined behind it, nothing missing);
* no header that gives the request a body (``Content-Length``, ``Transfer-Encoding``), asks for
  an interim answer (``Expect``), a protocol change (``Upgrade``) or anything but keep-alive
  (``Connection``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_HEAD = re.compile(
    rb"(GET|HEAD) (/[A-Za-z0-9._~/?=&;:@!$'()*+,-]*) HTTP/1\.1\r\n"
    rb"((?:[!#$&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*\r\n)*)\r\n"
)
_HEADER = re.compile(rb"([^:]+):[\t ]*([^\r]*)\r\n")
_BODY_OR_CHANGE = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))


class SimpleGet(NamedTuple):
    method: str
    path: str
    query: bytes
    if_none_match: str | None
    accept_encoding: str | None


def simple_get(data: bytes) -> SimpleGet | None:
    """The request ``data`` holds if it is exactly one plain ``GET``/``HEAD`` head (see the
    module docstring), else ``None``."""
    match = _HEAD.fullmatch(data)
    if match is None:
        return None
    if_none_match: list[bytes] = []
    accept_encoding: list[bytes] = []
    for header in _HEADER.finditer(match.group(3)):
        name = header.group(1).lower()
        if name == b"if-none-match":
            if_none_match.append(header.group(2))
        elif name == b"accept-encoding":
            accept_encoding.append(header.group(2))
        elif name in _BODY_OR_CHANGE or (
            name == b"connection" and header.group(2).lower() != b"keep-alive"
        ):
            return None
    target = match.group(2)
    path, _, query = target.partition(b"?")
    return SimpleGet(
        match.group(1).decode("ascii"),
        path.decode("ascii"),
        query,
        _joined(if_none_match),
        _joined(accept_encoding),
    )


def _joined(values: list[bytes]) -> str | None:
    """A header's lines as one value, as :func:`~liveblog.web.cached_page.request_header`
    reads them from an ASGI scope."""
    return b", ".join(values).decode("latin-1") if values else None
