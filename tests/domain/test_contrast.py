"""WCAG 2 contrast: luminance and ratio as the specification computes them, and the nearest
colour that reaches AA against given backgrounds."""

from __future__ import annotations

import pytest

from liveblog.domain import contrast

LIGHT = ("#ffffff", "#f4f4f2")
DARK = ("#121212", "#1e1e1e")


def test_luminance_of_black_and_white() -> None:
    assert contrast.luminance("#000000") == 0
    assert contrast.luminance("#ffffff") == pytest.approx(1)
    assert contrast.luminance("#808080") == pytest.approx(0.2158605)


def test_ratio_is_symmetric_and_spans_1_to_21() -> None:
    assert contrast.ratio("#000", "#fff") == pytest.approx(21)
    assert contrast.ratio("#fff", "#000") == pytest.approx(21)
    assert contrast.ratio("#b3001b", "#b3001b") == pytest.approx(1)
    # Known values (WebAIM's contrast checker).
    assert contrast.ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast.ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("#B3001B", (179, 0, 27)), ("b3001b", (179, 0, 27)), ("#f0a", (255, 0, 170))],
)
def test_parse_reads_six_and_three_digits(given: str, expected: contrast.RGB) -> None:
    assert contrast.parse(given) == expected


@pytest.mark.parametrize("bad", ["", "red", "#12345", "#gggggg", "rgb(1,2,3)", "#1234567"])
def test_parse_refuses_what_is_not_a_colour(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a colour such as #b3001b"):
        contrast.parse(bad)


def test_a_colour_with_enough_contrast_stays_as_it_is() -> None:
    assert contrast.reach("#B3001B", LIGHT, towards="dark") == "#b3001b"
    assert contrast.reach("#ff6b7f", DARK, towards="light") == "#ff6b7f"


def test_yellow_on_white_is_darkened_just_enough() -> None:
    assert contrast.worst("#ffff00", LIGHT) < 1.1
    adjusted = contrast.reach("#ffff00", LIGHT, towards="dark")
    assert contrast.worst(adjusted, LIGHT) >= contrast.AA_TEXT
    r, g, b = contrast.parse(adjusted)
    assert r == g  # still a yellow hue (an olive), not another colour
    assert b == 0
    one_step_lighter = contrast.mix(adjusted, "#ffff00", 1 / 128)
    assert contrast.worst(one_step_lighter, LIGHT) < contrast.AA_TEXT


def test_a_dark_colour_is_lightened_for_the_dark_scheme() -> None:
    adjusted = contrast.reach("#b3001b", DARK, towards="light")
    assert adjusted != "#b3001b"
    assert contrast.worst(adjusted, DARK) >= contrast.AA_TEXT


def test_backgrounds_no_colour_can_meet_give_the_end_colour() -> None:
    # Against white and a dark grey at once no colour has 4.5:1: black is the best there is.
    assert contrast.reach("#ffff00", ("#ffffff", "#333333"), towards="dark") == "#000000"
