"""The PostgreSQL and Redis servers the tests use: named by ``LIVEBLOG_TEST_POSTGRES_URL`` and
``LIVEBLOG_TEST_REDIS_URL``, or, when a variable is unset, found on its default local port, so
a plain ``pytest`` is the full run wherever the services exist.

Detection is one quick look per session: PostgreSQL at 127.0.0.1:5432 as user ``postgres``
(connect, ``SELECT 1``), Redis at 127.0.0.1:6379 (``PING``), each with a short timeout. The tests
only ever create and drop databases of their own and use channels of their own, so a detected
server is left as it was. ``LIVEBLOG_TEST_NO_DETECT=1`` turns detection off.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import psycopg

TIMEOUT = 1.0  # seconds to connect to, and hear from, a local server
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def detecting() -> bool:
    return os.environ.get("LIVEBLOG_TEST_NO_DETECT", "") != "1"


def postgres_answers(url: str = DEFAULT_POSTGRES_URL) -> bool:
    """Whether a PostgreSQL server takes ``url`` (no password) and answers ``SELECT 1``."""
    try:
        with psycopg.connect(url, connect_timeout=max(1, round(TIMEOUT))) as conn:
            row = conn.execute("SELECT 1").fetchone()
    except psycopg.Error:
        return False
    return row == (1,)


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """Whether a Redis server at ``host:port`` answers ``PING`` without a password."""
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _choose(variable: str, default: str, answers: Callable[[], bool]) -> str:
    """The URL in ``variable``; if it is unset, ``default`` when a server answers there."""
    explicit = os.environ.get(variable, "")
    if explicit or not detecting():
        return explicit
    return default if answers() else ""


POSTGRES_URL = _choose("LIVEBLOG_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL, postgres_answers)
"""The PostgreSQL server for this session ("" when there is none): each session creates its own
temporary database there and drops it at the end."""

REDIS_URL = _choose("LIVEBLOG_TEST_REDIS_URL", DEFAULT_REDIS_URL, redis_answers)
"""The Redis server for this session ("" when there is none)."""

EXPLICIT_REDIS_URL = os.environ.get("LIVEBLOG_TEST_REDIS_URL", "")
"""Only what the variable names: the test that restarts Redis never runs on a detected server."""
REDIS_HINT = (
    "Redis tests skipped: set LIVEBLOG_TEST_REDIS_URL=redis://127.0.0.1:6379/0, or run Redis on "
    "127.0.0.1:6379 without a password, to run them"
)
