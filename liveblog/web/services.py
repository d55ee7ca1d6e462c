"""What request handlers need, built once per app and kept on ``app.state.services``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.pagination import cursor_key
from liveblog.storage.database import Database
from liveblog.storage.site import site_secret
from liveblog.web.token_cache import TokenCache

if TYPE_CHECKING:
    from liveblog.web.desk.feed import DeskFeeds
    from liveblog.web.live.delivery import Live
    from liveblog.web.login_throttle import LoginThrottle
    from liveblog.web.page_cache import PageCache


@dataclass
class Services:
    settings: Settings
    db: Database
    actions: Actions
    pages: PageCache
    live: Live
    tokens: TokenCache
    throttle: LoginThrottle
    desk: DeskFeeds
    """The desk streams' feeds (``liveblog.web.desk.feed``)."""

    @cached_property
    def cursor_key(self) -> bytes:
        """Signs pagination cursors (read from the database once, on first use)."""
        return cursor_key(site_secret(self.db, self.settings.secret_key))


async def services(request: HTTPConnection) -> Services:
    """FastAPI dependency: the app's services (async: FastAPI runs it without a thread hop)."""
    return services_of(request)


def services_of(request: HTTPConnection) -> Services:
    """The app's services, for code that is not a dependency."""
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]
"""A handler parameter that receives the app's services: ``services: ServicesDep``."""
