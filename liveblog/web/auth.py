"""Bearer-token authentication for API writes; reads of a blog are public."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from liveblog.domain.errors import DomainError
from liveblog.domain.models import User
from liveblog.domain.tokens import token_hash
from liveblog.storage import users as user_rows
from liveblog.web.services import Services, services

_bearer = HTTPBearer(auto_error=False, description="An API token from `liveblog token create`.")


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    app: Annotated[Services, Depends(services)],
) -> User:
    """The user whose token the request carries; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "send Authorization: Bearer <token>; create one with `liveblog token create`"
        )
    with app.db.read() as conn:
        user = user_rows.by_token_hash(conn, token_hash(credentials.credentials))
    if user is None:
        raise Unauthorized("the API token is not valid")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
