"""Actions on users and their API tokens."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError

from liveblog.actions.base import ActionsBase
from liveblog.domain import rules
from liveblog.domain.errors import (
    Conflict,
    NotFound,
)
from liveblog.domain.models import Role, User
from liveblog.domain.tokens import named_by, new_token, token_hash, token_prefix
from liveblog.storage import users as user_rows

MIN_PASSWORD = 10


class UserActions(ActionsBase):
    _hasher = PasswordHasher()
    """Stateless and thread-safe: one for all users of the class."""

    def create_user(self, email: str, role: str, password: str) -> User:
        errors = rules.Collector()
        clean_email = rules.email(errors, email)
        if role not in (Role.ADMIN.value, Role.EDITOR.value):
            errors.add("role", "must be 'admin' or 'editor'")
        if len(password) < MIN_PASSWORD:
            errors.add("password", f"must be at least {MIN_PASSWORD} characters")
        errors.raise_if_any()
        password_hash = self._hasher.hash(password)
        try:
            with self.db.write() as conn:
                if user_rows.by_email(conn, clean_email) is not None:
                    raise Conflict(f"a user with the e-mail {clean_email} already exists")
                return user_rows.insert_user(
                    conn, clean_email, Role(role), password_hash, self.clock()
                )
        except IntegrityError as exc:
            raise Conflict(f"a user with the e-mail {clean_email} already exists") from exc

    def create_token(self, email: str) -> tuple[User, str]:
        """A new API token for the user; the token itself is returned once and never stored."""
        token = new_token()
        with self.db.write() as conn:
            user = user_rows.by_email(conn, email.strip().lower())
            if user is None:
                raise NotFound(f"no user with the e-mail {email.strip()}")
            user_rows.insert_token(
                conn, user.id, token_hash(token), token_prefix(token), self.clock()
            )
        return user, token

    def revoke_tokens(self, email: str, *, prefix: str | None = None) -> tuple[User, int]:
        """Revoke all of the user's API tokens, or the one ``prefix`` names (``named_by``); every
        server process refuses them within a second (``web.token_cache``). Returns the count."""
        errors = rules.Collector()
        if prefix is not None and not prefix.strip():
            errors.add("prefix", "must not be empty")
        errors.raise_if_any()
        with self.db.write() as conn:
            user = user_rows.by_email(conn, email.strip().lower())
            if user is None:
                raise NotFound(f"no user with the e-mail {email.strip()}")
            tokens = user_rows.tokens_of(conn, user.id)
            if prefix is not None:
                tokens = [named_by(prefix.strip(), tokens, user.email)]
            revoked = user_rows.delete_tokens(conn, [t.id for t in tokens])
        return user, revoked
