"""API tokens: random, shown once, stored only as a SHA-256 digest and a short prefix."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from liveblog.domain.errors import Conflict, NotFound

PREFIX = "lb_"
SHOWN_PREFIX = 11
"""How many of a token's first characters are stored in the clear (``lb_`` and 8 of its 43
random ones: 48 of its 256 bits), so that ``liveblog token revoke --prefix`` can name one token
without the whole secret."""


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str:
    """The part of the token that is stored in the clear and names it to its owner."""
    return token[:SHOWN_PREFIX]


@dataclass(frozen=True)
class StoredToken:
    """What is kept of a token: never the token itself."""

    id: int
    token_hash: str
    prefix: str | None  # None for tokens made before the prefix was stored
    created_at: datetime


def named_by(given: str, tokens: list[StoredToken], owner: str) -> StoredToken:
    """The one token of ``owner``'s ``tokens`` that ``given`` names: the whole token, or its
    first characters (compared on the stored :data:`SHOWN_PREFIX`). A one-line error if it
    names none or several."""
    whole = token_hash(given)
    for token in tokens:
        if token.token_hash == whole:
            return token
    shown = token_prefix(given)
    found = [t for t in tokens if t.prefix is not None and t.prefix.startswith(shown)]
    if not found:
        raise NotFound(f"no token of {owner} starts with {shown!r}")
    if len(found) > 1:
        names = ", ".join(str(t.prefix) for t in found[:5]) + (", ..." if len(found) > 5 else "")
        raise Conflict(
            f"{len(found)} tokens of {owner} start with {shown!r} ({names}); give more of the token"
        )
    return found[0]
