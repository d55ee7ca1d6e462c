"""Reading an event stream off a plain socket, shared by the live tests' two readers (the
blocking ``SSEClient`` of ``conftest.py`` and the non-blocking ``Reader`` of ``processes.py``):
the request, the response head, chunked bodies and event blocks."""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

HOST = "127.0.0.1"


def stream_request(port: int, path: str, headers: Mapping[str, str] | None = None) -> bytes:
    """``GET path`` asking for ``text/event-stream``, with ``headers``."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept: text/event-stream"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass(frozen=True)
class Head:
    status_line: str
    status: int
    headers: dict[str, str]
    """Lower-case names."""

    @property
    def chunked(self) -> bool:
        return self.headers.get("transfer-encoding", "").lower() == "chunked"


def read_head(sock: socket.socket, deadline: float, who: str = "server") -> tuple[Head, bytes]:
    """Read the response head (by ``time.monotonic()`` ``deadline``); it and the bytes after it."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{who}: no response head in time")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        if not data:
            raise ConnectionError(f"{who}: closed before the response head")
        raw += data
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Head(status_line, int(status_line.split()[1]), headers), rest


def dechunk(raw: bytes) -> tuple[bytes, bytes]:
    """The data of the complete chunks at the start of ``raw`` (chunked transfer coding, which
    the ASGI fallback path uses), and what is left: an incomplete chunk."""
    out = b""
    while b"\r\n" in raw:
        size_line, _, rest = raw.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if len(rest) < size + 2:
            break
        out += rest[:size]
        raw = rest[size + 2 :]
    return out, raw


@dataclass(frozen=True)
class Block:
    """One event block: its fields (the last of a name wins) and its comment lines."""

    fields: dict[str, str]
    comments: list[str]


def parse_block(block: bytes) -> Block:
    fields: dict[str, str] = {}
    comments: list[str] = []
    for line in block.decode("utf-8").split("\n"):
        if line.startswith(":"):
            comments.append(line)
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")
    return Block(fields, comments)
