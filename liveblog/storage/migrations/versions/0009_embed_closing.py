"""The embed and the coverage lifecycle: the origins allowed to frame a blog's embed
(``blogs.embed_origins``, a JSON list of origins such as ``"https://partner.example"``; empty:
nobody may frame it), the note readers see at the top once a blog is closed
(``blogs.closing_note``) and when it was closed (``blogs.closed_at``, NULL while open).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liveblog.storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of the table: on SQLite that would drop the blogs table,
    # and with it, by ON DELETE CASCADE, every blog's entries and events).
    op.add_column(
        "blogs",
        sa.Column("embed_origins", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column("blogs", sa.Column("closing_note", sa.Text(), nullable=True))
    op.add_column("blogs", sa.Column("closed_at", UTCDateTime(), nullable=True))
    # Blogs closed before this migration: closed since their last change.
    op.execute("UPDATE blogs SET closed_at = updated_at WHERE status = 'closed'")


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (no batch copy, for the reason above).
    op.drop_column("blogs", "closed_at")
    op.drop_column("blogs", "closing_note")
    op.drop_column("blogs", "embed_origins")
