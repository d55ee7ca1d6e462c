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

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

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
    """Starlette's static files, with the caching rule of this module."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304) and self.directory is not None:
            wanted = QueryParams(scope.get("query_string", b"")).get("v")
            current = version(path, Path(self.directory))
            response.headers["Cache-Control"] = IMMUTABLE if wanted == current else "no-cache"
        return response
