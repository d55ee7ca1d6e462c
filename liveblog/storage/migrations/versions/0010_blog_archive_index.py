"""The index page ``/`` lists the open blogs, then the closed ones, most recently closed first,
one keyset page at a time (:mod:`liveblog.storage.archive`): ``ix_blogs_archive`` on
``(status, closed_at, id)`` finds a section's blogs, and a page of the closed ones in order,
without reading the whole table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch copy of the blogs table: see 0009).
    op.create_index("ix_blogs_archive", "blogs", ["status", "closed_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_blogs_archive", table_name="blogs")
