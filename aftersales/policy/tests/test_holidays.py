"""China's working days past the holiday data: coverage, notices and the statutory fallback."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.policy.calendars import BusinessCalendar, is_china_workday
from aftersales.policy.holidays import (
    LIBRARY,
    LIBRARY_ONLY,
    NOTICE,
    STATUTORY,
    ChinaWorkdays,
    HolidayNotice,
    library_years,
    statutory_days_off,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_LIBRARY_DAY = date(2026, 12, 31)  # chinesecalendar 1.11.0, pinned in pyproject.toml


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def notice(year: int, days_off: list[date], make_up: list[date] = ()) -> HolidayNotice:  # type: ignore[assignment]
    return HolidayNotice(
        year, f"{year} notice", date(year - 1, 11, 1), frozenset(days_off), frozenset(make_up)
    )


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_the_installed_library_stops_at_2026():  # type: ignore[no-untyped-def]
    # The examples below are written for this edge; a chinesecalendar with 2027 moves them on a year.
    assert library_years()[-1] == 2026
    assert LIBRARY_ONLY.covered_until == LAST_LIBRARY_DAY


def test_the_last_covered_day_comes_from_the_library_and_the_first_uncovered_is_provisional():  # type: ignore[no-untyped-def]
    assert LIBRARY_ONLY.is_covered(LAST_LIBRARY_DAY)
    assert LIBRARY_ONLY.ruling(LAST_LIBRARY_DAY).basis == LIBRARY
    assert not LIBRARY_ONLY.is_covered(date(2027, 1, 1))
    assert LIBRARY_ONLY.ruling(date(2027, 1, 1)).basis == STATUTORY


def test_new_years_day_2027_is_not_taken_for_a_working_friday():  # type: ignore[no-untyped-def]
    assert not is_china_workday(date(2027, 1, 1))
    assert LIBRARY_ONLY.ruling(date(2027, 1, 1)).name == "元旦"
    assert is_china_workday(date(2027, 1, 4))  # Monday
    assert not is_china_workday(date(2027, 1, 2))  # Saturday: no make-up day is guessed


def test_the_statutory_holidays_of_2027_are_the_ones_the_law_fixes():  # type: ignore[no-untyped-def]
    # 春节 2027 is 6 February (正月初一), 端午 9 June, 中秋 15 September, 清明 5 April.
    assert sorted(statutory_days_off(2027)) == [
        date(2027, 1, 1),
        *span(date(2027, 2, 5), date(2027, 2, 8)),
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *span(date(2027, 10, 1), date(2027, 10, 3)),
    ]
    assert statutory_days_off(2027)[date(2027, 2, 5)] == "春节(除夕)"


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_is_a_day_off_in_the_official_data(year):  # type: ignore[no-untyped-def]
    """The lunar and solar-term arithmetic agrees with the State Council's notices for the years under the 2024 law."""
    days = statutory_days_off(year)
    assert len(days) == 13
    assert [day for day in days if is_china_workday(day)] == []


def test_mid_autumn_on_national_day_is_one_day_with_both_names():  # type: ignore[no-untyped-def]
    days = statutory_days_off(2028)
    assert days[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days) == 12


def test_a_notice_for_a_new_year_extends_the_coverage_and_decides_its_days():  # type: ignore[no-untyped-def]
    workdays = ChinaWorkdays((notice(2027, span(date(2027, 2, 5), date(2027, 2, 11)), [date(2027, 2, 20)]),))
    assert workdays.covered_until == date(2027, 12, 31)
    assert workdays.is_covered(date(2027, 12, 31)) and not workdays.is_covered(date(2028, 1, 1))
    assert not workdays.is_workday(date(2027, 2, 10))  # a joined day the law alone does not give
    assert workdays.is_workday(date(2027, 2, 20))  # the Saturday worked in exchange
    assert workdays.is_workday(date(2027, 1, 1))  # the notice is the whole truth for its year
    assert workdays.ruling(date(2027, 2, 20)).basis == NOTICE


def test_a_notice_overrides_the_library_and_may_start_in_the_december_before():  # type: ignore[no-untyped-def]
    workdays = ChinaWorkdays((notice(2027, [date(2026, 12, 31), date(2027, 1, 1)], [date(2026, 12, 27)]),))
    assert is_china_workday(date(2026, 12, 31)) and not workdays.is_workday(date(2026, 12, 31))
    assert workdays.is_workday(date(2026, 12, 27))  # a Sunday
    assert workdays.is_workday(date(2026, 12, 30))  # the rest of 2026 is still the library's


def test_coverage_counts_on_without_a_gap():  # type: ignore[no-untyped-def]
    workdays = ChinaWorkdays((notice(2028, [date(2028, 1, 1)]),))
    assert workdays.covered_until == LAST_LIBRARY_DAY
    assert workdays.is_covered(date(2028, 6, 1)) and not workdays.is_covered(date(2027, 6, 1))


def test_a_calendar_reports_the_uncovered_days_a_count_reached():  # type: ignore[no-untyped-def]
    hq = BusinessCalendar(days="cn_workdays", opens=0, closes=1440, tz=SHANGHAI)
    start = at("2026-12-31 10:00")
    # Ending at midnight closes the last covered day: nothing past it was consulted.
    assert hq.uncovered_days(start, at("2027-01-01 00:00")) is None
    assert hq.uncovered_days(start, at("2027-01-01 00:00:01")) == (date(2027, 1, 1), date(2027, 1, 1))
    assert hq.uncovered_days(start, at("2027-01-04 10:00")) == (date(2027, 1, 1), date(2027, 1, 4))
    assert hq.uncovered_days(at("2027-03-01 09:00"), at("2027-03-02 09:00")) == (
        date(2027, 3, 1),
        date(2027, 3, 2),
    )
    # Without a start (a stored deadline) the first uncovered day is the day after the data.
    assert hq.uncovered_days(None, at("2027-03-02 09:00")) == (date(2027, 1, 1), date(2027, 3, 2))
    every_day = BusinessCalendar(days="every_day", opens=0, closes=1440, tz=SHANGHAI)
    assert every_day.covered_until is None
    assert every_day.uncovered_days(start, at("2027-06-01 00:00")) is None


def test_every_day_the_library_covers_is_answered_as_the_library_answers_it():  # type: ignore[no-untyped-def]
    import chinese_calendar

    years = library_years()
    day = date(years.start, 1, 1)
    while day.year < years.stop:
        assert LIBRARY_ONLY.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
