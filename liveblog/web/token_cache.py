"""Checked API tokens, remembered for a short while so a write request costs no database read
for its authentication (see ``LIVEBLOG_TOKEN_CACHE_SECONDS``).

Keyed by the token's SHA-256, like the database; bounded, and emptied when full.

Revocation (``liveblog token revoke``, in any process) deletes the tokens and raises a counter
in the database, the revocation *generation*, in the same transaction. A process trusts what it
remembers only while it has seen the current generation less than
:data:`REVOCATION_CHECK_SECONDS` ago: after that, the next request with a remembered token first
reads the generation (one primary-key read, at most about once a second per process, none while
no token is remembered), and a new generation makes the process forget every token. Each lookup
reads the generation in the same snapshot as the token, so a token read before a revocation is
never remembered as valid after the process has seen it. A revoked token is therefore refused
everywhere within a second. With ``LIVEBLOG_TOKEN_CACHE_SECONDS`` of 1 or less, tokens expire
that fast anyway and the generation is never read apart from lookups.

Sooner still: every revocation is announced over the broker (``web.live.delivery``), and each
process empties its cache (:meth:`TokenCache.clear`) when it hears it; the generation is the
fallback for a message the broker lost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from liveblog.domain.models import User

MAX_TOKENS = 10_000
REVOCATION_CHECK_SECONDS = 1.0
"""A revoked token works in a process that remembers it for at most this long."""


class TokenCache:
    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._users: dict[str, tuple[float, int, User]] = {}  # expiry, generation, user
        self._generation: int | None = None  # the newest revocation generation seen
        self._seen_at = -math.inf  # clock() before the read that last saw it began

    def get(self, token_hash: str) -> User | None:
        """The remembered user of this token, if still trusted. Call :meth:`check_due` first
        (and :meth:`saw` with a fresh generation if it says so)."""
        found = self._users.get(token_hash)
        if found is None:
            return None
        expires, generation, user = found
        if self.clock() >= expires or generation != self._generation:
            self._users.pop(token_hash, None)
            return None
        return user

    def check_due(self) -> bool:
        """Whether the revocation generation must be read before a remembered token is
        trusted: something is remembered, for longer than a second, and the generation was
        last seen a second ago or more."""
        return (
            self.seconds > REVOCATION_CHECK_SECONDS
            and bool(self._users)
            and self.clock() - self._seen_at >= REVOCATION_CHECK_SECONDS
        )

    def saw(self, generation: int, started: float) -> None:
        """A database read that began at ``started`` (this cache's clock) saw ``generation``.
        A newer generation than known means tokens were revoked: forget them all."""
        if self._generation is None or generation > self._generation:
            self._generation = generation
            self._users.clear()
            self._seen_at = started
        elif generation == self._generation:
            self._seen_at = max(self._seen_at, started)

    def put(self, token_hash: str, user: User, generation: int, started: float) -> None:
        """Remember a token that a read begun at ``started`` found, together with the
        revocation generation that read saw (in the same snapshot)."""
        self.saw(generation, started)
        if self.seconds <= 0 or generation != self._generation:
            return  # a read older than what the cache knows: not trusted beyond this request
        if len(self._users) >= MAX_TOKENS:
            self._users.clear()
        self._users[token_hash] = (started + self.seconds, generation, user)

    def clear(self) -> None:
        """Forget every token now (access was revoked somewhere: the broker said so), and read
        the generation before trusting the next one remembered."""
        self._users.clear()
        self._seen_at = -math.inf

    def forget(self, token_hash: str) -> None:
        self._users.pop(token_hash, None)
