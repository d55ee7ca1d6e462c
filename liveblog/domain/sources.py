"""An entry's source: who the information comes from, and how readers see it.

The ``source`` field holds one of two things, and its first word tells which:

* **A name** (the usual case): "Deichverband Nordermarsch", "Polizei", "dpa", "dpa/AFP",
  "Port Alder Race Office". Readers see it labelled in the blog's language: "Quelle:
  Deichverband Nordermarsch", "Source: Port Alder Race Office".
* **An attribution phrase**: a lower-case word followed by more words, as the phrase would
  stand in a sentence: "nach Angaben des Küstenwetterdienstes", "laut Polizei", "according to
  the race office". It names its source itself, so readers see it as written, without the
  label (a label would read "Quelle: nach Angaben …").

A single lower-case word is a name ("dpa": "Quelle: dpa"), and so is a first word with other
characters than letters ("dpa, AFP"; "dpa/AFP"). The text is never changed, only labelled or
not. Pages, live updates and feeds show the same line (:func:`source_line`); structured data
carries the source as written (``creditText``), without a label.
"""

from __future__ import annotations


def is_phrase(source: str) -> bool:
    """``source`` is an attribution phrase (shown as written), not a name (shown labelled)."""
    words = source.split(None, 1)
    if len(words) < 2:
        return False
    first = words[0]
    return first.isalpha() and first[0].islower()


def source_line(source: str, label: str) -> str:
    """The line readers see under the entry: ``label`` ("Quelle"/"Source", translated) and the
    name, or the attribution phrase alone."""
    return source if is_phrase(source) else f"{label}: {source}"
