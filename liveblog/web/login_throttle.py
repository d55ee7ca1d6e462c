"""Login throttling: failed logins are counted per account (its lowercased e-mail) and per
client address (IPv6: per /64) in a moving window (the ``limits`` library).

Only *failed* attempts count, so a newsroom behind one address that logs in every morning never
meets the address limit by succeeding. An attempt is first tested against both limits: past
either, it is refused with 429 before the password is even verified (no hashing work for an
attacker, no answer about the password). A failure then adds a hit to both. Two attempts tested
at the same instant may both pass, so an attacker with many parallel requests gets a few more
guesses than the limit, never many more.

The counts live in memory (one process) or, when ``LIVEBLOG_BROKER_URL`` is a Redis URL, in
Redis, which every process shares. If Redis fails, the process counts in memory meanwhile
rather than refusing every login or letting every attempt through.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from liveblog.config import Settings, SettingsError
from liveblog.web.connection_limits import address_key

log = logging.getLogger("liveblog.web")

PREFIX = "liveblog-login"


def parse_limit(name: str, value: str) -> RateLimitItem:
    """A limit in the ``limits`` notation (``10 per 15 minutes``, ``10/15minutes``), else a
    :class:`SettingsError` naming the variable."""
    try:
        return parse(value)
    except ValueError as exc:
        raise SettingsError(
            f"LIVEBLOG_{name.upper()}: {value!r} is not a rate limit such as '10 per 15 minutes'"
        ) from exc


@dataclass(frozen=True)
class Refusal:
    """Past a limit: how many seconds until the next attempt may be made."""

    retry_after: int


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.per_account = parse_limit("login_limit_per_account", settings.login_limit_per_account)
        self.per_address = parse_limit("login_limit_per_address", settings.login_limit_per_address)
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if settings.broker_url.startswith(("redis://", "rediss://")):
            self._shared = MovingWindowRateLimiter(RedisStorage(settings.broker_url))

    def _keys(self, email: str, address: str | None) -> list[tuple[RateLimitItem, str]]:
        keys = [(self.per_account, f"account:{email.strip().lower()}")]
        if address:
            keys.append((self.per_address, f"address:{address_key(address)}"))
        return keys

    def check(self, email: str, address: str | None) -> Refusal | None:
        """``None`` if an attempt for ``email`` from ``address`` may be made now, else when."""
        waits = [
            self._retry_after(limit, key)
            for limit, key in self._keys(email, address)
            if not self._call("test", limit, key)
        ]
        return Refusal(max(waits)) if waits else None

    def failed(self, email: str, address: str | None) -> None:
        """Count a failed attempt against both limits."""
        for limit, key in self._keys(email, address):
            self._call("hit", limit, key)

    def _call(self, method: str, limit: RateLimitItem, key: str) -> bool:
        if self._shared is not None:
            try:
                return bool(getattr(self._shared, method)(limit, PREFIX, key))
            except Exception as exc:  # Redis down: count in this process meanwhile
                log.warning("login throttling falls back to memory: %s", exc)
        return bool(getattr(self._memory, method)(limit, PREFIX, key))

    def _retry_after(self, limit: RateLimitItem, key: str) -> int:
        limiter = self._memory
        if self._shared is not None:
            try:
                stats = self._shared.get_window_stats(limit, PREFIX, key)
                return max(1, math.ceil(stats.reset_time - time.time()))
            except Exception:
                limiter = self._memory
        stats = limiter.get_window_stats(limit, PREFIX, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
