"""index the pinned entry of a blog

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entries_pinned", ["blog_id", "pinned", "deleted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_pinned")
