"""Keyset cursors survive a round trip exactly and reject anything not made with the key."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveblog.domain.pagination import BadCursor, Cursor, cursor_key

instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
KEY = cursor_key("a secret")
CURSOR = Cursor(datetime(2023, 10, 12, 3, 15, tzinfo=UTC), 42)


@given(instants, st.integers(min_value=0, max_value=2**62))
def test_cursor_round_trip_is_exact(published_at: datetime, entry_id: int) -> None:
    cursor = Cursor(published_at, entry_id)
    token = cursor.encode(KEY)
    assert token.isascii()
    assert "=" not in token
    assert Cursor.decode(token, KEY) == cursor


@pytest.mark.parametrize(
    "token", ["", ".", "%%%", "bm90LWEtY3Vyc29y", "MS4tMQ", "eHl6LjE", "MS4x.", "MS4x.AAAA"]
)
def test_garbage_cursors_are_rejected(token: str) -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(token, KEY)


def test_an_unsigned_or_made_up_cursor_is_rejected() -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(CURSOR.encode(KEY).split(".")[0], KEY)  # the position alone, unsigned
    position = CURSOR.encode(KEY).split(".")[0]
    with pytest.raises(BadCursor):
        Cursor.decode(position + ".AAAAAAAAAAAAAAAAAAAAAA", KEY)


def test_a_cursor_signed_with_another_key_is_rejected() -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(CURSOR.encode(cursor_key("another secret")), KEY)


def test_a_cursor_moved_to_another_position_is_rejected() -> None:
    """The signature of one position does not vouch for another."""
    signature = CURSOR.encode(KEY).split(".")[1]
    elsewhere = Cursor(CURSOR.published_at, 41).encode(KEY).split(".")[0]
    with pytest.raises(BadCursor):
        Cursor.decode(f"{elsewhere}.{signature}", KEY)


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_every_altered_character_is_rejected(where: int, replacement: int) -> None:
    token = CURSOR.encode(KEY)
    index = where % len(token)
    altered = token[:index] + chr(replacement) + token[index + 1 :]
    if altered == token:
        return
    with pytest.raises(BadCursor):
        Cursor.decode(altered, KEY)


def test_the_key_depends_on_the_secret_and_an_empty_secret_is_refused() -> None:
    assert cursor_key("a secret") == KEY
    assert cursor_key("a secret!") != KEY
    assert len(KEY) == 32
    with pytest.raises(ValueError, match="empty"):
        cursor_key("")


def test_the_position_is_the_unsigned_content() -> None:
    assert CURSOR.position == "1697080500000000.42"


@given(st.text(max_size=60))
def test_decoding_never_raises_anything_but_bad_cursor(token: str) -> None:
    with contextlib.suppress(BadCursor):
        Cursor.decode(token, KEY)
