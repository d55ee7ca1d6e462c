"""The reader page's static files (stylesheet, icon, live client) under versioned URLs.

Templates link ``static_url("live.js")``, which is ``/static/live.js?v=<12 hex digits of the
file's SHA-256>``. A request that names the file's current version gets ``Cache-Control: public,
max-age=31536000, immutable``: browsers and CDNs keep it for a year, and a release that changes
the file changes its URL, so no reader runs an old live client against a new page. A request
without that version (an old page, a hand-typed URL) gets ``no-cache`` and is revalidated by its
ETag.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import rcssmin
import rjsmin
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from liveblog.web.cached_page import request_header
from liveblog.web.encodings import Coding, compress, compressible, preferred

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"

_versions: dict[str, tuple[int, int, str]] = {}
_lock = threading.Lock()


def version(name: str, directory: Path = STATIC) -> str:
    """The file's version: a hash of its bytes, read again only when its size or time changes."""
    path = directory / name
    stat = path.stat()
    key = str(path)
    with _lock:
        known = _versions.get(key)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    with _lock:
        _versions[key] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def static_url(name: str) -> str:
    return f"/static/{name}?v={version(name)}"


class VersionedStaticFiles(StaticFiles):
    """Starlette's static files, with the caching rule of this module; scripts and stylesheets
    are sent minified (comments and layout whitespace taken out: the files in the package stay
    readable), and text files Brotli- or gzip-coded to requests that accept it. Each file
    version is prepared once per process and coding."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304) and self.directory is not None:
            wanted = QueryParams(scope.get("query_string", b"")).get("v")
            current = version(path, Path(self.directory))
            response.headers["Cache-Control"] = IMMUTABLE if wanted == current else "no-cache"
            size = int(response.headers.get("content-length", "0"))
            if compressible(response.headers.get("content-type", ""), size):
                response.headers["Vary"] = "Accept-Encoding"
            if response.status_code == 200 and (
                "vary" in response.headers or path.endswith(_MINIFIED)
            ):
                return _prepared(response, Path(self.directory) / path, current, scope)
        return response


_MINIFIED = (".js", ".css")
_prepared_files: dict[tuple[str, Coding], tuple[str, bytes]] = {}
"""Per file and coding: the version last prepared and its bytes (a few entries per static file:
the directory is the package's own)."""


def _prepared(response: Response, path: Path, current: str, scope: Scope) -> Response:
    coding: Coding = "identity"
    if "vary" in response.headers:
        coding = preferred(request_header(scope, b"accept-encoding"))
    key = (str(path), coding)
    with _lock:
        known = _prepared_files.get(key)
    if known is None or known[0] != current:
        known = (current, compress(_minified(path), coding, quality=11))
        with _lock:
            _prepared_files[key] = known
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in ("content-length", "content-encoding")
    }
    if coding != "identity":
        headers["Content-Encoding"] = coding
    return Response(known[1], status_code=200, headers=headers)


def _minified(path: Path) -> bytes:
    if path.suffix == ".js":
        return str(rjsmin.jsmin(path.read_text(encoding="utf-8"))).encode()
    if path.suffix == ".css":
        return str(rcssmin.cssmin(path.read_text(encoding="utf-8"))).encode()
    return path.read_bytes()
