"""Who sends a request: an API token (``Authorization: Bearer``) or a desk session cookie.

Reads of a blog are public. API writes take either: the desk's own scripts call the API with
the session cookie and its CSRF token (:mod:`liveblog.web.csrf`), scripts elsewhere with a
token. A bearer token wins when a request carries both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request

from liveblog.domain.errors import DomainError
from liveblog.domain.models import User
from liveblog.domain.tokens import token_hash
from liveblog.storage import users as user_rows
from liveblog.storage.sessions import StoredSession
from liveblog.web import csrf, sessions
from liveblog.web.services import Services, ServicesDep, services_of

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (`liveblog token create`, or the desk's account page).",
)


class Unauthorized(DomainError):
    """No valid API token or session (401; see ``liveblog.web.problems``)."""


@dataclass(frozen=True)
class Session:
    """A desk session as a request sees it: its user, its CSRF token and its id's hash."""

    user: User
    csrf_token: str
    id_hash: str
    session_id: str


async def desk_session(request: HTTPConnection) -> Session | None:
    """The request's live desk session, if its cookie names one (read from the database: a
    logout, a disabled user or a new password is seen at once)."""
    services = services_of(request)
    session_id = sessions.session_id(request, services.settings)
    if session_id is None:
        return None
    found: StoredSession | None = await run_in_threadpool(
        services.actions.session, session_id, sessions.lifetimes(services.settings)
    )
    if found is None:
        return None
    return Session(found.user, found.csrf_token, found.id_hash, session_id)


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    services: ServicesDep,
) -> User:
    """The user whose token or session the request carries; 401 without a valid one. A
    state-changing request authenticated by its session cookie must pass the CSRF checks
    (header ``X-CSRF-Token``), else 403."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return await token_user(services, credentials.credentials)
    session = await desk_session(request)
    if session is None:
        raise Unauthorized(
            "send Authorization: Bearer <token> (create one with `liveblog token create` or on "
            "the desk's account page), or log in at /admin/login"
        )
    if request.method not in csrf.SAFE_METHODS:
        csrf.check(request, services.settings, session.csrf_token, request.headers.get(csrf.HEADER))
    return session.user


async def token_user(services: Services, token: str) -> User:
    """The user of an API token; 401 for an unknown or revoked one. Async, so a request whose
    token was checked recently never leaves the event loop for it."""
    hashed = token_hash(token)
    tokens = services.tokens
    if tokens.check_due():  # about once a second: were tokens revoked meanwhile?
        started = tokens.clock()
        tokens.saw(await run_in_threadpool(_generation, services), started)
    user = tokens.get(hashed)
    if user is None:
        started = tokens.clock()
        user, generation = await run_in_threadpool(_lookup, services, hashed)
        if user is None:
            raise Unauthorized("the API token is not valid")
        tokens.put(hashed, user, generation, started)
    return user


def _generation(services: Services) -> int:
    with services.db.read() as conn:
        return user_rows.revocation_generation(conn)


def _lookup(services: Services, hashed: str) -> tuple[User | None, int]:
    """The token's user and the revocation generation, from one snapshot."""
    with services.db.read() as conn:
        return user_rows.by_token_hash(conn, hashed), user_rows.revocation_generation(conn)


CurrentUser = Annotated[User, Depends(current_user)]
