"""api_tokens.prefix names a token for revocation; token_revocations counts revocations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tokens made before have no prefix: only `liveblog token revoke EMAIL` (all of a user's
    # tokens) or the whole token as the prefix can revoke them.
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefix", sa.String(length=16), nullable=True))
    revocations = op.create_table(
        "token_revocations",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_revocations")),
    )
    op.bulk_insert(revocations, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("token_revocations")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("prefix")
