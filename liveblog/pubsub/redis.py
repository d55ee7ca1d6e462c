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
from typing import Unpack

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from liveblog.pubsub.broker import CHANNEL
from liveblog.pubsub.networked import NetworkedBroker, Timing, TimingOptions
from liveblog.pubsub.reconnecting import Dispatch, error_summary

log = logging.getLogger(__name__)


class RedisBroker(NetworkedBroker["_Session"]):
    """Wake-ups over Redis ``PUBLISH``/``SUBSCRIBE`` on ``channel``.

    ``client_name`` names the connections (``CLIENT LIST`` shows ``<client_name>-listen`` and
    ``<client_name>-publish``). The timing arguments are those of
    :class:`~liveblog.pubsub.networked.Timing`.
    """

    def __init__(
        self,
        url: str,
        *,
        channel: str = CHANNEL,
        client_name: str = "liveblog",
        **timing: Unpack[TimingOptions],
    ) -> None:
        parse_url(url)  # a malformed URL fails here, not in the background task
        super().__init__(service="Redis", channel=channel, log=log, timing=Timing(**timing))
        self._url = url
        self._client_name = client_name
        self._publisher: Redis | None = None

    def _open_publisher(self) -> None:
        self._publisher = self._client("publish", retries=1)

    async def _close_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            await publisher.aclose()

    async def _send(self, payload: str) -> None:
        client = self._publisher
        if client is not None:
            await client.publish(self._channel, payload)

    async def _close_link(self, link: _Session) -> None:
        await link.close()

    def _client(self, role: str, *, retries: int) -> Redis:
        return Redis.from_url(
            self._url,
            client_name=f"{self._client_name}-{role}",
            socket_connect_timeout=self._timing.connect_timeout,
            socket_timeout=max(self._timing.connect_timeout, self._timing.publish_timeout),
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
            async with asyncio.timeout(self._timing.connect_timeout):
                await pubsub.subscribe(self._channel)
                while True:
                    message = await pubsub.get_message(timeout=self._timing.connect_timeout)
                    if message is not None and message["type"] == "subscribe":
                        break
        except BaseException:
            await session.close()
            raise
        return session

    async def _listen(self, session: _Session, dispatch: Dispatch) -> None:
        """Dispatch messages until the connection fails or stops answering."""
        pubsub = session.pubsub
        ping_interval, ping_timeout = self._timing.ping_interval, self._timing.ping_timeout
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent: float | None = None
        while True:
            now = loop.time()
            if ping_sent is None and now - last_heard >= ping_interval:
                await pubsub.ping()
                ping_sent = now
            if ping_sent is None:
                deadline = last_heard + ping_interval
            elif now - ping_sent >= ping_timeout:
                raise ConnectionError(f"no reply to PING within {ping_timeout:g}s")
            else:
                deadline = ping_sent + ping_timeout
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
            log.debug("Redis broker: closing the subscription failed (%s)", error_summary(exc))
        try:
            await self.client.aclose()
        except Exception as exc:
            log.debug("Redis broker: closing the client failed (%s)", error_summary(exc))
