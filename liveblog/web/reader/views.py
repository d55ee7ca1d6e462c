"""What a reader page URL asks for: the view of a blog's timeline (query parameters), the slug
and the entry id of a permalink.

Views of ``/live/{slug}`` (query parameters; anything else in the query string is ignored):

``order``
    ``newest`` (default) or ``oldest``. Any other value is a 400 page.
``key_events``
    ``1``/``true``/``yes``/``on`` shows only key events; ``0``/``false``/``no``/``off`` or empty
    shows everything. Any other value is a 400 page.
``cursor``
    ``next_cursor`` of the previous page (the "older entries" link). A cursor this server did not
    make is a 400 page.

Where the pinned entry goes:

* Default view (newest first, all entries): the pinned entry is lifted to the top of the first
  page, marked "Angeheftet"/"Pinned", and left out of the timeline of every page of that view,
  so across all pages it appears exactly once.
* Every other view (oldest first, key events only): the page is exactly the filtered timeline
  in order. The pinned entry stays in its chronological place (marked), because lifting it would
  break a reading in order, and it appears in the key-events view only if it is a key event.

So in every view each visible entry appears exactly once across the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from liveblog.domain.pagination import BadCursor, Cursor, Order
from liveblog.domain.rules import MAX_ID, SLUG_PATTERN
from liveblog.web.i18n import N_

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

BAD_ORDER = N_("The parameter “order” must be “newest” or “oldest”.")
BAD_KEY_EVENTS = N_("The parameter “key_events” must be 1 or 0.")
BAD_CURSOR = N_("The link to more entries is not valid or has been damaged.")


class BadView(ValueError):
    """A query parameter of the reader page has a value the page cannot show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """The msgid (:mod:`liveblog.web.i18n`) of the message for the reader."""


@dataclass(frozen=True)
class View:
    """One way of looking at a blog's timeline; see the module docstring."""

    order: Order = Order.NEWEST
    key_events: bool = False
    cursor: Cursor | None = None

    @property
    def is_default(self) -> bool:
        return self.order is Order.NEWEST and not self.key_events

    @property
    def lifts_pinned(self) -> bool:
        """The pinned entry is shown on top (first page of the default view only)."""
        return self.is_default and self.cursor is None

    @property
    def key(self) -> str:
        """Normalised parameters: equal for every query string that shows the same page."""
        cursor = self.cursor.position if self.cursor else ""
        return f"{self.order.value}|{int(self.key_events)}|{cursor}"

    def query(self, *, order: Order | None = None, key_events: bool | None = None) -> str:
        """Query string (with ``?``, or empty) of this view changed as given, on its first page."""
        params: dict[str, str] = {}
        if (order or self.order) is Order.OLDEST:
            params["order"] = Order.OLDEST.value
        if self.key_events if key_events is None else key_events:
            params["key_events"] = "1"
        return "?" + urlencode(params) if params else ""

    def next_query(self, cursor: Cursor, key: bytes) -> str:
        """The query of the page after ``cursor``, its token signed with ``key``."""
        params = {"cursor": cursor.encode(key)}
        base = self.query()
        return (base + "&" if base else "?") + urlencode(params)


DEFAULT_VIEW = View()


def parse_view(params: Mapping[str, str], cursor_key: Callable[[], bytes]) -> View:
    """The view a query string asks for; :class:`BadView` for values it cannot mean.
    ``cursor_key`` gives the key that signed the cursors (called only when there is one)."""
    order_text = params.get("order", "")
    if not order_text:
        order = Order.NEWEST
    else:
        try:
            order = Order(order_text)
        except ValueError:
            raise BadView(BAD_ORDER) from None
    key_events_text = params.get("key_events", "").lower()
    if key_events_text in _TRUE:
        key_events = True
    elif key_events_text in _FALSE:
        key_events = False
    else:
        raise BadView(BAD_KEY_EVENTS)
    cursor_text = params.get("cursor", "")
    cursor = None
    if cursor_text:
        try:
            cursor = Cursor.decode(cursor_text, cursor_key())
        except BadCursor:
            raise BadView(BAD_CURSOR) from None
        if cursor.id > MAX_ID:  # no such id; the database would fail, not miss
            raise BadView(BAD_CURSOR)
    if not cursor and not key_events and order is Order.NEWEST:
        return DEFAULT_VIEW
    return View(order=order, key_events=key_events, cursor=cursor)


def valid_slug(slug: str) -> bool:
    return SLUG_PATTERN.fullmatch(slug) is not None


def parse_entry_id(text: str) -> int | None:
    """The entry id of a permalink path segment, ``None`` when it cannot name an entry."""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
