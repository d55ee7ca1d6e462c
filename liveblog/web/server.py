"""How liveblog runs under uvicorn: uvloop and httptools where installed, with the protocol that
hands event streams to the live hub (see :mod:`liveblog.web.live_protocol`)."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import uvicorn
from fastapi import FastAPI


def fastest_available() -> tuple[str, str | type[asyncio.Protocol]]:
    """uvloop and httptools where they are installed, else asyncio and h11.

    With httptools, the protocol is liveblog's subclass of uvicorn's, which hands event-stream
    connections to the live hub instead of keeping an ASGI task per reader.
    """
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if importlib.util.find_spec("httptools") is None:
        return loop, "h11"
    from liveblog.web.live_protocol import LiveHttpToolsProtocol  # imports httptools

    return loop, LiveHttpToolsProtocol


def uvicorn_config(app: FastAPI, **options: Any) -> uvicorn.Config:
    loop, http = fastest_available()
    defaults: dict[str, Any] = {
        "loop": loop,
        "http": http,
        "lifespan": "on",
        "server_header": False,
        # Live readers hold connections open; do not wait for them forever on shutdown.
        "timeout_graceful_shutdown": 5,
    }
    return uvicorn.Config(app, **{**defaults, **options})
