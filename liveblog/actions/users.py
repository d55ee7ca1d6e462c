"""Actions on users: accounts, profiles, passwords, disabling, and their API tokens.

Whatever takes rights away (a revoked token, a disabled user, a new password) raises the
revocation generation in the same transaction, so every server process forgets the tokens and
sessions it remembers within a second (``web.token_cache``), and sooner over the broker.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveblog.actions.base import ActionsBase
from liveblog.domain import rules
from liveblog.domain.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
)
from liveblog.domain.models import Role, User
from liveblog.domain.tokens import StoredToken, named_by, new_token, token_hash, token_prefix
from liveblog.storage import sessions as session_rows
from liveblog.storage import users as user_rows
from liveblog.storage.writer import Done

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_DISPLAY_NAME = 100
GLOBAL_ROLES = (Role.ADMIN.value, Role.USER.value)


def check_password(errors: rules.Collector, password: str, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors.add(field, f"must be at least {MIN_PASSWORD} characters")
    elif len(password) > MAX_PASSWORD:
        errors.add(field, f"must be at most {MAX_PASSWORD} characters")


class UserActions(ActionsBase):
    hasher = PasswordHasher()
    """Stateless and thread-safe: one for all users of the class."""

    def create_user(
        self,
        email: str,
        role: str,
        password: str,
        *,
        display_name: str = "",
        language: str = "de",
    ) -> User:
        errors = rules.Collector()
        clean_email = rules.email(errors, email)
        if role not in GLOBAL_ROLES:
            errors.add("role", "must be 'admin' or 'user'")
        check_password(errors, password)
        name = _display_name(errors, display_name)
        rules.language(errors, language)
        errors.raise_if_any()
        password_hash = self.hasher.hash(password)
        now = self.clock()

        def create(conn: Connection) -> Done[User]:
            if user_rows.by_email(conn, clean_email) is not None:
                raise Conflict(f"a user with the e-mail {clean_email} already exists")
            return Done(
                user_rows.insert_user(
                    conn,
                    clean_email,
                    Role(role),
                    password_hash,
                    now,
                    display_name=name,
                    language=language,
                )
            )

        try:
            return self._write(create)
        except IntegrityError as exc:
            raise Conflict(f"a user with the e-mail {clean_email} already exists") from exc

    def update_profile(self, user: User, *, display_name: str, language: str) -> User:
        errors = rules.Collector()
        name = _display_name(errors, display_name)
        rules.language(errors, language)
        errors.raise_if_any()
        values = {"display_name": name, "language": language}
        return self._write(lambda conn: Done(user_rows.update_user(conn, user.id, values)))

    def set_password(self, email: str, password: str) -> User:
        """Give the user a new password (the CLI's reset) and end all their sessions."""
        errors = rules.Collector()
        check_password(errors, password)
        errors.raise_if_any()
        password_hash = self.hasher.hash(password)

        def reset(conn: Connection) -> Done[User]:
            found = user_by_email(conn, email)
            changed = user_rows.update_user(conn, found.id, {"password_hash": password_hash})
            session_rows.delete_sessions_of(conn, found.id)
            user_rows.raise_revocation_generation(conn)
            return Done(changed, self._access_revoked)

        return self._write(reset)

    def change_password(
        self, user: User, current: str, new: str, *, keep_session: str | None = None
    ) -> User:
        """The user's own change: the current password is required. Ends every other session
        of the user (``keep_session`` is the hash of the one making the change)."""
        errors = rules.Collector()
        check_password(errors, new, "new_password")
        errors.raise_if_any()
        with self.db.read() as conn:
            found = user_rows.with_password_hash(conn, user.email)
        if found is None or not self.verify(found[1], current):
            raise InvalidInput([FieldError("current_password", "is not your current password")])
        password_hash = self.hasher.hash(new)

        def change(conn: Connection) -> Done[User]:
            changed = user_rows.update_user(conn, user.id, {"password_hash": password_hash})
            session_rows.delete_sessions_of(conn, user.id, keep=keep_session)
            user_rows.raise_revocation_generation(conn)
            return Done(changed, self._access_revoked)

        return self._write(change)

    def disable_user(self, email: str) -> User:
        """Disable the user: no login, no token; their sessions end in every process."""
        now = self.clock()

        def disable(conn: Connection) -> Done[User]:
            user = user_by_email(conn, email)
            if user.disabled:
                return Done(user)
            user = user_rows.update_user(conn, user.id, {"disabled_at": now})
            session_rows.delete_sessions_of(conn, user.id)
            user_rows.raise_revocation_generation(conn)
            return Done(user, self._access_revoked)

        return self._write(disable)

    def enable_user(self, email: str) -> User:
        """Let a disabled user log in again; their old sessions and tokens stay gone. A user
        without a password (one an import created) gets one first (:meth:`set_password`)."""

        def enable(conn: Connection) -> Done[User]:
            found = user_rows.with_password_hash(conn, user_by_email(conn, email).email)
            assert found is not None
            user, password_hash = found
            if not password_hash.startswith("$"):
                raise Conflict(
                    f"{user.email} has no password yet: give one with "
                    "`liveblog user set-password` first"
                )
            # What they held before stays gone: a token or session kept somewhere while they
            # were disabled must not come back to life.
            user_rows.delete_tokens(conn, [t.id for t in user_rows.tokens_of(conn, user.id)])
            session_rows.delete_sessions_of(conn, user.id)
            return Done(user_rows.update_user(conn, user.id, {"disabled_at": None}))

        return self._write(enable)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def create_token(self, email: str) -> tuple[User, str]:
        """A new API token for the user; the token itself is returned once and never stored."""
        token = new_token()
        now = self.clock()

        def create(conn: Connection) -> Done[User]:
            user = user_by_email(conn, email)
            user_rows.insert_token(conn, user.id, token_hash(token), token_prefix(token), now)
            return Done(user)

        return self._write(create), token

    def tokens(self, user: User) -> list[StoredToken]:
        with self.db.read() as conn:
            return user_rows.tokens_of(conn, user.id)

    def revoke_tokens(self, email: str, *, prefix: str | None = None) -> tuple[User, int]:
        """Revoke all of the user's API tokens, or the one ``prefix`` names (``named_by``); every
        server process refuses them within a second (``web.token_cache``). Returns the count."""
        errors = rules.Collector()
        if prefix is not None and not prefix.strip():
            errors.add("prefix", "must not be empty")
        errors.raise_if_any()

        def revoke(conn: Connection) -> Done[tuple[User, int]]:
            user = user_by_email(conn, email)
            tokens = user_rows.tokens_of(conn, user.id)
            if prefix is not None:
                tokens = [named_by(prefix.strip(), tokens, user.email)]
            revoked = user_rows.delete_tokens(conn, [t.id for t in tokens])
            return Done((user, revoked), self._access_revoked if revoked else None)

        return self._write(revoke)

    def revoke_token(self, user: User, token_id: int) -> None:
        """Revoke one of the user's own tokens, by its id (the account page)."""

        def revoke(conn: Connection) -> Done[None]:
            if token_id not in {t.id for t in user_rows.tokens_of(conn, user.id)}:
                raise NotFound(f"you have no API token {token_id}")
            user_rows.delete_tokens(conn, [token_id])
            return Done(None, self._access_revoked)

        self._write(revoke)


def user_by_email(conn: Connection, email: str) -> User:
    """The user with this e-mail (as typed: trimmed, any case), else :class:`NotFound`."""
    user = user_rows.by_email(conn, email.strip().lower())
    if user is None:
        raise NotFound(f"no user with the e-mail {email.strip()}")
    return user


def _display_name(errors: rules.Collector, value: str) -> str:
    return (
        rules.text(
            errors,
            "display_name",
            value if isinstance(value, str) else "",
            max_len=MAX_DISPLAY_NAME,
            required=False,
            multiline=False,
        )
        or ""
    )
