"""The ``redis://`` broker: Redis pub/sub on one channel, shared by every server process.

One background task holds a subscriber connection and dispatches each message to the wake-up
handler. It finds a lost link either by a read error (server restart, ``CLIENT KILL``) or by the
heartbeat: after ``ping_interval`` seconds without any traffic it sends ``PING`` and gives up on
the connection if nothing arrives within ``ping_timeout`` more (a silently dead link is found
within ``ping_interval + ping_timeout`` seconds, 5 by default). It then reconnects with capped
exponential backoff and jitter, subscribes again and calls ``on_reconnect`` so the hub catches
up on whatever was published meanwhile.

redis-py's own retries are disabled on the subscriber connection: they would reconnect and
resubscribe behind our back, and the messages lost in between would go unnoticed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from liveblog.pubsub.broker import CHANNEL, ReconnectHandler, WakeUp, WakeUpHandler

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
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._on_wake_up: WakeUpHandler | None = None
        self._on_reconnect: ReconnectHandler | None = None
        self._publisher: Redis | None = None
        self._first: _Session | None = None  # subscribed by start(), handed to the task
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._connected = False

    @property
    def connected(self) -> bool:
        """Whether the subscriber connection is up (for health reporting)."""
        return self._connected

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        """Subscribe, then return; if Redis is unreachable, log and keep trying in the background
        (``on_reconnect`` is called once the subscription is finally up)."""
        if self._running:
            return
        self._running = True
        self._on_wake_up = on_wake_up
        self._on_reconnect = on_reconnect
        self._publisher = self._client("publish", retries=1)
        try:
            self._first = await self._subscribe()
        except Exception as exc:
            log.warning(
                "Redis broker: cannot subscribe to %r yet (%s); retrying in the background",
                self._channel,
                _describe(exc),
            )
        except BaseException:  # cancelled while connecting: leave nothing behind
            await self.stop()
            raise
        self._task = asyncio.create_task(self._run(), name=f"redis-broker-{self._channel}")

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
                _describe(exc),
            )

    async def stop(self) -> None:
        self._running = False
        task, self._task = self._task, None
        publisher, self._publisher = self._publisher, None
        self._on_wake_up = None
        self._on_reconnect = None
        if task is not None:
            task.cancel()
            await _wait_cancelled(task)
        first, self._first = self._first, None  # the task was cancelled before it took it
        if first is not None:
            await first.close()
        if publisher is not None:
            await publisher.aclose()
        self._connected = False

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

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        session, self._first = self._first, None  # ours now
        failures = 0 if session is not None else 1
        attempt = 0  # connection attempts since the link was lost
        try:
            while True:
                if session is None:
                    if failures:
                        await asyncio.sleep(self._delay(failures))
                    attempt += 1
                    try:
                        session = await self._subscribe()
                    except Exception as exc:
                        _log_retry(attempt, "Redis", _describe(exc))
                        failures += 1
                        continue
                    attempt = 0
                    log.info("Redis broker: subscribed to %r again", self._channel)
                    self._connected = True
                    await self._call_on_reconnect()
                self._connected = True
                since = loop.time()
                try:
                    await self._listen(session.pubsub)
                except Exception as exc:
                    log.warning("Redis broker: lost the subscription (%s)", _describe(exc))
                self._connected = False
                lost, session = session, None
                await lost.close()
                # A link that dies right after connecting backs off too, so a flapping server
                # does not get a reconnect (and the hub a catch-up) in a tight loop.
                failures = 0 if loop.time() - since >= self._backoff_max else failures + 1
        finally:
            self._connected = False
            if session is not None:
                await session.close()

    async def _listen(self, pubsub: PubSub) -> None:
        """Dispatch messages until the connection fails or stops answering."""
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
                self._dispatch(message["data"])

    def _dispatch(self, raw: object) -> None:
        wake_up = _decode(raw)
        if wake_up is None:
            log.warning("Redis broker: ignoring malformed message %.80r", raw)
            return
        handler = self._on_wake_up
        if handler is None:
            return
        try:
            handler(wake_up)
        except Exception:
            log.exception("wake-up handler failed for %s", wake_up)

    async def _call_on_reconnect(self) -> None:
        handler = self._on_reconnect
        if handler is None:
            return
        try:
            result = handler()
            if result is not None:
                await result
        except Exception:
            log.exception("on_reconnect handler failed")

    def _delay(self, failures: int) -> float:
        """Capped exponential backoff with equal jitter: half fixed, half random."""
        cap = min(self._backoff_max, self._backoff_initial * 2.0 ** min(failures - 1, 30))
        return cap / 2 + random.uniform(0, cap / 2)


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
            log.debug("Redis broker: closing the subscription failed (%s)", _describe(exc))
        try:
            await self.client.aclose()
        except Exception as exc:
            log.debug("Redis broker: closing the client failed (%s)", _describe(exc))


def _decode(raw: object) -> WakeUp | None:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")  # non-ASCII digits such as "²" are not digits here
    if not isinstance(raw, bytes):
        return None
    try:
        return WakeUp.decode(raw)
    except ValueError:  # e.g. more digits than int() accepts
        return None


def _describe(exc: BaseException) -> str:
    """The exception on one line (some messages span several)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _log_retry(attempt: int, service: str, reason: str) -> None:
    # Warn on the first attempts and then on powers of two, so an outage does not flood the log.
    level = logging.WARNING if attempt <= 3 or attempt & (attempt - 1) == 0 else logging.DEBUG
    log.log(level, "%s broker: reconnect attempt %d failed (%s)", service, attempt, reason)


async def _wait_cancelled(task: asyncio.Task[Any]) -> None:
    """Wait for a cancelled task to finish, without swallowing a cancellation of our own."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    except Exception:
        log.exception("broker task failed")
