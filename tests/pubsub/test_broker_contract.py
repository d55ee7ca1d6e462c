"""What every broker backend promises the hub: each wake-up reaches every process exactly once,
in publish order per publisher; junk on the channel is ignored; start, stop and publish never
raise and can be repeated. Networked backends run two broker instances, standing for two
server processes; memory runs one (it is one process by definition)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from liveblog.pubsub import WakeUp, broker_from_url
from liveblog.pubsub.memory import MemoryBroker
from liveblog.pubsub.postgres import PostgresBroker, conninfo_from_url
from liveblog.pubsub.redis import RedisBroker
from tests.pubsub.conftest import Backend, Recorder, processes, run

SETTLE = 0.2  # seconds to wait when checking that something does NOT arrive


def test_publish_reaches_every_process_exactly_once_in_order(backend: Backend) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            publisher = started[0][0]
            sent = [WakeUp(7, seq) for seq in range(1, 51)]
            for wake_up in sent:
                await publisher.publish(wake_up)
            done = WakeUp(999_999, 1)
            await publisher.publish(done)
            for _, recorder in started:
                await recorder.wait_for(done)
                assert recorder.wake_ups == [*sent, done]
                assert recorder.reconnects == 0

    run(scenario())


def test_many_blogs_from_every_process(backend: Backend) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:

            def blogs_of(index: int) -> list[int]:
                return [blog for blog in range(1, 41) if blog % len(started) == index]

            def plan(index: int) -> list[WakeUp]:
                return [WakeUp(blog, seq) for seq in (1, 2, 3) for blog in blogs_of(index)]

            async def publish_all(index: int) -> None:
                broker = started[index][0]
                for wake_up in plan(index):
                    await broker.publish(wake_up)
                await broker.publish(WakeUp(900_000 + index, 1))

            await asyncio.gather(*(publish_all(i) for i in range(len(started))))
            for _, recorder in started:
                for index in range(len(started)):
                    await recorder.wait_for(WakeUp(900_000 + index, 1))
                for index in range(len(started)):
                    mine = set(blogs_of(index)) | {900_000 + index}
                    received = [w for w in recorder.wake_ups if w.blog_id in mine]
                    assert received == [*plan(index), WakeUp(900_000 + index, 1)]
                assert len(recorder.wake_ups) == 40 * 3 + len(started)

    run(scenario())


def test_handler_never_runs_inside_publish(backend: Backend) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            publisher, recorder = started[0]
            await publisher.publish(WakeUp(1, 1))
            await recorder.wait_for(WakeUp(1, 1))
            assert recorder.tasks[0] is not asyncio.current_task()

    run(scenario())


def test_memory_publish_returns_before_delivery() -> None:
    async def scenario() -> None:
        broker = MemoryBroker()
        recorder = Recorder()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        await broker.publish(WakeUp(1, 1))
        assert recorder.wake_ups == []
        await recorder.wait_for(WakeUp(1, 1))
        await broker.stop()

    run(scenario())


def test_a_failing_handler_does_not_stop_delivery(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            for _, recorder in started:
                recorder.fail_on = WakeUp(1, 1)
            publisher = started[0][0]
            await publisher.publish(WakeUp(1, 1))
            await publisher.publish(WakeUp(1, 2))
            for _, recorder in started:
                await recorder.wait_for(WakeUp(1, 2))
                assert recorder.wake_ups == [WakeUp(1, 1), WakeUp(1, 2)]

    with caplog.at_level(logging.ERROR, logger="liveblog.pubsub"):
        run(scenario())
    assert "wake-up handler failed" in caplog.text


MALFORMED: list[str | bytes] = [
    "",
    ":",
    "1:",
    ":1",
    "hello",
    "1:2:3",
    "-1:2",
    " 1:2",
    "1.5:2",
    "²:1",  # str.isdigit() says yes, int() says no
    "9" * 5000 + ":1",  # more digits than int() accepts
    '{"blog_id": 1, "seq": 2}',
]


def test_malformed_messages_are_ignored(
    networked: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = [*MALFORMED]
    if networked.name == "redis":
        garbage += [b"\xff\xfe:\x00", b"1:\xe2\x82\x81"]

    async def scenario() -> None:
        async with processes(networked) as started:
            for payload in garbage:
                await networked.inject(payload)
            await networked.inject("5:6")  # well-formed, from outside: delivered
            await started[0][0].publish(WakeUp(5, 7))
            for _, recorder in started:
                await recorder.wait_for(WakeUp(5, 7))
                assert recorder.wake_ups == [WakeUp(5, 6), WakeUp(5, 7)]
                assert recorder.reconnects == 0
                assert all(broker.connected for broker, _ in started)  # type: ignore[attr-defined]

    with caplog.at_level(logging.WARNING, logger="liveblog.pubsub"):
        run(scenario())
    ignored = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(ignored) == len(garbage) * networked.processes
    assert all(len(r.getMessage()) < 300 for r in ignored)  # junk is not dumped in full


def test_start_and_stop_are_idempotent(backend: Backend) -> None:
    async def scenario() -> None:
        await backend.make(0).stop()  # never started

        broker = backend.make(0)
        first, second = Recorder(), Recorder()
        await broker.start(first.on_wake_up, first.on_reconnect)
        await broker.start(second.on_wake_up, second.on_reconnect)  # no-op
        await broker.publish(WakeUp(1, 1))
        await first.wait_for(WakeUp(1, 1))
        await broker.stop()
        await broker.stop()
        await broker.publish(WakeUp(1, 2))  # after stop: dropped, no error

        await broker.start(second.on_wake_up, second.on_reconnect)  # restart
        await broker.publish(WakeUp(1, 3))
        await second.wait_for(WakeUp(1, 3))
        await broker.stop()
        await asyncio.sleep(SETTLE)
        assert first.wake_ups == [WakeUp(1, 1)]
        assert second.wake_ups == [WakeUp(1, 3)]

    run(scenario())


def test_publish_before_start_and_after_stop_does_not_raise(backend: Backend) -> None:
    async def scenario() -> None:
        broker = backend.make(0)
        await broker.publish(WakeUp(1, 1))
        recorder = Recorder()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        await broker.stop()
        await broker.publish(WakeUp(1, 2))
        await asyncio.sleep(SETTLE)
        assert recorder.wake_ups == []

    run(scenario())


def test_a_stopped_process_receives_nothing(backend: Backend) -> None:
    async def scenario() -> None:
        async with processes(backend) as started:
            publisher, publisher_log = started[0]
            stopped, stopped_log = started[-1]
            await stopped.stop()
            await publisher.publish(WakeUp(3, 1))
            if stopped is not publisher:
                await publisher_log.wait_for(WakeUp(3, 1))
            await asyncio.sleep(SETTLE)
            assert stopped_log.wake_ups == []

    run(scenario())


def test_memory_stop_drops_pending_deliveries() -> None:
    async def scenario() -> None:
        broker = MemoryBroker()
        recorder = Recorder()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        await broker.publish(WakeUp(1, 1))
        await broker.stop()
        await broker.start(recorder.on_wake_up, recorder.on_reconnect)
        await asyncio.sleep(SETTLE)
        assert recorder.wake_ups == []
        await broker.stop()

    run(scenario())


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("memory://", MemoryBroker),
        ("redis://127.0.0.1:6379/0", RedisBroker),
        ("rediss://example.org:6380/1", RedisBroker),
        ("unix:///run/redis.sock?db=2", RedisBroker),
        ("postgresql://postgres@127.0.0.1:5432/test", PostgresBroker),
        ("postgres://postgres@127.0.0.1/test", PostgresBroker),
        ("postgresql+psycopg://postgres@127.0.0.1/test", PostgresBroker),
    ],
)
def test_broker_from_url(url: str, kind: type) -> None:
    assert isinstance(broker_from_url(url), kind)


def test_sqlalchemy_style_postgres_urls_become_libpq_urls() -> None:
    expected = "postgresql://u:p@db:5433/live?sslmode=require"
    assert conninfo_from_url("postgresql+psycopg://u:p@db:5433/live?sslmode=require") == expected
    assert conninfo_from_url("postgres://u:p@db:5433/live?sslmode=require") == expected
    with pytest.raises(ValueError, match="PostgreSQL"):
        conninfo_from_url("mysql://u@db/live")


@pytest.mark.parametrize("url", ["kafka://broker:9092", "redis://host:notaport/0"])
def test_unusable_broker_urls_fail_at_construction(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the backend's own
        broker_from_url(url)
