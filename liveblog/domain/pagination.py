"""Keyset cursors: an opaque token naming the last item of a page, never an OFFSET."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from liveblog.domain.rules import MAX_ID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Order(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class BadCursor(ValueError):
    """The cursor was not made by :meth:`Cursor.encode`."""


@dataclass(frozen=True)
class Cursor:
    """Position after the entry published at ``published_at`` with ``id`` in a given order."""

    published_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.published_at - _EPOCH) // _MICROSECOND
        raw = f"{micros}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            micros_text, id_text = base64.urlsafe_b64decode(padded).decode().split(".")
            micros, entry_id = int(micros_text), int(id_text)
            published = _EPOCH + micros * _MICROSECOND
        except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError) as exc:
            raise BadCursor("cursor is not one this server gave out") from exc
        if not 0 <= entry_id <= MAX_ID:
            raise BadCursor("cursor is not one this server gave out")
        return cls(published, entry_id)
