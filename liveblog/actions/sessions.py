"""Desk sessions: log in, check, touch and log out.

A session id is 256 random bits, sent once in the cookie; the database keeps only its SHA-256,
so a copy of the database logs nobody in. Every login issues a new id (no fixation). A session
ends after ``idle`` without use or ``absolute`` after the login, whichever comes first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from liveblog.actions.users import UserActions
from liveblog.domain.errors import DomainError
from liveblog.domain.models import User
from liveblog.domain.tokens import token_hash
from liveblog.storage import sessions as session_rows
from liveblog.storage import users as user_rows
from liveblog.storage.writer import Done

TOUCH_EVERY = timedelta(minutes=1)
MAX_SESSIONS_PER_USER = 20
"""A login beyond this many sessions of one user ends the least recently used."""
"""A session's last use is written at most this often (its idle lifetime is hours)."""

LOGIN_FAILED = "the e-mail address or the password is wrong, or the account is disabled"


class LoginFailed(DomainError):
    """Unknown e-mail, wrong password or disabled account: one message for all three."""

    def __init__(self) -> None:
        super().__init__(LOGIN_FAILED)


@dataclass(frozen=True)
class NewSession:
    """A session just made: its id goes into the cookie and is never seen again."""

    session_id: str
    csrf_token: str
    user: User


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta

    def expired(self, session: session_rows.StoredSession, now: datetime) -> bool:
        return now - session.seen_at >= self.idle or now - session.created_at >= self.absolute


class SessionActions(UserActions):
    _dummy_hash: str | None = None

    def log_in(self, email: str, password: str, *, replaces: str | None = None) -> NewSession:
        """A new session for the user, if the password is right and the account enabled.
        Every failure costs the same work (a hash is verified even for an unknown e-mail) and
        says the same. ``replaces``: the id of the session the browser had, which ends."""
        clean = email.strip().lower() if isinstance(email, str) else ""
        with self.db.read() as conn:
            found = user_rows.with_password_hash(conn, clean) if clean else None
        stored_hash = found[1] if found is not None else self._dummy()
        valid = self.verify(stored_hash, password if isinstance(password, str) else "")
        if found is None or not valid or found[0].disabled:
            raise LoginFailed()
        user = found[0]
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = self.clock()
        rehashed = None
        if self.hasher.check_needs_rehash(stored_hash):  # hashed before the write, not in it
            rehashed = self.hasher.hash(password)

        def start(conn: Connection) -> Done[NewSession]:
            if replaces:
                session_rows.delete_session(conn, token_hash(replaces))
            session_rows.insert_session(conn, token_hash(session_id), user.id, csrf_token, now)
            session_rows.keep_newest(conn, user.id, MAX_SESSIONS_PER_USER)
            if rehashed is not None:
                user_rows.update_user(conn, user.id, {"password_hash": rehashed})
            return Done(NewSession(session_id, csrf_token, user))

        return self._write(start)

    def session(self, session_id: str, lifetimes: Lifetimes) -> session_rows.StoredSession | None:
        """The live session with this id, its last use moved forward (at most once a minute);
        ``None`` (and the row deleted) when it expired, its user is disabled or it is unknown."""
        id_hash = token_hash(session_id)
        now = self.clock()
        with self.db.read() as conn:
            found = session_rows.by_hash(conn, id_hash)
        if found is None:
            return None
        if found.user.disabled or lifetimes.expired(found, now):
            self._write_rows(lambda conn: session_rows.delete_session(conn, id_hash))
            return None
        if now - found.seen_at >= TOUCH_EVERY:
            self._write_rows(lambda conn: session_rows.touch(conn, id_hash, now))
        return found

    def log_out(self, session_id: str) -> None:
        id_hash = token_hash(session_id)
        self._write_rows(lambda conn: session_rows.delete_session(conn, id_hash))

    def _dummy(self) -> str:
        """A hash to verify against when the e-mail is unknown, so that takes as long."""
        if SessionActions._dummy_hash is None:
            SessionActions._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return SessionActions._dummy_hash
