"""The page headline's line breaking: no ``++`` alone at the start or end of a line."""

from __future__ import annotations

import pytest

from liveblog import render
from liveblog.web.reader.typography import NBSP, typeset_headline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sturmflut ++ Deich hält ++", f"Sturmflut{NBSP}++ Deich hält{NBSP}++"),
        ("Nur ein Titel", "Nur ein Titel"),
        ("++ Eilmeldung ++ Sturm", f"++{NBSP}Eilmeldung{NBSP}++ Sturm"),
        ("Sturm  ++\tLage   ++ ", f"Sturm{NBSP}++\tLage{NBSP}++"),
        ("C++ und A+++ bleiben", "C++ und A+++ bleiben"),
        ("Titel ++", f"Titel{NBSP}++"),
    ],
)
def test_every_free_standing_plus_pair_is_tied_to_a_word(text: str, expected: str) -> None:
    assert typeset_headline(text) == expected


def test_the_page_headline_of_a_key_event_never_breaks_before_a_plus_pair() -> None:
    typeset = typeset_headline(render.headline("Sturmflut an der Nordermarsch", "Evakuierung"))
    assert typeset == f"Sturmflut an der Nordermarsch{NBSP}++ Evakuierung{NBSP}++"
    # No ordinary space (a break opportunity) right before a "++": each stays with its word.
    assert " ++" not in typeset
