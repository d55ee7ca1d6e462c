"""What the networked brokers (Redis, PostgreSQL) share: their timing, start, stop and publish.

A :class:`NetworkedBroker` keeps one subscription alive through a
:class:`~liveblog.pubsub.reconnecting.ReconnectingListener` and publishes on a separate
connection. A backend supplies the connection work only: subscribe, listen (with its heartbeat),
give a subscription up, open and close its publisher, and send one payload. Every timing
argument is in seconds (:class:`Timing`); the defaults suit production, tests shorten them.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, TypedDict

from liveblog.pubsub.broker import ReconnectHandler, WakeUp, WakeUpHandler
from liveblog.pubsub.reconnecting import Dispatch, Link, ReconnectingListener, error_summary


@dataclass(frozen=True)
class Timing:
    """How a networked broker paces itself.

    After ``ping_interval`` seconds without traffic the listener sends a heartbeat and gives the
    connection up if no answer comes within ``ping_timeout`` more (a silently dead link is found
    within ``ping_interval + ping_timeout`` seconds). Connecting and subscribing may take
    ``connect_timeout``, one publish ``publish_timeout``. Reconnect attempts back off
    exponentially from ``backoff_initial`` up to ``backoff_max``, with jitter.
    """

    ping_interval: float = 2.0
    ping_timeout: float = 3.0
    connect_timeout: float = 5.0
    publish_timeout: float = 2.0
    backoff_initial: float = 0.2
    backoff_max: float = 5.0


class TimingOptions(TypedDict, total=False):
    """:class:`Timing`'s fields as keyword arguments of the brokers' constructors."""

    ping_interval: float
    ping_timeout: float
    connect_timeout: float
    publish_timeout: float
    backoff_initial: float
    backoff_max: float


class NetworkedBroker(ABC, Generic[Link]):
    """A :class:`~liveblog.pubsub.broker.Broker` over a network service (see the module).

    ``service`` names the backend in log messages, which go to ``log`` (the backend's logger).
    """

    def __init__(self, *, service: str, channel: str, log: logging.Logger, timing: Timing) -> None:
        self._service = service
        self._channel = channel
        self._log = log
        self._timing = timing
        self._listener: ReconnectingListener[Link] = ReconnectingListener(
            service=service,
            channel=channel,
            log=log,
            connect=self._subscribe,
            listen=self._listen,
            close=self._close_link,
            backoff_initial=timing.backoff_initial,
            backoff_max=timing.backoff_max,
        )

    @property
    def connected(self) -> bool:
        """Whether the subscribed connection is up (for health reporting)."""
        return self._listener.connected

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        """Subscribe, then return; if the server is unreachable, log and keep trying in the
        background (``on_reconnect`` is called once the subscription is finally up)."""
        if self._listener.running:
            return
        self._open_publisher()
        try:
            await self._listener.start(on_wake_up, on_reconnect)
        except BaseException:  # cancelled while connecting: leave nothing behind
            await self.stop()
            raise

    async def publish(self, wake_up: WakeUp) -> None:
        """Send the wake-up; on any failure log a warning and return (never raises)."""
        if not self._listener.running:
            self._log.debug("%s broker not running; dropping %s", self._service, wake_up)
            return
        try:
            async with asyncio.timeout(self._timing.publish_timeout):
                await self._send(wake_up.encode())
        except Exception as exc:
            self._log.warning(
                "%s broker: could not publish %s (%s); readers catch up after reconnect",
                self._service,
                wake_up,
                error_summary(exc),
            )

    async def stop(self) -> None:
        """Stop listening, then close the publisher; idempotent, and start() may follow."""
        await self._listener.stop()
        await self._close_publisher()

    # -- what a backend supplies -----------------------------------------------------------------

    @abstractmethod
    def _open_publisher(self) -> None:
        """Prepare publishing (on start); connecting may wait for the first :meth:`_send`."""

    @abstractmethod
    async def _close_publisher(self) -> None:
        """Give the publisher up (on stop), letting a publish in flight finish; never raises."""

    @abstractmethod
    async def _send(self, payload: str) -> None:
        """Publish one payload (bounded by ``publish_timeout``); a no-op once stopped."""

    @abstractmethod
    async def _subscribe(self) -> Link:
        """Connect and subscribe; return only once the subscription is live."""

    @abstractmethod
    async def _listen(self, link: Link, dispatch: Dispatch) -> None:
        """Pass each message on and send the heartbeats until the link fails (then raise)."""

    @abstractmethod
    async def _close_link(self, link: Link) -> None:
        """Give a subscription up; errors are logged, not raised."""
