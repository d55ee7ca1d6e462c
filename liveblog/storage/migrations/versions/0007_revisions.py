"""The editorial workflow: every version of an entry's content (``entry_revisions``); on each
entry the time of its last visible edit, its correction note and its revision count; its status
(draft, submitted, scheduled, published: existing entries are published), the time a scheduled
one is due and an editor's note on a draft sent back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liveblog.storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("correction", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("corrected_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="published")
        )
        batch_op.add_column(sa.Column("publish_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch_op.create_index("ix_entries_due", ["status", "publish_at"])
        batch_op.create_index("ix_entries_queue", ["blog_id", "status"])
    op.create_table(
        "entry_revisions",
        sa.Column("entry_id", _Id, nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("editor_id", _Id, nullable=True),
        sa.Column("headline", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("key_event", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["users.id"],
            name=op.f("fk_entry_revisions_editor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_revisions_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "number", name=op.f("pk_entry_revisions")),
    )


def downgrade() -> None:
    op.drop_table("entry_revisions")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_queue")
        batch_op.drop_index("ix_entries_due")
        batch_op.drop_column("review_note")
        batch_op.drop_column("publish_at")
        batch_op.drop_column("status")
        batch_op.drop_column("revision")
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("correction")
        batch_op.drop_column("edited_at")
