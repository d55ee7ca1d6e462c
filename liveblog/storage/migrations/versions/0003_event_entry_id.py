"""events.entry_id: the entry an event is about; earlier events of edited and deleted entries
no longer carry their old text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 1000

# The table as this migration knows it (the application's tables.py may change later).
_events = sa.table(
    "events",
    sa.column("blog_id", sa.BigInteger()),
    sa.column("seq", sa.BigInteger()),
    sa.column("type", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("entry_id", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index("ix_events_blog_id_entry_id", ["blog_id", "entry_id"], unique=False)
    conn = op.get_bind()
    _backfill(conn)
    _supersede_existing(conn)


def _backfill(conn: sa.Connection) -> None:
    """``entry_id`` from each entry event's payload, in keyset batches (JSON is read in Python,
    the same way on SQLite and PostgreSQL)."""
    position = (-1, -1)
    update = (
        sa.update(_events)
        .where(_events.c.blog_id == sa.bindparam("b"), _events.c.seq == sa.bindparam("s"))
        .values(entry_id=sa.bindparam("e"))
    )
    while True:
        rows = conn.execute(
            sa.select(_events.c.blog_id, _events.c.seq, _events.c.type, _events.c.payload)
            .where(sa.tuple_(_events.c.blog_id, _events.c.seq) > sa.tuple_(*position))
            .order_by(_events.c.blog_id, _events.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        found = [
            {"b": r.blog_id, "s": r.seq, "e": _entry_id(r.payload)}
            for r in rows
            if r.type.startswith("entry.")
        ]
        if found:
            conn.execute(update, found)
        position = (rows[-1].blog_id, rows[-1].seq)


def _entry_id(payload: Any) -> int | None:
    entry = payload.get("entry") if isinstance(payload, dict) else None
    value = entry.get("id") if isinstance(entry, dict) else None
    return value if isinstance(value, int) else None


def _supersede_existing(conn: sa.Connection) -> None:
    """What ``storage.events.supersede`` does from now on, for the log written before: the
    earlier events of every entry carry its newest event's payload (its text as it is now), as
    ``entry.deleted`` when that one is a deletion. Deleted text leaves every replay and poll."""
    groups = conn.execute(
        sa.select(_events.c.blog_id, _events.c.entry_id, sa.func.max(_events.c.seq))
        .where(_events.c.entry_id.is_not(None))
        .group_by(_events.c.blog_id, _events.c.entry_id)
        .having(sa.func.count() > 1)
    ).all()
    for blog_id, entry_id, newest in groups:
        last = conn.execute(
            sa.select(_events.c.type, _events.c.payload).where(
                _events.c.blog_id == blog_id, _events.c.seq == newest
            )
        ).one()
        values: dict[str, Any] = {"payload": last.payload}
        if last.type == "entry.deleted":
            values["type"] = last.type
        conn.execute(
            sa.update(_events)
            .where(
                _events.c.blog_id == blog_id,
                _events.c.entry_id == entry_id,
                _events.c.seq < newest,
            )
            .values(**values)
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_blog_id_entry_id")
        batch_op.drop_column("entry_id")
