"""Pick the broker backend named by a URL (``LIVEBLOG_BROKER_URL``).

Apart from the protocol (:mod:`liveblog.pubsub.broker`) so that the backends, which implement
it, and this factory, which imports them, form no cycle. The backends are imported on demand:
a process that uses ``memory://`` never loads the Redis or PostgreSQL client. ``local://`` is the
relay that ``liveblog serve --workers N`` runs between its workers (:mod:`liveblog.pubsub.local`).
"""

from __future__ import annotations

from liveblog.pubsub.broker import Broker


def broker_from_url(url: str) -> Broker:
    """The backend named by ``LIVEBLOG_BROKER_URL``."""
    scheme = url.split("://", 1)[0].lower()
    if scheme == "memory":
        from liveblog.pubsub.memory import MemoryBroker

        return MemoryBroker()
    if scheme in ("redis", "rediss", "unix"):
        from liveblog.pubsub.redis import RedisBroker

        return RedisBroker(url)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        from liveblog.pubsub.postgres import PostgresBroker

        return PostgresBroker(url)
    if scheme == "local":
        from liveblog.pubsub.local import LocalBroker

        return LocalBroker(url)
    raise ValueError(
        f"unsupported broker URL {url!r}: use memory://, redis://host:port/db, postgresql://... "
        "or local:///path/to/socket"
    )
