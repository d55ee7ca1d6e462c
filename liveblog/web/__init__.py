"""HTTP: the app factory, reader pages, JSON API, live streams, health checks.

Nothing is imported eagerly: importing ``liveblog.web.server`` (or any other module here) must
not pull in the application, the live protocol and httptools. ``create_app`` is imported from
:mod:`liveblog.web.app` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liveblog.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from liveblog.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
