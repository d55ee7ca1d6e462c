"""The application factory: wires settings, database, actions and routers together."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from liveblog import __version__
from liveblog.actions import Actions, Clock, utc_now
from liveblog.config import Settings
from liveblog.pubsub import broker_from_url
from liveblog.pubsub.hub import ProcessHub
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.web import api, brand_routes, desk, errors, health, media_files
from liveblog.web.api import fast_post
from liveblog.web.api.cached_reads import CachedEntryReads
from liveblog.web.brand import brand_of
from liveblog.web.cached_page import page_policy
from liveblog.web.desk.feed import DeskFeeds
from liveblog.web.desk.stream import DESK_STREAM_PATH
from liveblog.web.head import HeadAsGet
from liveblog.web.limits import FormLimits, RequestLimits
from liveblog.web.live import polling, route
from liveblog.web.live.delivery import STATE_KEY, STREAM_PATH, Live
from liveblog.web.live.frames import LogFrames
from liveblog.web.login_throttle import LoginThrottle
from liveblog.web.outputs import routes as outputs
from liveblog.web.outputs.websub import HubNotifier
from liveblog.web.page_cache import PageCache
from liveblog.web.reader import embed, oembed
from liveblog.web.reader.fast_path import FAST_PATH_KEY, ReaderFastPath, key_for
from liveblog.web.reader.routes import router as reader_router
from liveblog.web.scheduler import Scheduler
from liveblog.web.security_headers import (
    CONTENT_SECURITY_POLICY,
    SecurityHeaders,
    with_inline_scripts,
)
from liveblog.web.services import Services
from liveblog.web.static_files import STATIC, VersionedStaticFiles
from liveblog.web.token_cache import TokenCache

_DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """
The liveblog JSON API. Reads are public; writes need `Authorization: Bearer <token>`
(create one with `liveblog token create EMAIL`). Errors are RFC 9457 problem details.
Entries carry an `ETag`; `PATCH` and `DELETE` need it in `If-Match`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock = utc_now,
    migrate: bool = True,
) -> FastAPI:
    settings = settings or Settings.from_env()
    brand_of(settings)  # a brand setting the pages cannot use stops here
    db = db or Database(settings.database_url)
    if migrate:
        upgrade(db)
    actions = Actions(db, clock=clock, media_url=settings.media_url)
    pages = PageCache(settings, db)
    actions.on_commit(pages.invalidate)
    tokens = TokenCache(settings.token_cache_seconds)
    throttle = LoginThrottle(settings)
    live = _live(settings, db)
    live.on_access_changed = tokens.clear
    actions.on_commit(live.notify, prepare=live.prepare)
    desk_feeds = DeskFeeds(settings, actions)
    actions.on_commit(desk_feeds.committed)

    def access_revoked() -> None:
        # This process forgets remembered tokens at once; the others when the broker tells them.
        tokens.clear()
        live.access_revoked()

    actions.on_access_revoked(access_revoked)

    scheduler = Scheduler(actions, settings.scheduler_seconds)
    websub = HubNotifier(settings) if settings.websub_hub else None
    if websub is not None:
        actions.on_commit(websub.committed)

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[dict[str, Any]]:
        await live.start()
        scheduler.start()
        if websub is not None:
            websub.start()
        try:
            # The state lets LiveHttpToolsProtocol hand event streams straight to the hub and
            # answer cache hits itself.
            yield {STATE_KEY: live, FAST_PATH_KEY: getattr(started, "fast_path", None)}
        finally:
            await scheduler.stop()
            if websub is not None:
                await run_in_threadpool(websub.stop)
            await desk_feeds.stop()
            await live.stop()

    app = _LiveblogApp(
        title="liveblog",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Starlette's redirect takes its Location from the Host header; errors.py redirects
        # with a relative one instead.
        redirect_slashes=False,
    )
    app.state.services = Services(
        settings=settings,
        db=db,
        actions=actions,
        pages=pages,
        live=live,
        tokens=tokens,
        throttle=throttle,
        desk=desk_feeds,
    )
    app.state.websub = websub
    services = app.state.services
    reader_key = partial(key_for, cursor_key=lambda: services.cursor_key)
    output_key = outputs.output_keys(settings, clock)
    app.page_policy = page_policy(settings)
    app.fast_path = ReaderFastPath(pages, keys=(reader_key, polling.poll_key_for, output_key))
    app.entry_reads = CachedEntryReads(services)
    errors.install(app)
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_request_bytes,
        upload_bytes=settings.media_max_bytes,
    )
    app.add_middleware(FormLimits, max_bytes=settings.max_request_bytes)
    app.include_router(health.router)
    app.include_router(brand_routes.router)
    app.include_router(media_files.router)
    app.include_router(route.router)
    app.include_router(reader_router)
    app.include_router(embed.router)
    app.include_router(oembed.router)
    app.include_router(outputs.router)
    app.include_router(api.router)
    fast_post.install(app)
    desk.install(app)
    app.mount("/static", VersionedStaticFiles(directory=STATIC), name="static")
    app.mount("/api/v1/docs-assets", StaticFiles(directory=_DOCS_ASSETS), name="docs-assets")

    docs = _api_docs()

    @app.get("/api/v1/docs", include_in_schema=False)
    async def api_docs() -> Response:
        """Interactive API documentation, served without any CDN."""
        return Response(docs.body, media_type="text/html", headers=docs.headers)

    return app


@dataclass(frozen=True)
class _Docs:
    body: bytes
    headers: dict[str, str]


def _api_docs() -> _Docs:
    """Swagger UI's page, built once, with a policy that allows its one inline script (by
    hash) and the images its stylesheet embeds as data: URLs, and nothing else."""
    page = get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="liveblog API",
        swagger_js_url="/api/v1/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/api/v1/docs-assets/swagger-ui.css",
        swagger_favicon_url="/api/v1/docs-assets/favicon.png",
    )
    html = bytes(page.body).decode()
    policy = with_inline_scripts(html, f"{CONTENT_SECURITY_POLICY}; img-src 'self' data:")
    return _Docs(html.encode(), {"Content-Security-Policy": policy})


class _LiveblogApp(FastAPI):
    page_policy: str
    """The pages' ``Content-Security-Policy`` (images from the logo's host too, when it has one)."""
    fast_path: ReaderFastPath
    entry_reads: CachedEntryReads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Fresh cached reader pages, and cached API entry reads once the blog's version is
        checked (:class:`CachedEntryReads`), are answered in front of everything else
        (FastAPI's own per-request work, error handling and middleware included; see
        :class:`ReaderFastPath`): a cache hit cannot fail, and every layer skipped is time per
        request on the busiest paths."""
        if await self.fast_path.answer(scope, receive, send):
            return
        if await self.entry_reads.answer(scope, receive, send):
            return
        await super().__call__(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack (error handling, middleware, router) inside two layers of ours:
        security headers on every response, 500 pages included, and ``HEAD`` as ``GET``."""
        inner = HeadAsGet(super().build_middleware_stack(), except_paths=_EVENT_STREAMS)
        return SecurityHeaders(inner, self.page_policy)


_EVENT_STREAMS = re.compile(f"{STREAM_PATH.pattern}|{DESK_STREAM_PATH.pattern}")
"""The paths of event streams: the public one of a blog, and its desk stream."""


def _live(settings: Settings, db: Database) -> Live:
    frames = LogFrames(db)
    hub = ProcessHub(
        frames,
        ring_size=settings.live_ring_size,
        max_replay=settings.live_max_replay,
        heartbeat_range=(settings.live_heartbeat_seconds, 2 * settings.live_heartbeat_seconds),
        catch_up_seconds=settings.live_catch_up_seconds,
        ending_of=frames.ending,
    )
    return Live(db, broker_from_url(settings.broker_url), frames, hub)
