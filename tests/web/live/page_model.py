"""A page that showed no entry, brought up to date by applying events the way ``live.js`` does
(``tests/web/live/test_live_page.py`` models live.js fully; this is the part replays need)."""

from __future__ import annotations

import re
from typing import Any

ARTICLE = re.compile(r'<article id="entry-\d+".*?</article>', re.DOTALL)


def applied(events: list[dict[str, Any]]) -> list[str]:
    """The articles a page that showed no entry shows after ``events``, as live.js applies
    them (tests/web/live/test_live_page.py models it fully): deletions remove, the rest upserts; the
    pinned entry first, then newest first."""
    shown: dict[int, tuple[dict[str, Any], str]] = {}
    for event in events:
        entry = event.get("entry")
        if entry is None:
            continue
        if event["type"] == "entry.deleted":
            shown.pop(entry["id"], None)
        else:
            shown[entry["id"]] = (entry, event["html"])
    order = sorted(
        shown.values(),
        key=lambda item: (item[0]["pinned"], item[0]["published_at"], item[0]["id"]),
        reverse=True,
    )
    return [html for _, html in order]
