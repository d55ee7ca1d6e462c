"""Keyset cursors: an opaque, signed token naming the last item of a page, never an OFFSET.

A token is ``<position>.<signature>``: the position (``<microseconds since 1970>.<id>``) in
unpadded URL-safe base64, then the first 16 bytes of its HMAC-SHA256 under a key derived from
the site's secret (:func:`cursor_key`), also base64. Only the exact token :meth:`Cursor.encode`
gives out decodes: a made-up, altered or re-encoded one, or one signed with another secret, is
:class:`BadCursor`. Pure: callers pass the key in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from liveblog.domain.rules import MAX_ID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PURPOSE = b"liveblog pagination cursor v1"
_SIGNATURE_BYTES = 16


class Order(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class BadCursor(ValueError):
    """The cursor was not made by :meth:`Cursor.encode` with this key."""


@lru_cache(maxsize=8)
def cursor_key(secret: str) -> bytes:
    """The key that signs cursors, derived from the site's secret (so that other uses of the
    secret, such as sessions later, get keys of their own)."""
    if not secret:
        raise ValueError("the site's secret must not be empty")
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


@dataclass(frozen=True)
class Cursor:
    """Position after the entry published at ``published_at`` with ``id`` in a given order."""

    published_at: datetime
    id: int

    @property
    def position(self) -> str:
        """The cursor's content, unsigned: equal for equal cursors (a cache key, never a link)."""
        micros = (self.published_at - _EPOCH) // _MICROSECOND
        return f"{micros}.{self.id}"

    def encode(self, key: bytes) -> str:
        """The token for this cursor, signed with ``key`` (from :func:`cursor_key`)."""
        raw = self.position.encode()
        signature = hmac.new(key, raw, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return f"{_b64(raw)}.{_b64(signature)}"

    @classmethod
    def decode(cls, token: str, key: bytes) -> Cursor:
        try:
            if not token.isascii():
                raise ValueError("not ASCII")
            position = token.split(".")[0]
            micros_text, id_text = _unb64(position).decode("ascii").split(".")
            micros, entry_id = int(micros_text), int(id_text)
            cursor = cls(_EPOCH + micros * _MICROSECOND, entry_id)
        except (ValueError, binascii.Error, OverflowError, OSError) as exc:
            raise BadCursor("cursor is not one this server gave out") from exc
        # Re-encoding checks the signature and that the token is in the one form encode() gives
        # (base64 lets a few tokens decode alike).
        if not (0 <= entry_id <= MAX_ID and hmac.compare_digest(cursor.encode(key), token)):
            raise BadCursor("cursor is not one this server gave out")
        return cursor


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
