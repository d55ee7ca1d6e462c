"""The ``redis://`` broker: Redis pub/sub on one channel, shared by every server process.

A :class:`~liveblog.pubsub.reconnecting.ReconnectingListener` holds a subscriber connection and
dispatches each message to the wake-up handler. It finds a lost link either by a read error
(server restart, ``CLIENT KILL``) or by the heartbeat: after ``ping_interval`` seconds without
any traffic it sends ``PING`` and gives up on the connection if nothing arrives within
``ping_timeout`` more (a silently dead link is found within ``ping_interval + ping_timeout``
seconds, 5 by default). It then reconnects with capped exponential backoff and jitter,
subscribes again and calls ``on_reconnect`` so the hub catches up on whatever was published
meanwhile.

redis-py's own retries are disabled on the subscriber connection: they would reconnect and
resubscribe behind our back, and the messages lost in between would go unnoticed.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from liveblog.pubsub.broker import CHANNEL, ReconnectHandler, WakeUp, WakeUpHandler
from liveblog.pubsub.reconnecting import Dispatch, ReconnectingListener, describe

log = logging.getLogger(__name__)


class RedisBroker:
    """Wake-ups over Redis ``PUBLISH``/``SUBSCRIBE`` on ``channel``.

    ``client_name`` names the connections (``CLIENT LIST`` shows ``<client_name>-listen`` and
    ``<client_name>-publish``). The timing arguments are in seconds; the defaults suit
    production, tests shorten them.
    """

    def __init__(
        self,
        url: str,
        *,
        channel: str = CHANNEL,
        client_name: str = "liveblog",
        ping_interval: float = 2.0,
        ping_timeout: float = 3.0,
        connect_timeout: float = 5.0,
        publish_timeout: float = 2.0,
        backoff_initial: float = 0.2,
        backoff_max: float = 5.0,
    ) -> None:
        parse_url(url)  # a malformed URL fails here, not in the background task
        self._url = url
        self._channel = channel
        self._client_name = client_name
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._connect_timeout = connect_timeout
        self._publish_timeout = publish_timeout
        self._publisher: Redis | None = None
        self._listener = ReconnectingListener(
            service="Redis",
            channel=channel,
            log=log,
            connect=self._subscribe,
            listen=self._listen,
            close=_Session.close,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )

    @property
    def connected(self) -> bool:
        """Whether the subscriber connection is up (for health reporting)."""
        return self._listener.connected

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        """Subscribe, then return; if Redis is unreachable, log and keep trying in the background
        (``on_reconnect`` is called once the subscription is finally up)."""
        if self._listener.running:
            return
        self._publisher = self._client("publish", retries=1)
        try:
            await self._listener.start(on_wake_up, on_reconnect)
        except BaseException:  # cancelled while connecting: leave nothing behind
            await self.stop()
            raise

    async def publish(self, wake_up: WakeUp) -> None:
        """PUBLISH the wake-up; on any failure log a warning and return (never raises)."""
        client = self._publisher
        if client is None:
            log.debug("Redis broker not running; dropping %s", wake_up)
            return
        try:
            async with asyncio.timeout(self._publish_timeout):
                await client.publish(self._channel, wake_up.encode())
        except Exception as exc:
            log.warning(
                "Redis broker: could not publish %s (%s); readers catch up after reconnect",
                wake_up,
                describe(exc),
            )

    async def stop(self) -> None:
        publisher, self._publisher = self._publisher, None
        await self._listener.stop()
        if publisher is not None:
            await publisher.aclose()

    def _client(self, role: str, *, retries: int) -> Redis:
        return Redis.from_url(
            self._url,
            client_name=f"{self._client_name}-{role}",
            socket_connect_timeout=self._connect_timeout,
            socket_timeout=max(self._connect_timeout, self._publish_timeout),
            socket_keepalive=True,
            # retries=0 with no supported errors: every connection error surfaces to us.
            retry=Retry(NoBackoff(), retries)
            if retries
            else Retry(NoBackoff(), 0, supported_errors=()),
        )

    async def _subscribe(self) -> _Session:
        """Connect and subscribe; return once Redis confirmed the subscription."""
        client = self._client("listen", retries=0)
        pubsub = client.pubsub()
        session = _Session(client, pubsub)
        try:
            async with asyncio.timeout(self._connect_timeout):
                await pubsub.subscribe(self._channel)
                while True:
                    message = await pubsub.get_message(timeout=self._connect_timeout)
                    if message is not None and message["type"] == "subscribe":
                        break
        except BaseException:
            await session.close()
            raise
        return session

    async def _listen(self, session: _Session, dispatch: Dispatch) -> None:
        """Dispatch messages until the connection fails or stops answering."""
        pubsub = session.pubsub
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent: float | None = None
        while True:
            now = loop.time()
            if ping_sent is None and now - last_heard >= self._ping_interval:
                await pubsub.ping()
                ping_sent = now
            if ping_sent is None:
                deadline = last_heard + self._ping_interval
            elif now - ping_sent >= self._ping_timeout:
                raise ConnectionError(f"no reply to PING within {self._ping_timeout:g}s")
            else:
                deadline = ping_sent + self._ping_timeout
            message = await pubsub.get_message(timeout=max(deadline - now, 0.001))
            if message is None:
                continue
            last_heard = loop.time()
            ping_sent = None
            if message["type"] == "message":
                dispatch(message["data"])


class _Session:
    """One subscriber connection: its client (and pool) and its pub/sub object."""

    def __init__(self, client: Redis, pubsub: PubSub) -> None:
        self.client = client
        self.pubsub = pubsub

    async def close(self) -> None:
        """Close both; errors are logged, not raised (the connection is given up anyway)."""
        try:
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
        except Exception as exc:
            log.debug("Redis broker: closing the subscription failed (%s)", describe(exc))
        try:
            await self.client.aclose()
        except Exception as exc:
            log.debug("Redis broker: closing the client failed (%s)", describe(exc))
