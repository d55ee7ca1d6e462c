"""Bylines and desk presence: an entry's authors in order (``entry_authors``; the poster alone
when none are set), the blog setting ``show_authors`` that shows them to readers, and who has a
blog's desk open and which entry they are editing (``desk_presence``: advisory rows that the
desk stream refreshes and that count for nothing 60 s after their last sign).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liveblog.storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table: on SQLite that would drop the blogs table,
    # and with it, by ON DELETE CASCADE, every blog's entries and events).
    op.add_column(
        "blogs",
        sa.Column("show_authors", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "entry_authors",
        sa.Column("entry_id", _Id, nullable=False),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_authors_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_entry_authors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "user_id", name=op.f("pk_entry_authors")),
    )
    op.create_index("ix_entry_authors_user_id", "entry_authors", ["user_id"])
    op.create_table(
        "desk_presence",
        sa.Column("blog_id", _Id, nullable=False),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("entry_id", _Id, nullable=True),
        sa.Column("editing_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["blog_id"],
            ["blogs.id"],
            name=op.f("fk_desk_presence_blog_id_blogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_desk_presence_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blog_id", "user_id", "client", name=op.f("pk_desk_presence")),
    )
    op.create_index("ix_desk_presence_seen_at", "desk_presence", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_desk_presence_seen_at", table_name="desk_presence")
    op.drop_table("desk_presence")
    op.drop_index("ix_entry_authors_user_id", table_name="entry_authors")
    op.drop_table("entry_authors")
    with op.batch_alter_table("blogs", schema=None) as batch_op:
        batch_op.drop_column("show_authors")
