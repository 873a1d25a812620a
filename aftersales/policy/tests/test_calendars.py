"""Deadline arithmetic across nights, weekends, public holidays and make-up working days (2026)."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.policy.calendars import add_business_time, business_time_between, is_china_workday
from aftersales.policy.holidays import LIBRARY_ONLY
from aftersales.policy.pack import current_pack

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def calendars():  # type: ignore[no-untyped-def]
    pack = current_pack()
    return {name: level.calendar for name, level in pack.levels.items()} | {"clock": pack.stages.calendar}


@pytest.mark.parametrize(
    ("level", "start", "expected", "why"),
    [
        ("L1", "2026-11-25 10:00", "2026-11-25 10:30", "daytime: plain 30 minutes"),
        ("L1", "2026-11-25 22:50", "2026-11-26 07:20", "night: 10 minutes tonight, 20 after 07:00"),
        ("L1", "2026-11-26 02:00", "2026-11-26 07:30", "arrives while the hotline is closed"),
        ("L2", "2026-11-25 20:30", "2026-11-26 10:30", "technical team closes at 21:00"),
        ("L3", "2026-11-27 10:00", "2026-11-30 10:00", "weekend: Friday to Monday"),
        ("L3", "2026-09-30 15:00", "2026-10-08 15:00", "National Day holiday 1-7 October"),
        ("L3", "2026-10-09 12:00", "2026-10-10 12:00", "Saturday 10 October is a make-up working day"),
        ("L3", "2026-11-06 12:00", "2026-11-09 12:00", "an ordinary Saturday is not"),
        ("L3", "2026-01-02 09:00", "2026-01-05 00:00", "New Year holiday, then make-up Sunday 4 January"),
        ("L3", "2026-02-13 18:00", "2026-02-14 18:00", "Saturday before Spring Festival is worked"),
        ("L3", "2026-02-14 18:00", "2026-02-24 18:00", "Spring Festival 15-23 February"),
    ],
)
def test_response_deadline(calendars, level, start, expected, why):  # type: ignore[no-untyped-def]
    respond_within = current_pack().levels[level].respond_within
    assert add_business_time(at(start), respond_within, calendars[level]) == at(expected), why


def test_make_up_days_are_working_days():  # type: ignore[no-untyped-def]
    assert is_china_workday(at("2026-10-10 00:00").date())  # Saturday, make-up
    assert is_china_workday(at("2026-01-04 00:00").date())  # Sunday, make-up
    assert not is_china_workday(at("2026-10-05 00:00").date())  # Monday in the holiday
    assert not is_china_workday(at("2026-11-07 00:00").date())  # ordinary Saturday


def test_open_time_between_two_moments_skips_the_night(calendars):  # type: ignore[no-untyped-def]
    hotline = calendars["L1"]
    assert business_time_between(at("2026-11-25 22:00"), at("2026-11-26 08:00"), hotline) == timedelta(
        hours=2
    )
    assert business_time_between(at("2026-11-26 08:00"), at("2026-11-25 22:00"), hotline) == -timedelta(
        hours=2
    )


def test_round_trip_adds_back_what_it_measures(calendars):  # type: ignore[no-untyped-def]
    hq = calendars["L3"]
    start = at("2026-09-28 16:45")
    for minutes in (1, 59, 600, 1440, 2000, 5000):
        end = add_business_time(start, timedelta(minutes=minutes), hq)
        assert business_time_between(start, end, hq) == timedelta(minutes=minutes)


def test_stage_clock_runs_round_the_clock(calendars):  # type: ignore[no-untyped-def]
    assert add_business_time(at("2026-10-01 00:00"), timedelta(hours=24), calendars["clock"]) == at(
        "2026-10-02 00:00"
    )


def test_a_deadline_past_the_holiday_data_skips_new_years_day_and_is_logged_once(calendars, caplog):  # type: ignore[no-untyped-def]
    """The issue's example: an L3 complaint at 10:00 on the last day of the data."""
    with caplog.at_level("WARNING", logger="aftersales.policy"):
        due = add_business_time(at("2026-12-31 10:00"), timedelta(hours=24), calendars["L3"])
    assert due == at("2027-01-04 10:00"), "1 January is a statutory holiday, then a weekend"
    (record,) = [r for r in caplog.records if r.name == "aftersales.policy"]
    assert "provisional deadline 2027-01-04T10:00:00+08:00" in record.getMessage()
    assert "2027-01-01 to 2027-01-04 are past 2026-12-31" in record.getMessage()


def test_a_deadline_within_the_holiday_data_is_not_logged(calendars, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level("WARNING", logger="aftersales.policy"):
        # Ends at midnight on the last covered day: nothing past the data was consulted.
        assert add_business_time(at("2026-12-31 10:00"), timedelta(hours=14), calendars["L3"]) == at(
            "2027-01-01 00:00"
        )
        add_business_time(at("2027-03-01 10:00"), timedelta(hours=24), calendars["L1"])  # every day
    assert [r for r in caplog.records if r.name == "aftersales.policy"] == []


def test_the_pack_s_notice_decides_the_days_the_library_does_not_know(pack_with, caplog):  # type: ignore[no-untyped-def]
    from aftersales.policy.tests.packs import EXAMPLE_2027, with_notices

    hq = pack_with(with_notices({"2027": EXAMPLE_2027})).levels["L3"].calendar
    with caplog.at_level("WARNING", logger="aftersales.policy"):
        assert add_business_time(at("2026-12-31 10:00"), timedelta(hours=24), hq) == at("2027-01-04 10:00")
        # The notice's joined days (9-11 February) and its make-up Saturday 20 February count.
        assert add_business_time(at("2027-02-04 12:00"), timedelta(hours=24), hq) == at("2027-02-12 12:00")
        assert add_business_time(at("2027-02-19 12:00"), timedelta(hours=24), hq) == at("2027-02-20 12:00")
    assert [r for r in caplog.records if r.name == "aftersales.policy"] == []
    # Without the notice: the statutory 除夕 to 初三 only, and no Saturday worked.
    without = replace(hq, workdays=LIBRARY_ONLY)
    assert add_business_time(at("2027-02-04 12:00"), timedelta(hours=24), without) == at("2027-02-09 12:00")
    assert add_business_time(at("2027-02-19 12:00"), timedelta(hours=24), without) == at("2027-02-22 12:00")
