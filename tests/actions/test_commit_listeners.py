"""Commit listeners with ``prepare``: it runs inside the write transaction and sees the rows
just written; what it returns reaches its listener; if it fails, the write commits anyway."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Connection, func, select

from liveblog.actions import Actions, Committed
from liveblog.domain.models import Blog, Event, User
from liveblog.storage.tables import entries


def test_prepare_sees_the_write_and_its_result_reaches_the_listener(
    actions: Actions, admin: User
) -> None:
    actions.create_blog(admin, slug="flut", title="Flut")
    heard: list[Committed] = []
    others: list[Committed] = []

    def prepare(conn: Connection, blog: Blog, events: tuple[Event, ...]) -> object:
        count = conn.execute(select(func.count()).select_from(entries)).scalar_one()
        return (count, blog.last_seq, [e.seq for e in events])

    actions.on_commit(heard.append, prepare=prepare)
    actions.on_commit(others.append)
    entry = actions.create_entry(admin, "flut", body="Pegel steigt.")
    actions.update_entry(admin, "flut", entry.id, {"body": "Pegel fällt."}, if_match=1)
    actions.delete_entry(admin, "flut", entry.id, if_match=2)
    assert [h.prepared for h in heard] == [(1, 2, [2]), (1, 3, [3]), (1, 4, [4])]
    assert [o.prepared for o in others] == [None, None, None]  # each listener gets its own
    assert [h.seq for h in heard] == [o.seq for o in others] == [2, 3, 4]


def test_a_failing_prepare_is_logged_and_the_write_commits(
    actions: Actions, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    actions.create_blog(admin, slug="flut", title="Flut")
    heard: list[Committed] = []

    def prepare(conn: Connection, blog: Blog, events: tuple[Event, ...]) -> object:
        raise RuntimeError("cannot encode")

    actions.on_commit(heard.append, prepare=prepare)
    with caplog.at_level(logging.ERROR, logger="liveblog.actions"):
        entry = actions.create_entry(admin, "flut", body="Pegel steigt.")
    assert [(h.seq, h.prepared) for h in heard] == [(2, None)]
    assert "cannot encode" in caplog.text
    with actions.db.read() as conn:
        assert conn.execute(select(entries.c.id)).scalars().all() == [entry.id]
