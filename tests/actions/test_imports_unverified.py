"""The "not independently verified" flag in export documents: entries and revisions carry it,
an import writes it back (export, import, export gives the same bytes), and documents written
before the flag existed (no ``unverified`` anywhere) still import, every entry as verified."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import Actions
from liveblog.domain.errors import InvalidInput
from liveblog.domain.models import User
from liveblog.storage import revisions
from liveblog.storage.database import Database
from liveblog.storage.tables import entries, entry_revisions
from tests.actions.test_imports import PASSWORD, exported, wipe
from tests.conftest import FakeClock

SLUG = "storm"


def flagged_blog(actions: Actions, admin: User, clock: FakeClock) -> dict[str, int]:
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    clock.advance(minutes=1)
    plain = actions.create_entry(admin, SLUG, body="Gesichert.")
    posted = actions.create_entry(admin, SLUG, body="Angeblich.", unverified=True)
    clock.advance(minutes=1)
    actions.update_entry(admin, SLUG, posted.id, {"unverified": False}, if_match="*")
    later = actions.create_entry(admin, SLUG, body="Video.")
    clock.advance(minutes=1)
    actions.update_entry(admin, SLUG, later.id, {"unverified": True}, if_match="*")
    draft = actions.create_entry(admin, SLUG, body="Entwurf.", status="draft", unverified=True)
    return {"plain": plain.id, "posted": posted.id, "later": later.id, "draft": draft.id}


def flags(db: Database) -> tuple[dict[int, bool], dict[tuple[int, int], bool]]:
    with db.read() as conn:
        rows = conn.execute(select(entries.c.id, entries.c.unverified)).all()
        kept = conn.execute(
            select(
                entry_revisions.c.entry_id, entry_revisions.c.number, entry_revisions.c.unverified
            )
        ).all()
    return {r.id: r.unverified for r in rows}, {(r.entry_id, r.number): r.unverified for r in kept}


def test_the_flag_survives_export_and_import(
    actions: Actions, admin: User, db: Database, clock: FakeClock
) -> None:
    ids = flagged_blog(actions, admin, clock)
    at = clock.now
    first = exported(db, at)
    document = json.loads(first)
    shown = {e["id"]: e["unverified"] for e in document["entries"]}
    assert shown == {
        ids["plain"]: False,
        ids["posted"]: False,
        ids["later"]: True,
        ids["draft"]: True,
    }
    posted = next(e for e in document["entries"] if e["id"] == ids["posted"])
    assert [r["unverified"] for r in posted["revisions"]] == [True, False]
    before = flags(db)

    wipe(db)
    clock.advance(hours=1)
    actions.create_user("boss@example.org", "admin", PASSWORD)
    actions.import_blog(first)

    assert exported(db, at) == first
    assert flags(db) == before


def _strip(value: Any) -> Any:
    """``value`` without any ``unverified`` key: a document from before the flag."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "unverified"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_a_document_from_before_the_flag_imports_as_verified(
    actions: Actions, admin: User, db: Database, clock: FakeClock
) -> None:
    ids = flagged_blog(actions, admin, clock)
    old = _strip(json.loads(exported(db, clock.now)))
    assert "unverified" not in json.dumps(old)

    wipe(db)
    clock.advance(hours=1)
    actions.create_user("boss@example.org", "admin", PASSWORD)
    actions.import_blog(json.dumps(old).encode())

    rows, kept = flags(db)
    assert set(rows) == set(ids.values())
    assert not any(rows.values())
    assert kept
    assert not any(kept.values())
    with db.read() as conn:
        history = revisions.of_entry(conn, ids["later"])
    assert [r.unverified for r in history] == [False, False]


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_a_flag_that_is_no_boolean_is_refused_with_its_place(
    actions: Actions, admin: User, db: Database, clock: FakeClock, bad: Any
) -> None:
    flagged_blog(actions, admin, clock)
    document = json.loads(exported(db, clock.now))
    document["entries"][1]["unverified"] = bad
    document["entries"][1]["revisions"][0]["unverified"] = bad
    wipe(db)
    with pytest.raises(InvalidInput) as refused:
        actions.import_blog(json.dumps(document).encode())
    places = {e.field for e in refused.value.errors}
    assert places == {"/entries/1/unverified", "/entries/1/revisions/0/unverified"}
