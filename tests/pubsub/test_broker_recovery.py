"""Lost connections only delay wake-ups: brokers reconnect, call ``on_reconnect`` (so the hub
catches up from the event log) and deliver again; publishing meanwhile logs and never raises.

Connections are broken for real: killed server-side (``CLIENT KILL`` for Redis,
``pg_terminate_backend`` for PostgreSQL), black-holed by a relay that stops forwarding (a dead
network path), or refused. Restarting the shared Redis server is left to the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator

import pytest

from liveblog.pubsub.broker import WakeUp
from tests.pubsub.conftest import FAST, WAIT, Backend, Proxy, Recorder, processes, run

# How long a black-holed link may go unnoticed: one heartbeat interval, its timeout, a backoff.
DETECTION = FAST["ping_interval"] + FAST["ping_timeout"] + FAST["backoff_max"]


@pytest.mark.parametrize("async_reconnect", [True, False], ids=["async-hook", "sync-hook"])
def test_listener_killed_by_the_server_reconnects_and_catches_up(
    networked: Backend, async_reconnect: bool
) -> None:
    async def scenario() -> None:
        async with processes(networked, async_reconnect=async_reconnect) as started:
            (publisher, publisher_log), (listener, listener_log) = started
            await networked.kill(1, "listen")
            await listener_log.wait_reconnects(1)
            assert listener.connected  # type: ignore[attr-defined]
            await publisher.publish(WakeUp(4, 1))
            await listener_log.wait_for(WakeUp(4, 1))
            await publisher_log.wait_for(WakeUp(4, 1))
            assert listener_log.wake_ups == [WakeUp(4, 1)]
            assert (publisher_log.reconnects, listener_log.reconnects) == (0, 1)

            await networked.kill(1, "listen")  # and again: every loss is reported
            await listener_log.wait_reconnects(2)
            await publisher.publish(WakeUp(4, 2))
            await listener_log.wait_for(WakeUp(4, 2))

    run(scenario())


def test_killed_publisher_connection_is_replaced_without_losing_the_wake_up(
    networked: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with processes(networked) as started:
            (publisher, _), (_, listener_log) = started
            await publisher.publish(WakeUp(2, 1))  # opens the publisher connection
            await listener_log.wait_for(WakeUp(2, 1))
            await networked.kill(0, "publish")
            await asyncio.sleep(0.1)  # let the client side see the connection close
            await publisher.publish(WakeUp(2, 2))
            await listener_log.wait_for(WakeUp(2, 2))
            assert listener_log.reconnects == 0

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    assert "could not publish" not in caplog.text


def test_black_holed_link_is_detected_by_the_heartbeat(networked: Backend) -> None:
    async def scenario() -> None:
        async with Proxy(networked.address) as proxy, processes(networked, 1) as started:
            publisher, _ = started[0]
            listener = networked.make_networked(1, url=networked.url_via(proxy.port))
            recorder = Recorder()
            await listener.start(recorder.on_wake_up, recorder.on_reconnect)
            try:
                await publisher.publish(WakeUp(8, 1))
                await recorder.wait_for(WakeUp(8, 1))

                proxy.freeze()  # replies stop, the sockets stay open
                frozen_at = time.monotonic()
                await recorder.wait_reconnects(1, timeout=DETECTION + WAIT)
                assert time.monotonic() - frozen_at < DETECTION + 2.0
                await publisher.publish(WakeUp(8, 2))
                await recorder.wait_for(WakeUp(8, 2))
            finally:
                await listener.stop()

    run(scenario())


def test_server_unreachable_at_start_then_available(
    networked: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with Proxy(networked.address) as proxy, processes(networked, 1) as started:
            publisher, _ = started[0]
            proxy.refusing = True
            listener = networked.make_networked(1, url=networked.url_via(proxy.port))
            recorder = Recorder()
            await listener.start(recorder.on_wake_up, recorder.on_reconnect)  # does not raise
            try:
                assert not listener.connected
                await listener.publish(WakeUp(6, 1))  # does not raise either
                await asyncio.sleep(3 * FAST["backoff_max"])  # a few failed attempts
                assert recorder.reconnects == 0

                proxy.refusing = False
                await recorder.wait_reconnects(1)
                assert listener.connected
                await publisher.publish(WakeUp(6, 2))
                await recorder.wait_for(WakeUp(6, 2))
                await listener.publish(WakeUp(6, 3))
                await recorder.wait_for(WakeUp(6, 3))
                assert recorder.wake_ups == [WakeUp(6, 2), WakeUp(6, 3)]
            finally:
                await listener.stop()

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    assert "retrying in the background" in caplog.text
    assert "could not publish WakeUp(blog_id=6, seq=1)" in caplog.text


def test_unreachable_server_never_raises_and_stops_promptly(
    offline: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """No server needed: the URL names a port where nothing listens."""

    async def scenario() -> None:
        broker = offline.make_networked(0)
        recorder = Recorder()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        assert not broker.connected
        began = time.monotonic()
        await broker.publish(WakeUp(1, 1))
        assert time.monotonic() - began < FAST["publish_timeout"] + 1.0
        await asyncio.sleep(3 * FAST["backoff_max"])  # reconnecting in the background
        began = time.monotonic()
        await broker.stop()
        assert time.monotonic() - began < 1.0
        await broker.stop()
        await broker.publish(WakeUp(1, 2))
        assert recorder.wake_ups == []
        assert recorder.reconnects == 0

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    assert "retrying in the background" in caplog.text
    assert "reconnect attempt 1 failed" in caplog.text
    assert "could not publish WakeUp(blog_id=1, seq=1)" in caplog.text


@pytest.fixture
def mute_port() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_mute_server_at_start_is_given_up_on_in_bounded_time(
    offline: Backend, mute_port: int
) -> None:
    async def scenario() -> None:
        broker = offline.make_networked(0, url=offline.url_via(mute_port))
        recorder = Recorder()
        began = time.monotonic()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        assert time.monotonic() - began < FAST["connect_timeout"] + 1.5
        assert not broker.connected
        await broker.publish(WakeUp(1, 1))
        await broker.stop()

    run(scenario())


def test_start_cancelled_while_connecting_leaves_nothing_behind(
    offline: Backend, mute_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        broker = offline.make_networked(0, url=offline.url_via(mute_port))
        recorder = Recorder()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(broker.start(recorder.on_wake_up, recorder.on_reconnect), 0.2)
        assert not broker.connected
        await broker.publish(WakeUp(1, 1))  # not running: dropped quietly
        assert "retrying in the background" not in caplog.text
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)  # a real start again
        assert "retrying in the background" in caplog.text
        await broker.stop()

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())  # unclosed sockets would fail the test here
