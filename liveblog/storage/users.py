"""Users and their API tokens (only a token's SHA-256 is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, RowMapping, insert, select

from liveblog.domain.models import Role, User
from liveblog.storage.tables import api_tokens, users


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"], email=row["email"], role=Role(row["role"]), created_at=row["created_at"]
    )


def by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == email)).mappings().first()
    return _user(row) if row else None


def insert_user(
    conn: Connection, email: str, role: Role, password_hash: str, now: datetime
) -> User:
    row = (
        conn.execute(
            insert(users)
            .values(email=email, role=role.value, password_hash=password_hash, created_at=now)
            .returning(users)
        )
        .mappings()
        .one()
    )
    return _user(row)


def insert_token(conn: Connection, user_id: int, token_hash: str, now: datetime) -> None:
    conn.execute(insert(api_tokens).values(user_id=user_id, token_hash=token_hash, created_at=now))


def by_token_hash(conn: Connection, token_hash: str) -> User | None:
    row = (
        conn.execute(
            select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash)
        )
        .mappings()
        .first()
    )
    return _user(row) if row else None
