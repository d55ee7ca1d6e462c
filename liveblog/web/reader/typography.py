"""Line breaking of the page headline: ``Titel ++ Neueste Lage ++`` never leaves a ``++`` alone
at the start or end of a line. Each ``++`` is tied to its word with a no-break space (U+00A0):
to the word before it, or to the word after it when it opens the headline."""

from __future__ import annotations

import re

NBSP = "\u00a0"
_AFTER_WORD = re.compile(r"(?<=\S)\s+(\+\++)(?=\s|$)")
_OPENING = re.compile(r"^(\+\++)\s+(?=\S)")


def typeset_headline(text: str) -> str:
    """``text`` with every free-standing ``++`` joined to its neighbouring word."""
    text = _AFTER_WORD.sub(lambda m: NBSP + m.group(1), text.strip())
    return _OPENING.sub(lambda m: m.group(1) + NBSP, text)
