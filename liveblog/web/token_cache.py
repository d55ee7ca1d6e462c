"""Checked API tokens, remembered for a short while so a write request costs no database read
for its authentication (see ``LIVEBLOG_TOKEN_CACHE_SECONDS``).

Keyed by the token's SHA-256, like the database; bounded, and emptied when full. Tokens are
never revoked or re-assigned today; when they can be, the action that does it must call
:meth:`TokenCache.forget` (and other processes accept the old token until it expires here).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from liveblog.domain.models import User

MAX_TOKENS = 10_000


class TokenCache:
    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._users: dict[str, tuple[float, User]] = {}

    def get(self, token_hash: str) -> User | None:
        found = self._users.get(token_hash)
        if found is None:
            return None
        expires, user = found
        if self.clock() >= expires:
            self._users.pop(token_hash, None)
            return None
        return user

    def put(self, token_hash: str, user: User) -> None:
        if self.seconds <= 0:
            return
        if len(self._users) >= MAX_TOKENS:
            self._users.clear()
        self._users[token_hash] = (self.clock() + self.seconds, user)

    def forget(self, token_hash: str) -> None:
        self._users.pop(token_hash, None)
