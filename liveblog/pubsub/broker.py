"""The Broker protocol: how one process tells the others that a blog has new events.

Backends: ``memory://`` (one process), ``local://`` (the workers of ``serve --workers N`` on one
machine, through the supervisor's relay), ``redis://`` (Redis pub/sub) and ``postgresql://``
(LISTEN/NOTIFY). Each delivers wake-ups to the handler given to :meth:`Broker.start`, and calls
``on_reconnect`` after it lost and regained its connection, because messages may have been
missed meanwhile; the hub then catches up from the event log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

CHANNEL = "liveblog_events"


@dataclass(frozen=True)
class WakeUp:
    """Blog ``blog_id`` has events up to ``seq`` in the log."""

    blog_id: int
    seq: int

    def encode(self) -> str:
        return f"{self.blog_id}:{self.seq}"

    @classmethod
    def decode(cls, raw: str | bytes) -> WakeUp | None:
        """Parse a message; ``None`` for anything malformed (it is ignored, never fatal)."""
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        blog, _, seq = text.partition(":")
        if not all(p.isascii() and p.isdecimal() and len(p) <= 18 for p in (blog, seq)):
            return None
        return cls(int(blog), int(seq))


ACCESS_CHANGED = WakeUp(0, 0)
"""The one message that is about no blog (no blog has the id 0): access was revoked somewhere (a
token, a user, a password), so every process forgets the API tokens it remembers."""

WakeUpHandler = Callable[[WakeUp], None]
ReconnectHandler = Callable[[], Awaitable[None] | None]


class Broker(Protocol):
    """Publish-after-commit notifications across processes."""

    async def start(self, on_wake_up: WakeUpHandler, on_reconnect: ReconnectHandler) -> None:
        """Connect and begin delivering wake-ups (from every process, this one included).

        Returns once the subscription is live, so anything published afterwards is delivered.
        If the server is unreachable it logs a warning, returns, and keeps trying in the
        background. ``on_wake_up`` runs on the event loop, never inside :meth:`publish`; an
        exception from it is logged and delivery goes on. ``on_reconnect`` (its awaitable, if
        it returns one, is awaited) runs after every re-established subscription, and after
        the first one when ``start`` could not connect, never on an uninterrupted start.
        Calling ``start`` on a started broker does nothing."""

    async def publish(self, wake_up: WakeUp) -> None:
        """Tell every process (this one included). Never raises: on a lost connection (or
        before start / after stop) it logs and returns, relying on the catch-up after
        reconnect. One publisher's wake-ups arrive in the order they were published."""

    async def stop(self) -> None:
        """Disconnect and stop delivering; idempotent. A stopped broker can be started again."""
