"""The single writer (:mod:`liveblog.storage.writer`) on raw bodies, on SQLite and PostgreSQL:
bodies that wait together commit together, one that fails fails alone, and the lane answers
every caller whatever happens."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from liveblog.storage.database import Database
from liveblog.storage.writer import Done, Writer
from tests.waiting import wait_until

WAIT_S = 30.0


@pytest.fixture
def writer(db: Database) -> Iterator[Writer]:
    with db.write() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS writer_probe (n INTEGER PRIMARY KEY)"))
        conn.execute(text("DELETE FROM writer_probe"))
    lane = Writer(db.write, lanes=1)
    yield lane
    lane.close()
    with db.write() as conn:
        conn.execute(text("DROP TABLE writer_probe"))


def _insert(n: int) -> Callable[[Connection], Done[int]]:
    def body(conn: Connection) -> Done[int]:
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (:n)"), {"n": n})
        return Done(n)

    return body


def _stored(db: Database) -> list[int]:
    with db.read() as conn:
        return list(conn.execute(text("SELECT n FROM writer_probe ORDER BY n")).scalars())


class Gate:
    """A body that holds the lane until :meth:`open`, so what is submitted meanwhile waits and
    then runs as one group."""

    def __init__(self, writer: Writer) -> None:
        self._entered = threading.Event()
        self._release = threading.Event()
        self.future = writer.submit(self._body)
        assert self._entered.wait(WAIT_S), "the lane did not start the gate"

    def _body(self, conn: Connection) -> Done[None]:
        self._entered.set()
        assert self._release.wait(WAIT_S)
        return Done(None)

    def open(self) -> None:
        self._release.set()
        self.future.result(WAIT_S)


def test_bodies_that_wait_together_commit_together(db: Database, writer: Writer) -> None:
    gate = Gate(writer)
    before = writer.stats()
    futures = [writer.submit(_insert(n)) for n in range(1, 11)]
    wait_until(lambda: writer.waiting() == 10, WAIT_S, "10 queued bodies")
    gate.open()
    assert [f.result(WAIT_S) for f in futures] == list(range(1, 11))
    after = writer.stats()
    assert after.transactions - before.transactions == 2  # the gate's, then one for all ten
    assert after.bodies - before.bodies == 11
    assert _stored(db) == list(range(1, 11))


def test_a_body_that_fails_fails_alone(db: Database, writer: Writer) -> None:
    def refuses(conn: Connection) -> Done[int]:
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (100)"))
        raise ValueError("refused by its own check")

    def breaks_the_transaction(conn: Connection) -> Done[int]:
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (101)"))
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (1)"))  # a duplicate key
        return Done(0)

    gate = Gate(writer)
    futures: list[Future[int]] = [
        writer.submit(_insert(1)),
        writer.submit(refuses),
        writer.submit(_insert(2)),
        writer.submit(breaks_the_transaction),  # on PostgreSQL this aborts the transaction
        writer.submit(_insert(3)),
    ]
    wait_until(lambda: writer.waiting() == 5, WAIT_S, "5 queued bodies")
    gate.open()
    assert futures[0].result(WAIT_S) == 1
    with pytest.raises(ValueError, match="refused by its own check"):
        futures[1].result(WAIT_S)
    assert futures[2].result(WAIT_S) == 2
    with pytest.raises(DBAPIError):
        futures[3].result(WAIT_S)
    assert futures[4].result(WAIT_S) == 3
    assert _stored(db) == [1, 2, 3]  # nothing of the failed bodies, everything of the others
    assert writer.stats().failed == 2


def test_after_runs_once_committed_and_before_the_caller_hears(
    db: Database, writer: Writer
) -> None:
    seen: list[list[int]] = []

    def body(conn: Connection) -> Done[str]:
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (7)"))
        return Done("ok", lambda: seen.append(_stored(db)))  # reads in its own transaction

    assert writer.run(body) == "ok"
    assert seen == [[7]]


def test_a_failing_listener_does_not_fail_the_write(db: Database, writer: Writer) -> None:
    def broken() -> None:
        raise RuntimeError("listener bug")

    assert writer.run(lambda conn: Done(_insert(5)(conn).result, broken)) == 5
    assert _stored(db) == [5]


def test_a_body_cannot_start_another_write(writer: Writer) -> None:
    def nested(conn: Connection) -> Done[int]:
        return Done(writer.run(_insert(1)))

    with pytest.raises(RuntimeError, match="may not start another write"):
        writer.run(nested)


def test_run_async_answers_on_the_loop(db: Database, writer: Writer) -> None:
    async def main() -> list[int]:
        return list(await asyncio.gather(*(writer.run_async(_insert(n)) for n in (1, 2, 3))))

    assert sorted(asyncio.run(main())) == [1, 2, 3]
    assert _stored(db) == [1, 2, 3]


def test_closed_writer_runs_inline(db: Database, writer: Writer) -> None:
    writer.run(_insert(1))
    writer.close()
    assert writer.run(_insert(2)) == 2
    assert _stored(db) == [1, 2]


def test_in_memory_sqlite_writes_inline() -> None:
    db = Database("sqlite://")
    try:
        assert db.writer.run(lambda conn: Done(conn.execute(text("SELECT 41 + 1")).scalar())) == 42
        assert db.writer.waiting() == 0
    finally:
        db.dispose()


def test_a_deadlock_between_lanes_is_retried_not_failed(postgres_database: Database) -> None:
    """Two lanes whose transactions wait for each other's rows (PostgreSQL only: SQLite's one
    lock for the whole database admits no cycle): the database aborts one of them; that group
    runs again once the other has committed, and both succeed."""
    db = postgres_database
    with db.write() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS writer_probe (n INTEGER PRIMARY KEY)"))
        conn.execute(text("DELETE FROM writer_probe"))
        conn.execute(text("INSERT INTO writer_probe (n) VALUES (1), (2)"))
    both_hold_one = threading.Barrier(2, timeout=WAIT_S)
    runs: list[str] = []

    def crossing(first: int, second: int) -> Callable[[Connection], Done[str]]:
        def body(conn: Connection) -> Done[str]:
            name = f"{first}->{second}"
            runs.append(name)
            touch = "UPDATE writer_probe SET n = n WHERE n = :n"
            conn.execute(text(touch), {"n": first})
            if runs.count(name) == 1:  # only the first run meets the other halfway
                both_hold_one.wait()
            conn.execute(text(touch), {"n": second})
            return Done(name)

        return body

    lanes = [Writer(db.write, lanes=1), Writer(db.write, lanes=1)]
    try:
        futures = [lanes[0].submit(crossing(1, 2)), lanes[1].submit(crossing(2, 1))]
        assert sorted(f.result(WAIT_S) for f in futures) == ["1->2", "2->1"]
    finally:
        for lane in lanes:
            lane.close()
        with db.write() as conn:
            conn.execute(text("DROP TABLE writer_probe"))
    assert len(runs) == 3  # one of them ran again after the database broke the cycle
