"""Colour contrast by WCAG 2: relative luminance, contrast ratio, and the nearest colour that
reaches a ratio against given backgrounds (used for the brand colour, ``LIVEBLOG_BRAND_COLOR``).

Colours are ``#rrggbb`` (``#rgb`` is read too). Pure functions: no I/O.

* :func:`luminance`: WCAG 2's relative luminance of an sRGB colour (0 black .. 1 white).
* :func:`ratio`: ``(L1 + 0.05) / (L2 + 0.05)``, the lighter over the darker: 1 to 21.
* :func:`reach`: the colour itself when it has at least ``minimum`` against every background,
  else the colour mixed towards black (``towards="dark"``) or white (``towards="light"``) by
  the smallest step (of 1/256) that does. Mixing keeps the hue: a yellow that is too light on
  white becomes an olive, not a blue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

AA_TEXT = 4.5
"""WCAG 2 level AA for normal text (success criterion 1.4.3)."""

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

RGB = tuple[int, int, int]


def parse(colour: str) -> RGB:
    """``#rrggbb`` or ``#rgb`` (the ``#`` may be left out) as three bytes, else ValueError."""
    match = _HEX.fullmatch(colour.strip())
    if match is None:
        raise ValueError(f"{colour!r} is not a colour such as #b3001b")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_of(rgb: RGB) -> str:
    """``#rrggbb`` in lower case."""
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``colour``."""
    r, g, b = parse(colour)
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, whichever is lighter: 1 (none) to 21."""
    a, b = luminance(first), luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def worst(colour: str, backgrounds: Sequence[str]) -> float:
    """The lowest contrast of ``colour`` against any of ``backgrounds``."""
    return min(ratio(colour, background) for background in backgrounds)


def mix(colour: str, target: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0..1) of the way to ``target``, channel by channel."""
    start, end = parse(colour), parse(target)
    mixed = tuple(round(s + (e - s) * amount) for s, e in zip(start, end, strict=True))
    return hex_of((mixed[0], mixed[1], mixed[2]))


def reach(
    colour: str,
    backgrounds: Sequence[str],
    towards: Literal["dark", "light"],
    minimum: float = AA_TEXT,
) -> str:
    """``colour`` (as ``#rrggbb``) if it has ``minimum`` contrast against every background,
    else the least mix of it towards black or white that has. Black reaches 4.5:1 against
    any light background and white against any dark one; if even they cannot (a background
    in between), the end colour is returned: the best there is."""
    own = hex_of(parse(colour))
    if worst(own, backgrounds) >= minimum:
        return own
    target = "#000000" if towards == "dark" else "#ffffff"
    for step in range(1, 257):
        candidate = mix(own, target, step / 256)
        if worst(candidate, backgrounds) >= minimum:
            return candidate
    return target
