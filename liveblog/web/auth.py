"""Bearer-token authentication for API writes; reads of a blog are public."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from liveblog.domain.errors import DomainError
from liveblog.domain.models import User
from liveblog.domain.tokens import token_hash
from liveblog.storage import users as user_rows
from liveblog.web.services import Services, ServicesDep

_bearer = HTTPBearer(auto_error=False, description="An API token from `liveblog token create`.")


class Unauthorized(DomainError):
    """No valid API token (401; see ``liveblog.web.problems``)."""


async def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    services: ServicesDep,
) -> User:
    """The user whose token the request carries; 401 without a valid one. Async, so a request
    whose token was checked recently never leaves the event loop for it."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "send Authorization: Bearer <token>; create one with `liveblog token create`"
        )
    hashed = token_hash(credentials.credentials)
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
