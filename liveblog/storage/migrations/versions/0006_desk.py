"""The desk: user profiles and disabling, per-blog memberships, sessions, idempotency keys, the
actor of every event and the audit log. Global editors become users with the editor role in
every blog, so nobody loses access on upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from liveblog.storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("display_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="de")
        )
        batch_op.add_column(sa.Column("disabled_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", _Id, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_events_actor_id_users"), "users", ["actor_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "memberships",
        sa.Column("blog_id", _Id, nullable=False),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blog_id"], ["blogs.id"], name=op.f("fk_memberships_blog_id_blogs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("blog_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", _Id, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_idempotency_keys_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("blog_id", _Id, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", _Id, nullable=True),
        sa.Column("entry_id", _Id, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blog_id"], ["blogs.id"], name=op.f("fk_audit_log_blog_id_blogs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_blog_id_id"), "audit_log", ["blog_id", "id"])
    _editors_become_members()


def _editors_become_members() -> None:
    """Every global editor becomes a user with the editor role in every existing blog."""
    conn = op.get_bind()
    users = sa.table("users", sa.column("id", _Id), sa.column("role", sa.String()))
    blogs = sa.table("blogs", sa.column("id", _Id))
    memberships = sa.table(
        "memberships",
        sa.column("blog_id", _Id),
        sa.column("user_id", _Id),
        sa.column("role", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    editors = [
        row.id for row in conn.execute(sa.select(users.c.id).where(users.c.role == "editor"))
    ]
    blog_ids = [row.id for row in conn.execute(sa.select(blogs.c.id))]
    now = datetime.now(UTC)
    rows = [
        {"blog_id": b, "user_id": u, "role": "editor", "created_at": now}
        for u in editors
        for b in blog_ids
    ]
    if rows:
        conn.execute(sa.insert(memberships), rows)
    conn.execute(sa.update(users).where(users.c.role == "editor").values(role="user"))


def downgrade() -> None:
    conn = op.get_bind()
    users = sa.table("users", sa.column("role", sa.String()))
    conn.execute(sa.update(users).where(users.c.role == "user").values(role="editor"))
    op.drop_index(op.f("ix_audit_log_blog_id_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_index(op.f("ix_memberships_user_id"), table_name="memberships")
    op.drop_table("memberships")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_events_actor_id_users"), type_="foreignkey")
        batch_op.drop_column("actor_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("language")
        batch_op.drop_column("display_name")
