"""A blog's queue of unpublished entries as JSON: one description for ``GET .../queue``
(:mod:`liveblog.web.api.queue`) and the queue frames of the desk stream
(:mod:`liveblog.web.desk.feed`), so both always say the same."""

from __future__ import annotations

from collections import Counter
from typing import Any

from liveblog.domain.models import Entry, EntryStatus
from liveblog.domain.serialize import entry_payload
from liveblog.web.api.schemas import QueueOut


def queued_payload(entry: Entry, names: dict[int, str]) -> dict[str, Any]:
    author = None
    if entry.author_id is not None and entry.author_id in names:
        author = {"id": entry.author_id, "name": names[entry.author_id]}
    return {**entry_payload(entry), "author": author, "review_note": entry.review_note}


def queue_body(found: list[Entry], names: dict[int, str]) -> dict[str, Any]:
    """The answer's content: the entries (in the order given) and how many of each status."""
    counts = Counter(e.status.value for e in found)
    return {
        "items": [queued_payload(e, names) for e in found],
        "counts": {s.value: counts[s.value] for s in EntryStatus if s is not EntryStatus.PUBLISHED},
    }


def queue_json(found: list[Entry], names: dict[int, str]) -> dict[str, Any]:
    """:func:`queue_body` exactly as the API sends it (through its response model)."""
    return QueueOut.model_validate(queue_body(found, names)).model_dump(mode="json")
