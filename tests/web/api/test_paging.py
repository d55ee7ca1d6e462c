"""The page size and cursor checks every paged API list shares."""

from __future__ import annotations

import pytest

from liveblog.config import Settings
from liveblog.domain.errors import InvalidInput
from liveblog.domain.pagination import Cursor
from liveblog.web.api.paging import cursor_position, page_size
from tests.conftest import FakeClock

KEY = b"k" * 32


def test_page_size_defaults_and_bounds() -> None:
    settings = Settings(page_size=20, max_page_size=100)
    assert page_size(settings, None) == 20
    assert page_size(settings, 100) == 100
    with pytest.raises(InvalidInput) as too_big:
        page_size(settings, 101)
    assert too_big.value.errors[0].field == "limit"


def test_cursor_position_round_trips_and_refuses_forgeries() -> None:
    position = Cursor(FakeClock().now, 7)
    assert cursor_position(position.encode(KEY), KEY) == position
    assert cursor_position(None, KEY) is None
    assert cursor_position("", KEY) is None
    for forged in ("nonsense", position.encode(b"x" * 32)):
        with pytest.raises(InvalidInput) as refused:
            cursor_position(forged, KEY)
        assert refused.value.errors[0].field == "cursor"
