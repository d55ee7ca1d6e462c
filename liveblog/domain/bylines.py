"""Bylines: who wrote an entry.

An entry has 1 to :data:`MAX_AUTHORS` authors, in the order its byline names them, each a member
of the blog (any role) or an admin, none twice; unless others are named, its poster alone.
Readers see them only while the blog's ``show_authors`` is on, and only by display name: an
author who set none is left out of the byline ("By Anna Schmidt and Ben Ott"), so no e-mail
address, nor a part of one, reaches a public page. Members' answers name every author by id.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from liveblog.domain.models import Author
from liveblog.domain.rules import MAX_ID, Collector

MAX_AUTHORS = 10
FIELD = "authors"


def author_ids(errors: Collector, value: object) -> list[int]:
    """The user ids of a byline as asked for, checked for shape (a list of 1 to
    :data:`MAX_AUTHORS` distinct ids); whether they may be authors of the blog is the write's
    question (:func:`not_eligible`), asked in its transaction."""
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        errors.add(FIELD, "must be a list of user ids")
        return []
    ids = list(value)
    if not 1 <= len(ids) <= MAX_AUTHORS:
        errors.add(FIELD, f"must name 1 to {MAX_AUTHORS} authors")
    elif not all(1 <= v <= MAX_ID for v in ids):
        errors.add(FIELD, "must be user ids (positive whole numbers)")
    elif len(set(ids)) != len(ids):
        errors.add(FIELD, "must name each author once")
    return ids


def not_eligible(asked: Sequence[int], eligible: Collection[int]) -> str | None:
    """Why ``asked`` cannot be the byline when only ``eligible`` may be named (the blog's
    members and the admins among them); ``None`` when it can."""
    others = [str(user_id) for user_id in asked if user_id not in eligible]
    if not others:
        return None
    if len(others) == 1:
        return f"user {others[0]} is not a member of this blog"
    return f"users {', '.join(others)} are not members of this blog"


def shown_names(authors: Sequence[Author]) -> list[str]:
    """The names a byline shows, in order: the authors who set a display name."""
    return [author.name for author in authors if author.name]
