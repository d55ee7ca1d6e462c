"""Desk presence: who else has a blog's desk open, and which entry they are editing.

Advisory only: nothing is locked, and a mark may be wrong for a moment. Each open desk page is a
*client* (a random id the page was given) with a sign of life (``seen_at``) that its desk stream
renews every :data:`REFRESH` while it is connected; the page marks the entry whose edit form it
has open (``editing_at``, renewed as often). A sign older than :data:`TTL` counts for nothing: a
desk that vanished without saying goodbye (a crashed browser, a dead server process) is gone
from everyone's view a minute later. One user has at most :data:`MAX_CLIENTS` clients per blog.

The rows are ``desk_presence`` (:mod:`liveblog.storage.presence`), written by
:mod:`liveblog.actions.presence` only; the desk stream (:mod:`liveblog.web.desk.feed`) tells
each desk what :func:`others` makes of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from liveblog.domain import rules

TTL = timedelta(seconds=60)
"""A sign of life (or an editing mark) older than this counts for nothing."""
REFRESH = timedelta(seconds=20)
"""How often a connected desk renews its sign, and an open edit form its mark."""
MAX_CLIENTS = 8
"""Most clients (desk pages) of one user in one blog: a new one beyond replaces the oldest."""
CLIENT_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
CLIENT_RULE = "must be 16 to 64 letters, digits, '-' or '_'"


@dataclass(frozen=True)
class Sign:
    """One client's row: whose desk it is, when it last showed life, what it is editing."""

    user_id: int
    name: str
    client: str
    seen_at: datetime
    entry_id: int | None = None
    editing_at: datetime | None = None


def valid_client(value: object) -> bool:
    return isinstance(value, str) and CLIENT_PATTERN.fullmatch(value) is not None


def client(errors: rules.Collector, value: Any) -> str:
    """A client id as the desk page sends it (checked, else a field error ``client``)."""
    if not valid_client(value):
        errors.add("client", CLIENT_RULE)
        return ""
    assert isinstance(value, str)
    return value


def editing(errors: rules.Collector, value: Any) -> int | None:
    """An entry id or ``None`` (the shape only; whether the blog has it is the action's)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= rules.MAX_ID:
        errors.add("editing", "must be the id of an entry of this blog, or null")
        return None
    return value


def others(signs: list[Sign], viewer_id: int, now: datetime) -> list[dict[str, Any]]:
    """What the desk of ``viewer_id`` shows: every other user with a live sign, once, by name,
    with the entry of their newest live editing mark (``None`` if they edit nothing)::

        [{"user": {"id": 7, "name": "Anna"}, "editing": 42}, ...]
    """
    alive = now - TTL
    users: dict[int, tuple[str, int | None, datetime | None]] = {}
    for sign in signs:
        if sign.user_id == viewer_id or sign.seen_at < alive:
            continue
        name, entry, since = users.get(sign.user_id, (sign.name, None, None))
        at = sign.editing_at
        newer = at is not None and at >= alive and (since is None or at > since)
        if sign.entry_id is not None and newer:
            entry, since = sign.entry_id, at
        users[sign.user_id] = (name, entry, since)
    ordered = sorted(users.items(), key=lambda item: (item[1][0].casefold(), item[0]))
    return [
        {"user": {"id": uid, "name": name}, "editing": entry} for uid, (name, entry, _) in ordered
    ]
