"""Validation rules shared by the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from liveblog.domain import rules
from liveblog.domain.errors import InvalidInput

NOW = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)


def _check(fn: object, *args: object) -> list[str]:
    errors = rules.Collector()
    fn(errors, *args)  # type: ignore[operator]
    return [e.field for e in errors.errors]


@pytest.mark.parametrize("slug", ["a", "ukraine", "election-2025", "a1-b2", "x" * 64])
def test_good_slugs(slug: str) -> None:
    assert _check(rules.slug, slug) == []


@pytest.mark.parametrize("slug", ["", "-a", "a-", "A", "a b", "a_b", "ä", "a/b", "x" * 65, "a\x00"])
def test_bad_slugs(slug: str) -> None:
    assert _check(rules.slug, slug) == ["slug"]


def test_text_trims_and_turns_blank_optionals_into_none() -> None:
    errors = rules.Collector()
    kwargs = {"max_len": 10, "multiline": False}
    assert rules.text(errors, "h", "  hi  ", required=True, **kwargs) == "hi"  # type: ignore[arg-type]
    assert rules.text(errors, "h", "   ", required=False, **kwargs) is None  # type: ignore[arg-type]
    assert errors.errors == []


def test_text_counts_characters_not_bytes() -> None:
    errors = rules.Collector()
    assert rules.text(errors, "h", "ü" * 10, max_len=10, required=True, multiline=False)
    assert errors.errors == []


def test_multiline_text_normalises_line_endings() -> None:
    errors = rules.Collector()
    assert rules.text(errors, "b", "a\r\nb", max_len=10, required=True, multiline=True) == "a\nb"


@pytest.mark.parametrize("value", ["Lage\n", "\nLage", "Lage\r\n", " Lage \t\n "])
def test_text_is_trimmed_before_it_is_checked(value: str) -> None:
    errors = rules.Collector()
    assert rules.text(errors, "h", value, max_len=4, required=True, multiline=False) == "Lage"
    assert errors.errors == []


@pytest.mark.parametrize("value", ["La\nge", "La\rge", "La\r\nge"])
def test_single_line_text_rejects_inner_line_breaks(value: str) -> None:
    assert _check(_headline, value) == ["h"]


def test_carriage_return_and_tab_are_allowed_control_characters() -> None:
    errors = rules.Collector()
    assert rules.text(errors, "b", "a\rb\tc", max_len=10, required=True, multiline=True)
    assert errors.errors == []


@pytest.mark.parametrize("value", ["a\x00b", "a\x0bb", "a\x7fb", "a\x1bb"])
def test_other_control_characters_are_rejected(value: str) -> None:
    assert _check(_body, value) == ["b"]


def _headline(errors: rules.Collector, value: str) -> object:
    return rules.text(errors, "h", value, max_len=200, required=True, multiline=False)


def _body(errors: rules.Collector, value: str) -> object:
    return rules.text(errors, "b", value, max_len=200, required=True, multiline=True)


def test_time_zones_and_languages() -> None:
    assert _check(rules.timezone, "Europe/Berlin") == []
    assert _check(rules.timezone, "America/Argentina/Buenos_Aires") == []
    assert _check(rules.timezone, "Mars/Base") == ["timezone"]
    assert _check(rules.timezone, "../etc/passwd") == ["timezone"]
    assert _check(rules.language, "en") == []
    assert _check(rules.language, "EN") == ["language"]


def test_published_at_is_converted_to_utc_and_future_is_rejected() -> None:
    errors = rules.Collector()
    local = datetime(2023, 10, 12, 5, 0, tzinfo=timezone(timedelta(hours=2)))
    assert rules.published_at(errors, local, NOW) == datetime(2023, 10, 12, 3, 0, tzinfo=UTC)
    assert errors.errors == []
    rules.published_at(errors, NOW + timedelta(seconds=1), NOW)
    rules.published_at(errors, datetime(2023, 1, 1), NOW)
    assert [e.field for e in errors.errors] == ["published_at", "published_at"]


def test_collector_raises_every_error_at_once() -> None:
    errors = rules.Collector()
    errors.add("a", "bad")
    errors.add("b", "worse")
    with pytest.raises(InvalidInput) as caught:
        errors.raise_if_any()
    assert [e.field for e in caught.value.errors] == ["a", "b"]


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # no UTC date: year 0
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),  # year 10000
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1970, 1, 1, 0, 59, 59, tzinfo=timezone(timedelta(hours=1))),
        datetime(2100, 1, 1, tzinfo=UTC),
    ],
)
def test_published_at_outside_the_documented_range_is_refused(value: datetime) -> None:
    errors = rules.Collector()
    far_future = datetime(9999, 1, 1, tzinfo=UTC)  # only the range applies
    rules.published_at(errors, value, far_future)
    assert [e.field for e in errors.errors] == ["published_at"]
    assert "1970-01-01T00:00:00+00:00" in errors.errors[0].message
    assert "2100-01-01T00:00:00+00:00" in errors.errors[0].message


def test_published_at_range_bounds() -> None:
    errors = rules.Collector()
    far_future = datetime(9999, 1, 1, tzinfo=UTC)
    assert rules.published_at(errors, rules.EARLIEST_PUBLISHED_AT, far_future) == datetime(
        1970, 1, 1, tzinfo=UTC
    )
    last = datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert rules.published_at(errors, last, far_future) == last
    assert errors.errors == []
    assert datetime(2100, 1, 1, tzinfo=UTC) == rules.LATEST_PUBLISHED_AT


@pytest.mark.parametrize("zone", ["localtime", "Factory"])
def test_time_zones_without_a_stable_meaning_are_refused(zone: str) -> None:
    assert _check(rules.timezone, zone) == ["timezone"]
