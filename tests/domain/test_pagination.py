"""Keyset cursors survive a round trip exactly and reject anything not made by the server."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveblog.domain.pagination import BadCursor, Cursor

instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(instants, st.integers(min_value=0, max_value=2**62))
def test_cursor_round_trip_is_exact(published_at: datetime, entry_id: int) -> None:
    cursor = Cursor(published_at, entry_id)
    token = cursor.encode()
    assert token.isascii()
    assert "=" not in token
    assert Cursor.decode(token) == cursor


@pytest.mark.parametrize("token", ["", "%%%", "bm90LWEtY3Vyc29y", "MS4tMQ", "eHl6LjE"])
def test_garbage_cursors_are_rejected(token: str) -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(token)


@given(st.text(max_size=40))
def test_decoding_never_raises_anything_but_bad_cursor(token: str) -> None:
    with contextlib.suppress(BadCursor):
        Cursor.decode(token)
