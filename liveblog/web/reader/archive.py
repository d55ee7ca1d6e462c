"""The index page ``/`` as an archive: what its query means, and its blogs as the page shows
them (the page itself: :func:`liveblog.web.reader.pages.index_page`; the order and the
queries: :mod:`liveblog.storage.archive`).

``cursor``
    The only query parameter the index reads (anything else is ignored, as on blog pages): the
    "older live blogs" link's token, which names the last blog of the page before. It is a
    :class:`~liveblog.domain.pagination.Cursor` (that blog's sort time and id) signed with a key
    of its section's own, derived from the site's cursor key, so the token says which section
    it continues and no token of another page (a blog's entries, the other section) is taken
    for one. A token this server did not make for the index is a 400 page.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from liveblog.domain.pagination import BadCursor, Cursor
from liveblog.domain.serialize import rfc3339
from liveblog.storage.archive import Listed, Position
from liveblog.web import dates
from liveblog.web.i18n import N_
from liveblog.web.reader.views import BadView

BAD_INDEX_CURSOR = N_("The link to older live blogs is not valid or has been damaged.")


@lru_cache(maxsize=8)
def _section_key(cursor_key: bytes, closed: bool) -> bytes:
    purpose = b"liveblog index cursor, closed" if closed else b"liveblog index cursor, open"
    return hmac.new(cursor_key, purpose, hashlib.sha256).digest()


def parse_index_query(
    params: Mapping[str, str], cursor_key: Callable[[], bytes]
) -> Position | None:
    """Where the page ``/?cursor=...`` starts (``None``: the first page); :class:`BadView`
    for a token this server did not give out. ``cursor_key`` is called only with a token."""
    token = params.get("cursor", "")
    if not token:
        return None
    key = cursor_key()
    for closed in (False, True):
        try:
            cursor = Cursor.decode(token, _section_key(key, closed))
        except BadCursor:
            continue
        return Position(closed=closed, at=cursor.published_at, blog_id=cursor.id)
    raise BadView(BAD_INDEX_CURSOR)


def position_key(position: Position) -> str:
    """A normalised name of the page that starts after ``position`` (a cache key, never a link)."""
    section = "closed" if position.closed else "open"
    return f"{section}|{Cursor(position.at, position.blog_id).position}"


def next_query(position: Position, cursor_key: bytes) -> str:
    """``?cursor=...`` of the page after ``position``, its token signed for its section."""
    token = Cursor(position.at, position.blog_id).encode(_section_key(cursor_key, position.closed))
    return "?" + urlencode({"cursor": token})


@dataclass(frozen=True)
class IndexItem:
    """One blog in the index's list, its times in its own language and zone."""

    href: str
    title: str
    language: str
    key_headline: str | None
    stand: str
    stand_datetime: str
    ended: str | None
    ended_datetime: str | None


def index_item(listed: Listed) -> IndexItem:
    blog = listed.blog
    changed = listed.changed
    closed_at = None if blog.is_open else blog.closed_at
    return IndexItem(
        href=f"/live/{blog.slug}",
        title=blog.title,
        language=blog.language,
        key_headline=listed.key_headline,
        stand=dates.stand(changed, blog.language, dates.zone_for(changed, blog.timezone)),
        stand_datetime=rfc3339(changed),
        ended=(
            dates.ended(closed_at, blog.language, dates.zone_for(closed_at, blog.timezone))
            if closed_at
            else None
        ),
        ended_datetime=rfc3339(closed_at) if closed_at else None,
    )
