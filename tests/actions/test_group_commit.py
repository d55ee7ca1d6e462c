"""Group commit through the actions, on SQLite and PostgreSQL: posts that wait for the writer
together commit in one transaction, yet every blog's events stay numbered 1, 2, 3... with no
gap and no number shared between blogs; a post that fails in a group fails alone with its own
problem; threads and separate processes writing at once leave the same gap-free logs."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from sqlalchemy import Connection, select

from liveblog.actions import Actions
from liveblog.domain.errors import Conflict, NotFound, PreconditionFailed
from liveblog.domain.models import Entry, EventType, User
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.storage.tables import blogs, entries, events
from liveblog.storage.writer import Done, Writer
from tests.waiting import wait_until

SLUGS = ("nord", "sued", "west")
WAIT_S = 60.0


def _logs(db: Database) -> dict[str, list[tuple[int, str]]]:
    """Each blog's events as (seq, type), in order, and its ``last_seq`` checked against them."""
    found: dict[str, list[tuple[int, str]]] = {}
    with db.read() as conn:
        for blog_id, slug, last_seq in conn.execute(
            select(blogs.c.id, blogs.c.slug, blogs.c.last_seq)
        ):
            rows = conn.execute(
                select(events.c.seq, events.c.type)
                .where(events.c.blog_id == blog_id)
                .order_by(events.c.seq)
            ).all()
            found[slug] = [(seq, type_) for seq, type_ in rows]
            assert last_seq == (rows[-1][0] if rows else 0), slug
    return found


def _assert_gap_free(db: Database) -> dict[str, list[tuple[int, str]]]:
    logs = _logs(db)
    for slug, log in logs.items():
        assert [seq for seq, _ in log] == list(range(1, len(log) + 1)), f"{slug}: {log}"
    return logs


def _entry_counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(blogs.c.slug, entries.c.id).join(entries, entries.c.blog_id == blogs.c.id)
        ).all()
    counts = dict.fromkeys(SLUGS, 0)
    for slug, _ in rows:
        counts[slug] += 1
    return counts


@pytest.fixture
def one_lane(db: Database) -> Iterator[Database]:
    """The database with a single lane for every blog (PostgreSQL has several by default), so a
    gate on that lane holds every write back and what waits behind it is one group."""
    default = db.writer
    db.writer = Writer(db.write, lanes=1)
    yield db
    db.writer.close()
    db.writer = default


@pytest.fixture
def newsroom(db: Database, actions: Actions, admin: User, editor: User) -> User:
    """The blogs of :data:`SLUGS`, with ``editor`` an editor in each (returned)."""
    for slug in SLUGS:
        actions.create_blog(admin, slug=slug, title=slug.title())
        actions.add_member(admin, slug, editor.email, "editor")
    return editor


def test_a_group_keeps_each_blogs_numbers_and_fails_its_bad_posts_alone(
    one_lane: Database, actions: Actions, admin: User, newsroom: User
) -> None:
    db = one_lane
    editor = newsroom
    actions.create_blog(admin, slug="zu", title="Closed")
    actions.add_member(admin, "zu", editor.email, "editor")
    actions.update_blog(admin, "zu", {"status": "closed"})
    earlier = actions.create_entry(editor, "nord", body="Erster Eintrag")
    before = db.writer.stats()

    entered, release = threading.Event(), threading.Event()

    def gate(conn: Connection) -> Done[None]:
        entered.set()
        assert release.wait(WAIT_S)
        return Done(None)

    held = db.writer.submit(gate)
    assert entered.wait(WAIT_S)
    calls: list[Callable[[], Entry]] = []
    for n in range(12):
        slug = SLUGS[n % 3]
        calls.append(partial(actions.create_entry, editor, slug, body=f"Post {n}"))
    calls.insert(3, lambda: actions.create_entry(editor, "zu", body="Into a closed blog"))
    calls.insert(7, lambda: actions.create_entry(editor, "nirgends", body="No such blog"))
    calls.insert(
        10,
        lambda: actions.update_entry(editor, "nord", earlier.id, {"body": "x"}, if_match=9),
    )
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        wait_until(lambda: db.writer.waiting() == len(calls), WAIT_S, "every call queued")
        release.set()
        held.result(WAIT_S)
        outcomes: list[object] = []
        for future in futures:
            error = future.exception(WAIT_S)
            outcomes.append(error if error is not None else future.result())
    stats = db.writer.stats()
    # The gate's transaction; the group's, begun again after each of its three failures.
    assert stats.transactions - before.transactions == 1 + 4
    assert isinstance(outcomes[3], Conflict)
    assert isinstance(outcomes[7], NotFound)
    assert isinstance(outcomes[10], PreconditionFailed)
    posted = [o for o in outcomes if isinstance(o, Entry)]
    assert len(posted) == 12
    logs = _assert_gap_free(db)
    assert [t for _, t in logs["nord"]].count(EventType.ENTRY_CREATED.value) == 1 + 4
    for slug in ("sued", "west"):
        assert [t for _, t in logs[slug]] == [EventType.BLOG_CREATED.value] + [
            EventType.ENTRY_CREATED.value
        ] * 4
    assert logs["zu"] == [(1, EventType.BLOG_CREATED.value), (2, EventType.BLOG_CLOSED.value)]
    assert _entry_counts(db) == {"nord": 5, "sued": 4, "west": 4}


def test_threads_posting_at_once_leave_gap_free_logs(
    db: Database, actions: Actions, newsroom: User
) -> None:
    editor = newsroom
    posts = 16 * 6

    def post(n: int) -> Entry:
        return actions.create_entry(editor, SLUGS[n % 3], body=f"Post {n}", pinned=n % 7 == 0)

    with ThreadPoolExecutor(16) as pool:
        assert len(list(pool.map(post, range(posts)))) == posts
    _assert_gap_free(db)
    assert sum(_entry_counts(db).values()) == posts


PROCESS_THREADS = 4
PROCESS_POSTS = 12


def _post_from_a_process(url: str, email: str, worker: int) -> None:
    """A separate process with its own Database (and writer), posting from several threads."""
    db = Database(url)
    try:
        actions = Actions(db)
        with db.read() as conn:
            user = user_rows.by_email(conn, email)
        assert user is not None

        def post(n: int) -> None:
            actions.create_entry(user, SLUGS[n % 3], body=f"Process {worker}, post {n}")

        with ThreadPoolExecutor(PROCESS_THREADS) as pool:
            list(pool.map(post, range(PROCESS_THREADS * PROCESS_POSTS)))
    finally:
        db.dispose()


def test_processes_posting_at_once_leave_gap_free_logs(
    db: Database, actions: Actions, newsroom: User
) -> None:
    editor = newsroom
    url = db.engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=_post_from_a_process, args=(url, editor.email, n)) for n in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0]
    _assert_gap_free(db)
    assert sum(_entry_counts(db).values()) == 2 * PROCESS_THREADS * PROCESS_POSTS
