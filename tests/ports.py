"""Free local ports for servers a test starts in another process.

A port found by binding port 0 comes from the kernel's ephemeral range, the same range every
outgoing connection takes its source port from: between the test closing its probe and the
server binding the port, a connection to PostgreSQL or Redis (of this process or a server
started just before) can take it, and the server then fails with "port in use". So ports are
drawn from below the ephemeral range, where no outgoing connection lands, and checked free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

HOST = "127.0.0.1"
_LOWEST = 20_000
_FALLBACK_EPHEMERAL_START = 32_768


def _ephemeral_start() -> int:
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return _FALLBACK_EPHEMERAL_START


def free_port() -> int:
    """A local TCP port below the ephemeral range with nothing bound to it just now."""
    top = _ephemeral_start()
    if top - _LOWEST < 1_000:  # an unusual range: let the kernel choose
        return _bind(0)
    for _ in range(200):
        port = random.randrange(_LOWEST, top)
        try:
            return _bind(port)
        except OSError:
            continue
    return _bind(0)


def _bind(port: int) -> int:
    with socket.socket() as sock:
        sock.bind((HOST, port))
        found: int = sock.getsockname()[1]
    return found
