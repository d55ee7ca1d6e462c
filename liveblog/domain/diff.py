"""A word-level diff of two texts, for an entry's history: which words an edit removed and
which it added. Pure: no I/O, no markup (the page escapes and marks the segments)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "removed", "added"]
Segment = tuple[Kind, str]

_TOKENS = re.compile(r"\s+|[^\s]+")


def tokens(text: str) -> list[str]:
    """``text`` as words and the whitespace between them; joined, they are ``text`` again."""
    return _TOKENS.findall(text)


def words(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``: joining the "same" and "removed" ones
    gives ``old``, the "same" and "added" ones ``new``. Neighbours of one kind are merged,
    and a replacement is its removal followed by its addition."""
    before, after = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(segments, "same", "".join(before[i1:i2]))
            continue
        _add(segments, "removed", "".join(before[i1:i2]))
        _add(segments, "added", "".join(after[j1:j2]))
    return segments


def changed(segments: list[Segment]) -> bool:
    return any(kind != "same" for kind, _ in segments)


def _add(segments: list[Segment], kind: Kind, text: str) -> None:
    if not text:
        return
    if segments and segments[-1][0] == kind:
        segments[-1] = (kind, segments[-1][1] + text)
    else:
        segments.append((kind, text))
