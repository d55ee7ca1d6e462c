"""Rich entries: uploaded photos (``media``: one row per upload, its files listed in
``variants``, a JSON list of ``{name, width, height, mime}``) and the "not independently
verified" flag of an entry and of each of its revisions (``unverified``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liveblog.storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "blog_id",
            _ID,
            sa.ForeignKey("blogs.id", ondelete="CASCADE", name="fk_media_blog_id_blogs"),
            nullable=False,
        ),
        sa.Column(
            "uploaded_by",
            _ID,
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_media_uploaded_by_users"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False, server_default=""),
        sa.Column("credit", sa.String(300), nullable=False, server_default=""),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_media"),
    )
    op.create_index("ix_media_blog_id_id", "media", ["blog_id", "id"], unique=False)
    # Plain ADD COLUMNs (no batch copy: see 0009).
    for table in ("entries", "entry_revisions"):
        op.add_column(
            table,
            sa.Column("unverified", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    op.drop_column("entry_revisions", "unverified")
    op.drop_column("entries", "unverified")
    op.drop_index("ix_media_blog_id_id", table_name="media")
    op.drop_table("media")
