"""Photos an editor uploads to a blog, and how an entry's Markdown refers to them.

A photo is stored once per upload (:class:`Media`): its size after auto-orientation, the alt
text, credit and caption given at upload, and its files (:class:`Variant`), responsive widths
in WebP (AVIF where Pillow can write it) plus a JPEG or PNG fallback, each named by the hash
of its content so that its URL never changes meaning and can be cached forever.

An entry shows a photo as ``![alt text](media:ID "credit")`` (:func:`referenced_ids` finds
the ids); the Markdown's alt text and credit win over the ones stored at upload. An entry
whose photo has no alt text either way is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

MEDIA_SCHEME = "media:"
"""How an entry's Markdown names an uploaded photo: ``media:12``."""

MAX_ALT = 1_000
"""Longest alt text of a photo, in characters."""
MAX_CREDIT = 300
"""Longest credit of a photo (``Foto: …``), in characters."""
MAX_CAPTION = 1_000
"""Longest caption of a photo, in characters."""

_REFERENCE = re.compile(r"\]\(\s*<?media:(\d{1,18})\b")


@dataclass(frozen=True)
class Variant:
    """One file of a photo, under the media directory."""

    name: str
    """File name, content-hashed: ``3f9a0c1d2e4b5a69-960.webp``."""
    width: int
    height: int
    mime: str
    """``image/avif``, ``image/webp``, ``image/jpeg`` or ``image/png``."""


@dataclass(frozen=True)
class Media:
    """One uploaded photo of a blog."""

    id: int
    blog_id: int
    width: int
    height: int
    """Size of the photo as shown (after auto-orientation), in pixels."""
    alt: str
    """Alt text given at upload ("" if none: then each entry must give one)."""
    credit: str
    caption: str | None
    variants: tuple[Variant, ...]
    created_at: datetime
    uploaded_by: int | None


def referenced_ids(markdown: str) -> frozenset[int]:
    """The ids of the uploaded photos this Markdown shows (``![…](media:ID …)``)."""
    return frozenset(int(found) for found in _REFERENCE.findall(markdown))
