"""The word-level diff of an entry's history."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from liveblog.domain.diff import Segment, changed, tokens, words


def _old(segments: list[Segment]) -> str:
    return "".join(text for kind, text in segments if kind != "added")


def _new(segments: list[Segment]) -> str:
    return "".join(text for kind, text in segments if kind != "removed")


def test_tokens_keep_words_and_whitespace() -> None:
    assert tokens("Water  is\nrising.") == ["Water", "  ", "is", "\n", "rising."]
    assert tokens("") == []


def test_a_replaced_word_is_removed_then_added() -> None:
    assert words("The dam holds.", "The dam broke.") == [
        ("same", "The dam "),
        ("removed", "holds."),
        ("added", "broke."),
    ]


def test_identical_texts_are_only_the_same() -> None:
    segments = words("Water is rising.", "Water is rising.")
    assert segments == [("same", "Water is rising.")]
    assert not changed(segments)
    assert words("", "") == []


def test_from_nothing_everything_is_added_and_back() -> None:
    assert words("", "Water is rising.") == [("added", "Water is rising.")]
    assert words("Water is rising.", "") == [("removed", "Water is rising.")]


def test_an_inserted_word_leaves_the_rest_alone() -> None:
    segments = words("Water is rising.", "Water is still rising.")
    assert segments == [("same", "Water is "), ("added", "still "), ("same", "rising.")]
    assert changed(segments)


def test_whole_words_not_letters() -> None:
    assert words("Pegel 8,20 m", "Pegel 8,40 m") == [
        ("same", "Pegel "),
        ("removed", "8,20"),
        ("added", "8,40"),
        ("same", " m"),
    ]


_TEXT = st.lists(st.sampled_from(["a", "b", "Ä", " ", "\n", "\t", ".", "ab", "<"])).map("".join)
"""Few distinct words and lots of whitespace, so that texts share and differ in many places."""


@given(_TEXT, _TEXT)
def test_the_segments_rebuild_both_texts(old: str, new: str) -> None:
    segments = words(old, new)
    assert _old(segments) == old
    assert _new(segments) == new
    assert all(text for _, text in segments)
    assert all(a[0] != b[0] for a, b in pairwise(segments))
    assert changed(segments) == (old != new)


@given(st.text(), st.text())
def test_any_text_rebuilds(old: str, new: str) -> None:
    segments = words(old, new)
    assert (_old(segments), _new(segments)) == (old, new)
