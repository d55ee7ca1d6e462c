"""Users and their API tokens (only a token's SHA-256 and its first characters are stored)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from liveblog.domain.models import Role, User
from liveblog.domain.tokens import StoredToken
from liveblog.storage.tables import api_tokens, token_revocations, users


def user_from_row(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        display_name=row["display_name"],
        language=row["language"],
        disabled_at=row["disabled_at"],
    )


def by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return user_from_row(row) if row else None


def with_password_hash(conn: Connection, email: str) -> tuple[User, str] | None:
    """The user with this e-mail and their password's hash, for a login."""
    row = conn.execute(select(users).where(users.c.email == email)).mappings().first()
    return (user_from_row(row), row["password_hash"]) if row else None


def update_user(conn: Connection, user_id: int, values: dict[str, Any]) -> User:
    row = (
        conn.execute(update(users).where(users.c.id == user_id).values(values).returning(users))
        .mappings()
        .one()
    )
    return user_from_row(row)


def by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == email)).mappings().first()
    return user_from_row(row) if row else None


def insert_user(
    conn: Connection,
    email: str,
    role: Role,
    password_hash: str,
    now: datetime,
    *,
    display_name: str = "",
    language: str = "de",
) -> User:
    row = (
        conn.execute(
            insert(users)
            .values(
                email=email,
                role=role.value,
                password_hash=password_hash,
                created_at=now,
                display_name=display_name,
                language=language,
            )
            .returning(users)
        )
        .mappings()
        .one()
    )
    return user_from_row(row)


def insert_token(
    conn: Connection, user_id: int, token_hash: str, prefix: str, now: datetime
) -> None:
    conn.execute(
        insert(api_tokens).values(
            user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=now
        )
    )


def tokens_of(conn: Connection, user_id: int) -> list[StoredToken]:
    rows = conn.execute(
        select(
            api_tokens.c.id, api_tokens.c.token_hash, api_tokens.c.prefix, api_tokens.c.created_at
        )
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.id)
    )
    return [StoredToken(r.id, r.token_hash, r.prefix, r.created_at) for r in rows]


def delete_tokens(conn: Connection, token_ids: Collection[int]) -> int:
    """Delete these tokens and, if there were any, raise the revocation count that every
    server process watches (:func:`revocation_generation`); how many were deleted."""
    if not token_ids:
        return 0
    deleted = conn.execute(delete(api_tokens).where(api_tokens.c.id.in_(token_ids))).rowcount
    if deleted:
        raise_revocation_generation(conn)
    return int(deleted)


def raise_revocation_generation(conn: Connection) -> None:
    """Tell every server process (within a second) to forget the tokens and sessions it
    remembers: tokens were revoked, a user was disabled or their rights changed."""
    raised = conn.execute(
        update(token_revocations)
        .where(token_revocations.c.id == 1)
        .values(generation=token_revocations.c.generation + 1)
    ).rowcount
    if not raised:  # the row the migration puts there is gone (a truncated test database)
        conn.execute(insert(token_revocations).values(id=1, generation=1))


def revocation_generation(conn: Connection) -> int:
    """How many times tokens were revoked: one primary-key read, cheap to ask every second."""
    value = conn.execute(
        select(token_revocations.c.generation).where(token_revocations.c.id == 1)
    ).scalar_one_or_none()
    return int(value or 0)


def by_token_hash(conn: Connection, token_hash: str) -> User | None:
    row = (
        conn.execute(
            select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, users.c.disabled_at.is_(None))
        )
        .mappings()
        .first()
    )
    return user_from_row(row) if row else None


def names(conn: Connection, user_ids: Collection[int]) -> dict[int, str]:
    """The shown names (:attr:`User.name`) of those of ``user_ids`` that exist."""
    if not user_ids:
        return {}
    rows = conn.execute(select(users).where(users.c.id.in_(sorted(set(user_ids)))))
    return {int(row["id"]): user_from_row(row).name for row in rows.mappings()}
