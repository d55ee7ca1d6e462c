"""Dates and times on reader pages are formatted as newsrooms write them, in the blog's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from liveblog.web import dates

BERLIN = "Europe/Berlin"


def test_stand_in_german_is_local_time_with_uhr() -> None:
    moment = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
    assert dates.stand(moment, "de", BERLIN) == "Stand: 12.10.2023 05:15 Uhr"


def test_stand_in_english_names_the_zone() -> None:
    moment = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
    assert dates.stand(moment, "en", BERLIN) == "Updated: 12 October 2023, 05:15 CEST"
    assert dates.stand(moment, "en", "Europe/London") == "Updated: 12 October 2023, 04:15 BST"


def test_stand_follows_winter_time_and_the_date_line() -> None:
    winter = datetime(2023, 12, 31, 23, 30, tzinfo=UTC)
    assert dates.stand(winter, "de", BERLIN) == "Stand: 01.01.2024 00:30 Uhr"
    assert dates.stand(winter, "en", BERLIN) == "Updated: 1 January 2024, 00:30 CET"


def test_entry_time_with_and_without_the_date() -> None:
    moment = datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
    assert dates.entry_time(moment, "de", BERLIN, with_date=False) == "05:15 Uhr"
    assert dates.entry_time(moment, "de", BERLIN, with_date=True) == "12.10.2023, 05:15 Uhr"
    assert dates.entry_time(moment, "en", BERLIN, with_date=False) == "05:15"
    assert dates.entry_time(moment, "en", BERLIN, with_date=True) == "12 Oct 2023, 05:15"


def test_local_day_is_the_day_in_the_blogs_zone() -> None:
    late = datetime(2023, 10, 11, 22, 30, tzinfo=UTC)  # 00:30 on the 12th in Berlin
    assert dates.local_day(late, BERLIN) == (2023, 10, 12)
    assert dates.local_day(late, "UTC") == (2023, 10, 11)


def test_a_moment_the_zone_cannot_show_is_shown_in_utc() -> None:
    year_one = datetime(1, 1, 1, 2, 0, tzinfo=UTC)  # the year 0 in New York: no Python date
    assert dates.zone_for(year_one, "America/New_York") == "UTC"
    assert dates.iso_day(year_one, "America/New_York") == "0001-01-01"
    assert dates.zone_for(year_one, BERLIN) == BERLIN


def test_the_hour_that_summer_time_repeats_names_its_zone() -> None:
    # 29.10.2023 in Berlin: 03:00 CEST (01:00 UTC) becomes 02:00 CET, so 02:30 happens twice.
    times = [datetime(2023, 10, 29, hour, 30, tzinfo=UTC) for hour in (0, 1, 2, 3)]
    de = [dates.entry_time(t, "de", BERLIN, with_date=False) for t in times]
    en = [dates.entry_time(t, "en", BERLIN, with_date=False) for t in times]
    assert de == ["02:30 Uhr MESZ", "02:30 Uhr MEZ", "03:30 Uhr", "04:30 Uhr"]
    assert en == ["02:30 CEST", "02:30 CET", "03:30", "04:30"]
    assert dates.stand(times[1], "de", BERLIN) == "Stand: 29.10.2023 02:30 Uhr MEZ"
    assert dates.stand(times[2], "de", BERLIN) == "Stand: 29.10.2023 03:30 Uhr"
    assert dates.stand(times[0], "en", BERLIN) == "Updated: 29 October 2023, 02:30 CEST"
    # Elsewhere and on other days nothing is added.
    assert dates.entry_time(times[1], "de", "UTC", with_date=False) == "01:30 Uhr"
    spring = datetime(2023, 3, 26, 1, 30, tzinfo=UTC)  # the skipped hour: 03:30 CEST
    assert dates.entry_time(spring, "de", BERLIN, with_date=False) == "03:30 Uhr"
