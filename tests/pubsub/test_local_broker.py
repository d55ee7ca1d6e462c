"""The ``local://`` broker (:mod:`liveblog.pubsub.local`) against the broker contract, and its
recovery: the relay runs on a thread of its own, as the supervisor of ``liveblog serve
--workers N`` runs it in another process; two brokers stand for two workers.

The contract tests of :mod:`tests.pubsub.test_broker_contract` run here again with the
``backend`` fixture below (the local backend needs a relay, which the shared fixtures do not
start).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveblog.pubsub import WakeUp, broker_from_url
from liveblog.pubsub.broker import Broker
from liveblog.pubsub.local import LocalBroker, LocalRelay, socket_path
from tests.pubsub import test_broker_contract as contract
from tests.pubsub.conftest import FAST, Backend, Recorder, processes, run

# The contract's tests, with this module's ``backend`` fixture.
test_publish_reaches_every_process_exactly_once_in_order = (
    contract.test_publish_reaches_every_process_exactly_once_in_order
)
test_many_blogs_from_every_process = contract.test_many_blogs_from_every_process
test_handler_never_runs_inside_publish = contract.test_handler_never_runs_inside_publish
test_a_failing_handler_does_not_stop_delivery = (
    contract.test_a_failing_handler_does_not_stop_delivery
)
test_start_and_stop_are_idempotent = contract.test_start_and_stop_are_idempotent
test_publish_before_start_and_after_stop_does_not_raise = (
    contract.test_publish_before_start_and_after_stop_does_not_raise
)
test_a_stopped_process_receives_nothing = contract.test_a_stopped_process_receives_nothing


class RelayThread:
    """A :class:`LocalRelay` on an event loop in a thread of its own."""

    def __init__(self, path: Path) -> None:
        self.relay = LocalRelay(str(path))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> RelayThread:
        self._thread.start()
        self.call(self.relay.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.call(self.relay.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(5)  # type: ignore[arg-type]

    def disconnect_all(self) -> None:
        self.loop.call_soon_threadsafe(self.relay.disconnect_all)

    async def inject(self, payload: bytes) -> None:
        """A raw line into the relay, as any process that can reach its socket could send."""
        _, writer = await asyncio.open_unix_connection(self.relay.path)
        writer.write(payload + b"\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()


class LocalBackend(Backend):
    def make(self, index: int = 0, *, url: str | None = None) -> Broker:
        return LocalBroker(url or self.url, **FAST)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayThread]:
    with RelayThread(tmp_path / "broker.sock") as started:
        yield started


@pytest.fixture
def backend(relay: RelayThread) -> Backend:
    return LocalBackend("local", relay.relay.url, processes=2)


def test_urls() -> None:
    assert socket_path("local:///run/liveblog/broker.sock") == "/run/liveblog/broker.sock"
    assert isinstance(broker_from_url("local:///tmp/x.sock"), LocalBroker)
    for url in ("local://host/x.sock", "local://", "local:relative.sock"):
        with pytest.raises(ValueError, match="local"):
            broker_from_url(url)


def test_malformed_lines_are_ignored(
    relay: RelayThread, backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = [m.encode() if isinstance(m, str) else m for m in contract.MALFORMED if "\n" not in m]
    garbage = [g for g in garbage if len(g) < 200] + [b"\xff\xfe:\x00"]

    async def scenario() -> None:
        async with processes(backend) as started:
            for payload in garbage:
                await relay.inject(payload)
            await relay.inject(b"5:6")
            await started[0][0].publish(WakeUp(5, 7))
            for _, recorder in started:
                await recorder.wait_for(WakeUp(5, 7))
                assert recorder.wake_ups == [WakeUp(5, 6), WakeUp(5, 7)]
                assert recorder.reconnects == 0

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    ignored = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(ignored) == len(garbage) * 2


def test_a_line_over_the_limit_drops_only_its_sender(relay: RelayThread, backend: Backend) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            await relay.inject(b"9" * 5000)  # the relay closes that connection
            await started[0][0].publish(WakeUp(1, 1))
            for _, recorder in started:
                await recorder.wait_for(WakeUp(1, 1))
                assert recorder.reconnects == 0

    run(scenario())


def test_lost_links_reconnect_catch_up_and_deliver_again(
    relay: RelayThread, backend: Backend
) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            (publisher, publisher_log), (_, listener_log) = started
            await publisher.publish(WakeUp(2, 1))  # opens the publishing connection
            await listener_log.wait_for(WakeUp(2, 1))
            relay.disconnect_all()  # what a restarted relay looks like
            await listener_log.wait_reconnects(1)
            await publisher_log.wait_reconnects(1)
            await publisher.publish(WakeUp(2, 2))  # on a new publishing connection
            for _, recorder in started:
                await recorder.wait_for(WakeUp(2, 2))
                assert recorder.wake_ups == [WakeUp(2, 1), WakeUp(2, 2)]

    run(scenario())


def test_a_missing_relay_is_retried_in_the_background(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "later.sock"

    async def scenario() -> None:
        broker = LocalBroker(f"local://{path}", **FAST)
        recorder = Recorder()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)  # returns, retrying
        await broker.publish(WakeUp(1, 1))  # logged, not raised
        relay = LocalRelay(str(path))
        await relay.start()
        try:
            await recorder.wait_reconnects(1)
            await broker.publish(WakeUp(1, 2))
            await recorder.wait_for(WakeUp(1, 2))
            assert recorder.wake_ups == [WakeUp(1, 2)]
        finally:
            await broker.stop()
            await relay.stop()
        assert not path.exists()

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    assert "cannot subscribe" in caplog.text
