"""The background listener of the networked brokers: one subscription, kept alive.

A :class:`ReconnectingListener` holds one subscribed connection in a background task and hands
each message it carries to the wake-up handler. When the link is lost, by an error or by a
heartbeat left unanswered, it reconnects with capped exponential backoff and jitter, subscribes
again and calls ``on_reconnect``, so the hub catches up on whatever was published meanwhile.

The backend supplies three hooks: ``connect`` opens a connection and subscribes (returning only
once the subscription is live), ``listen`` passes each raw message on and sends the heartbeats
until the link fails, and ``close`` gives a connection up without raising. Publishing is the
backend's own business.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from liveblog.pubsub.broker import ReconnectHandler, WakeUp, WakeUpHandler

Link = TypeVar("Link")  # one subscribed connection, in whatever shape the backend holds it
Dispatch = Callable[[object], None]  # takes one raw message (``str`` or ``bytes``)


class ReconnectingListener(Generic[Link]):
    """Keep ``channel`` subscribed through ``connect``/``listen``/``close`` (see the module).

    ``service`` names the backend in log messages, which go to ``log`` (the backend's logger).
    The backoff before reconnect attempt ``n`` is about ``backoff_initial * 2 ** (n - 1)``
    seconds, at most ``backoff_max``; a link that dies within ``backoff_max`` seconds of being
    made counts as a failed attempt, so a flapping server is not reconnected to in a tight loop.
    """

    def __init__(
        self,
        *,
        service: str,
        channel: str,
        log: logging.Logger,
        connect: Callable[[], Awaitable[Link]],
        listen: Callable[[Link, Dispatch], Awaitable[None]],
        close: Callable[[Link], Awaitable[None]],
        backoff_initial: float,
        backoff_max: float,
    ) -> None:
        self._service = service
        self._channel = channel
        self._log = log
        self._connect = connect
        self._listen = listen
        self._close = close
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._on_wake_up: WakeUpHandler | None = None
        self._on_reconnect: ReconnectHandler | None = None
        self._first: Link | None = None  # subscribed by start(), handed to the task
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._connected = False

    @property
    def running(self) -> bool:
        """Between :meth:`start` and :meth:`stop`."""
        return self._running

    @property
    def connected(self) -> bool:
        """Whether the subscribed connection is up (for health reporting)."""
        return self._connected

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        """Subscribe, then return; if the server is unreachable, log and keep trying in the
        background (``on_reconnect`` is called once the subscription is finally up). Does
        nothing if already running."""
        if self._running:
            return
        self._running = True
        self._on_wake_up = on_wake_up
        self._on_reconnect = on_reconnect
        try:
            self._first = await self._connect()
        except Exception as exc:
            self._log.warning(
                "%s broker: cannot subscribe to %r yet (%s); retrying in the background",
                self._service,
                self._channel,
                error_summary(exc),
            )
        except BaseException:  # cancelled while connecting: leave nothing behind
            await self.stop()
            raise
        name = f"{self._service.lower()}-broker-{self._channel}"
        self._task = asyncio.create_task(self._run(), name=name)

    async def stop(self) -> None:
        """Stop listening and close the connection; idempotent, and start() may follow."""
        self._running = False
        task, self._task = self._task, None
        self._on_wake_up = None
        self._on_reconnect = None
        if task is not None:
            task.cancel()
            await _wait_cancelled(task, self._log)
        first, self._first = self._first, None  # the task was cancelled before it took it
        if first is not None:
            await self._close(first)
        self._connected = False

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        link, self._first = self._first, None  # ours now
        failures = 0 if link is not None else 1
        attempt = 0  # connection attempts since the link was lost
        try:
            while True:
                if link is None:
                    if failures:
                        await asyncio.sleep(self._delay(failures))
                    attempt += 1
                    try:
                        link = await self._connect()
                    except Exception as exc:
                        self._log_retry(attempt, exc)
                        failures += 1
                        continue
                    attempt = 0
                    self._log.info(
                        "%s broker: subscribed to %r again", self._service, self._channel
                    )
                    self._connected = True
                    await self._call_on_reconnect()
                self._connected = True
                since = loop.time()
                try:
                    await self._listen(link, self._dispatch)
                except Exception as exc:
                    self._log.warning(
                        "%s broker: lost the subscription (%s)", self._service, error_summary(exc)
                    )
                self._connected = False
                lost, link = link, None
                await self._close(lost)
                # A link that dies right after connecting backs off too, so a flapping server
                # does not get a reconnect (and the hub a catch-up) in a tight loop.
                failures = 0 if loop.time() - since >= self._backoff_max else failures + 1
        finally:
            self._connected = False
            if link is not None:
                await self._close(link)

    def _dispatch(self, raw: object) -> None:
        wake_up = _decode(raw)
        if wake_up is None:
            self._log.warning("%s broker: ignoring malformed message %.80r", self._service, raw)
            return
        handler = self._on_wake_up
        if handler is None:
            return
        try:
            handler(wake_up)
        except Exception:
            self._log.exception("wake-up handler failed for %s", wake_up)

    async def _call_on_reconnect(self) -> None:
        handler = self._on_reconnect
        if handler is None:
            return
        try:
            result = handler()
            if result is not None:
                await result
        except Exception:
            self._log.exception("on_reconnect handler failed")

    def _delay(self, failures: int) -> float:
        """Capped exponential backoff with equal jitter: half fixed, half random."""
        cap = min(self._backoff_max, self._backoff_initial * 2.0 ** min(failures - 1, 30))
        return cap / 2 + random.uniform(0, cap / 2)

    def _log_retry(self, attempt: int, exc: Exception) -> None:
        # Warn on the first attempts, then on powers of two, so an outage does not flood the log.
        level = logging.WARNING if attempt <= 3 or attempt & (attempt - 1) == 0 else logging.DEBUG
        self._log.log(
            level,
            "%s broker: reconnect attempt %d failed (%s)",
            self._service,
            attempt,
            error_summary(exc),
        )


def error_summary(exc: BaseException) -> str:
    """The exception on one line (some messages, libpq's among them, span several)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(raw: object) -> WakeUp | None:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")  # non-ASCII digits such as "²" are not digits here
    if not isinstance(raw, bytes):
        return None
    try:
        return WakeUp.decode(raw)
    except ValueError:  # e.g. more digits than int() accepts
        return None


async def _wait_cancelled(task: asyncio.Task[Any], log: logging.Logger) -> None:
    """Wait for a cancelled task to finish, without swallowing a cancellation of our own."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    except Exception:
        log.exception("broker task failed")
