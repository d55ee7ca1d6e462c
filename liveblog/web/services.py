"""What request handlers need, built once per app and kept on ``app.state.services``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.storage.database import Database

if TYPE_CHECKING:
    from liveblog.web.live import Live
    from liveblog.web.page_cache import PageCache


@dataclass
class Services:
    settings: Settings
    db: Database
    actions: Actions
    pages: PageCache
    live: Live


def services(request: HTTPConnection) -> Services:
    """FastAPI dependency: the app's services."""
    found = request.app.state.services
    assert isinstance(found, Services)
    return found
