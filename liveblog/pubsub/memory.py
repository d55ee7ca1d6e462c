"""The ``memory://`` broker: wake-ups stay inside this process (the default, one server process).

There is no connection to lose, so ``on_reconnect`` is never called.
"""

from __future__ import annotations

import asyncio
import logging

from liveblog.pubsub.broker import ReconnectHandler, WakeUp, WakeUpHandler

log = logging.getLogger(__name__)


class MemoryBroker:
    """Deliver each published wake-up to this process's handler, on the event loop.

    :meth:`publish` only schedules the delivery (``loop.call_soon``), so the handler never runs
    inside the publisher's call stack, and wake-ups are delivered in publish order. Wake-ups
    still pending when :meth:`stop` is called are dropped.
    """

    def __init__(self) -> None:
        self._on_wake_up: WakeUpHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        if self._on_wake_up is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._on_wake_up = on_wake_up

    async def publish(self, wake_up: WakeUp) -> None:
        handler, loop = self._on_wake_up, self._loop
        if handler is None or loop is None:
            log.debug("memory broker not running; dropping %s", wake_up)
            return
        loop.call_soon(self._deliver, handler, wake_up)

    async def stop(self) -> None:
        self._on_wake_up = None
        self._loop = None

    def _deliver(self, handler: WakeUpHandler, wake_up: WakeUp) -> None:
        if handler is not self._on_wake_up:  # stopped (or restarted) since the publish
            return
        try:
            handler(wake_up)
        except Exception:
            log.exception("wake-up handler failed for %s", wake_up)
