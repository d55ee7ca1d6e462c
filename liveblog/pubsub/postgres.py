"""The ``postgresql://`` broker: PostgreSQL ``LISTEN``/``NOTIFY``, no extra service to run.

A :class:`~liveblog.pubsub.reconnecting.ReconnectingListener` holds a listener connection
(autocommit, ``LISTEN <channel>``) and dispatches ``conn.notifies()``; wake-ups go out with
``SELECT pg_notify(channel, payload)`` on a separate publisher connection. A lost link is found
by a connection error (server restart, ``pg_terminate_backend``) or by the heartbeat: every
``ping_interval`` seconds the listener repeats its (idempotent) ``LISTEN`` and gives the
connection up if the server does not answer within ``ping_timeout`` (5 seconds in all by
default). It then reconnects with capped exponential backoff and jitter, listens again and calls
``on_reconnect`` so the hub catches up.

Queries that must not hang (the heartbeat, ``pg_notify``) are bounded by forcing end-of-file on
the socket when they time out: cancelling them through asyncio would make psycopg send a
cancel request and wait up to ten more seconds on a connection that is gone anyway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, LiteralString, Unpack

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from liveblog.pubsub.broker import CHANNEL
from liveblog.pubsub.networked import NetworkedBroker, Timing, TimingOptions
from liveblog.pubsub.reconnecting import Dispatch, error_summary

log = logging.getLogger(__name__)

_NOTIFY = "SELECT pg_notify(%s, %s)"


def conninfo_from_url(url: str) -> str:
    """A libpq connection URI from ``postgresql://``, ``postgres://`` or SQLAlchemy's
    ``postgresql+psycopg://`` (the ``+driver`` suffix is dropped)."""
    scheme, sep, rest = url.partition("://")
    base = scheme.split("+", 1)[0].lower()
    if not sep or base not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: use postgresql://... (got scheme {scheme!r})")
    conninfo = f"postgresql://{rest}"
    conninfo_to_dict(conninfo)  # a malformed URL fails here, not in the background task
    return conninfo


class PostgresBroker(NetworkedBroker["psycopg.AsyncConnection[Any]"]):
    """Wake-ups over PostgreSQL ``LISTEN``/``NOTIFY`` on ``channel``.

    ``application_name`` names the connections in ``pg_stat_activity``
    (``<application_name>-listen`` and ``<application_name>-publish``). The timing arguments are
    those of :class:`~liveblog.pubsub.networked.Timing`.
    """

    def __init__(
        self,
        url: str,
        *,
        channel: str = CHANNEL,
        application_name: str = "liveblog",
        **timing: Unpack[TimingOptions],
    ) -> None:
        self._conninfo = conninfo_from_url(url)
        if not channel or len(channel.encode()) > 63:
            raise ValueError(f"PostgreSQL channel names are 1 to 63 bytes long: {channel!r}")
        super().__init__(service="PostgreSQL", channel=channel, log=log, timing=Timing(**timing))
        self._listen_sql = sql.SQL("LISTEN {}").format(sql.Identifier(channel))
        self._application_name = application_name
        self._publisher: psycopg.AsyncConnection[Any] | None = None
        self._publish_lock: asyncio.Lock | None = None

    def _open_publisher(self) -> None:
        self._publish_lock = asyncio.Lock()  # the connection is made by the first publish

    async def _close_publisher(self) -> None:
        lock = self._publish_lock
        if lock is not None:
            async with lock:  # let a publish in flight finish (it is bounded by its timeout)
                publisher, self._publisher = self._publisher, None
        else:
            publisher, self._publisher = self._publisher, None
        self._publish_lock = None
        if publisher is not None:
            await _close(publisher)

    async def _send(self, payload: str) -> None:
        lock = self._publish_lock
        if lock is None:
            return
        async with lock:
            if self._listener.running:  # stop() may have run while we waited for the lock
                await self._notify(payload)

    async def _close_link(self, link: psycopg.AsyncConnection[Any]) -> None:
        await _close(link)

    async def _connect(self, role: str) -> psycopg.AsyncConnection[Any]:
        async with asyncio.timeout(self._timing.connect_timeout + 1):
            return await psycopg.AsyncConnection.connect(
                self._conninfo,
                autocommit=True,
                application_name=f"{self._application_name}-{role}",
                connect_timeout=max(2, round(self._timing.connect_timeout)),
            )

    async def _notify(self, payload: str) -> None:
        """Send one notification, reconnecting (once) if the publisher connection is broken.

        Called with the publish lock held: one connection, notifications in publish order.
        """
        for attempt in (1, 2):
            conn = self._publisher
            if conn is None or conn.closed:
                conn = self._publisher = await self._connect("publish")
            try:
                await _execute_bounded(
                    conn, _NOTIFY, (self._channel, payload), self._timing.publish_timeout
                )
                return
            except psycopg.OperationalError:
                self._publisher = None
                await _close(conn)
                if attempt == 2:
                    raise

    async def _subscribe(self) -> psycopg.AsyncConnection[Any]:
        conn = await self._connect("listen")
        try:
            await _execute_bounded(conn, self._listen_sql, None, self._timing.connect_timeout)
        except BaseException:
            await _close(conn)
            raise
        return conn

    async def _listen(self, conn: psycopg.AsyncConnection[Any], dispatch: Dispatch) -> None:
        """Dispatch notifications until the connection fails or stops answering."""
        while True:
            async for notify in conn.notifies(timeout=self._timing.ping_interval):
                if notify.channel == self._channel:
                    dispatch(notify.payload)
            # Heartbeat. Notifications arriving meanwhile are kept for the next notifies().
            await _execute_bounded(conn, self._listen_sql, None, self._timing.ping_timeout)


async def _execute_bounded(
    conn: psycopg.AsyncConnection[Any],
    query: LiteralString | sql.Composed,
    params: tuple[str, ...] | None,
    timeout: float,
) -> None:
    """Run ``query``; if the server does not answer within ``timeout`` seconds (or we are
    cancelled), break the connection and raise :class:`psycopg.OperationalError`."""
    task = asyncio.ensure_future(conn.execute(query, params))
    forced = False
    try:
        await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            _force_eof(conn)
            forced = True
            await _settle(task)  # retrieves the task's own error: the timeout is what we report
    if forced:
        raise psycopg.OperationalError(f"no reply from PostgreSQL within {timeout:g}s")
    task.result()


async def _settle(task: asyncio.Future[Any]) -> None:
    """Let a query whose socket was shut down fail; cancel it if it still lingers."""
    await asyncio.wait({task}, timeout=1.0)
    if not task.done():
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled():
        task.exception()


async def _close(conn: psycopg.AsyncConnection[Any]) -> None:
    """Close a connection being given up; errors are logged, not raised."""
    try:
        await conn.close()
    except Exception as exc:
        log.debug("PostgreSQL broker: closing a connection failed (%s)", error_summary(exc))


def _force_eof(conn: psycopg.AsyncConnection[Any]) -> None:
    """Shut the connection's socket down so that libpq reads end-of-file at once.

    The socket is shut down, not closed: its descriptor stays valid (and registered with the
    event loop) until psycopg closes the connection.
    """
    try:
        fd = conn.pgconn.socket
    except psycopg.Error:
        return  # already lost
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
