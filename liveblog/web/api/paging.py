"""What every paged API list checks: the page size asked for and the cursor sent back."""

from __future__ import annotations

from liveblog.config import Settings
from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.domain.pagination import BadCursor, Cursor


def page_size(settings: Settings, limit: int | None) -> int:
    """``limit`` if given (at most ``LIVEBLOG_MAX_PAGE_SIZE``, else 422), else the default."""
    size = limit or settings.page_size
    if size > settings.max_page_size:
        raise InvalidInput([FieldError("limit", f"must be at most {settings.max_page_size}")])
    return size


def cursor_position(cursor: str | None, key: bytes) -> Cursor | None:
    """The position a ``next_cursor`` names, ``None`` without one; a forged or damaged one is
    422 naming ``cursor``."""
    if not cursor:
        return None
    try:
        return Cursor.decode(cursor, key)
    except BadCursor as exc:
        raise InvalidInput([FieldError("cursor", str(exc))]) from exc
