"""Opening hours: the written forms an outlet list uses, the hours no outlet can have, and
open-now in the outlet's own time across midnight and on a closed day."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.network.finder import open_now
from aftersales.network.hours import HoursError, parse_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Late on Saturdays, closed on Sundays: the Saturday night span runs into Sunday.
NIGHT_OWL = "Mo-Fr 09:00-12:00,13:30-21:00; Sa 10:00-02:00; Su off"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        (NIGHT_OWL, NIGHT_OWL),
        ("周一至周五 09:00-12:00、13:30-21:00；周六 10:00-次日02:00；周日休息", NIGHT_OWL),
        ("星期一到星期日 9:00-21:00", "Mo-Su 09:00-21:00"),
        ("Mo-Su 09:00-18:00; Su off", "Mo-Sa 09:00-18:00; Su off"),
        ("Fr-Mo 10:00-22:00", "Mo 10:00-22:00; Tu-Th off; Fr-Su 10:00-22:00"),
        ("Mo,We 08:00-12:00", "Mo 08:00-12:00; Tu off; We 08:00-12:00; Th-Su off"),
        ("Mo-Su 00:00-24:00", "24/7"),
        ("ｍｏ－ｆｒ　０９：００－１８：００", "Mo-Fr 09:00-18:00; Sa-Su off"),
        ("24小时", "24/7"),
    ],
)
def test_written_hours_read_as_the_canonical_form(written, canonical):  # type: ignore[no-untyped-def]
    assert parse_hours(written).text() == canonical
    assert parse_hours(canonical).text() == canonical


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Mo-Fr 25:00-26:00", "hours_time"),
        ("Mo-Fr 09:60-18:00", "hours_time"),
        ("Mo-Fr 09:00-24:30", "hours_time"),
        ("Mo-Fr 09:00-09:00", "hours_empty_span"),
        ("Mo 09:00-12:00,11:00-14:00", "hours_overlap"),
        # Sunday's night span runs into Monday's first span.
        ("Su 20:00-03:00; Mo 02:00-10:00", "hours_overlap"),
        ("every day 9 to 5", "hours_syntax"),
        ("Mo-Fr", "hours_syntax"),
        ("Mo-Fr 9-18", "hours_syntax"),
        (";", "hours_syntax"),
    ],
)
def test_impossible_hours_are_refused_with_their_reason(written, code):  # type: ignore[no-untyped-def]
    with pytest.raises(HoursError) as caught:
        parse_hours(written)
    assert caught.value.code == code


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    """2026-03-02 is a Monday; day 0 = Monday."""
    return datetime(2026, 3, 2 + day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(0, 8, 59), False),
        (at(0, 9, 0), True),
        (at(0, 12, 30), False),  # the lunch break
        (at(0, 21, 0), False),  # closing time is closed
        (at(5, 23, 30), True),  # Saturday night
        (at(6, 1, 59), True),  # after midnight: a closed Sunday, but Saturday's span still runs
        (at(6, 2, 0), False),
        (at(6, 12, 0), False),  # Sunday is closed
        (at(6, 23, 59), False),
    ],
)
def test_open_now_runs_past_midnight_and_keeps_a_closed_day_closed(moment, expected):  # type: ignore[no-untyped-def]
    assert open_now(parse_hours(NIGHT_OWL).text(), "Asia/Shanghai", moment) is expected


def test_open_now_reads_the_clock_in_the_outlets_own_time_zone():  # type: ignore[no-untyped-def]
    hours = "Mo-Su 10:00-19:00"
    # 11:30 in Beijing is 09:30 in Urumqi: a Shanghai outlet is open, one keeping Xinjiang time is not yet.
    moment = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    assert open_now(hours, "Asia/Shanghai", moment) is True
    assert open_now(hours, "Asia/Urumqi", moment) is False


def test_a_sunday_night_span_wraps_to_monday_morning():  # type: ignore[no-untyped-def]
    hours = parse_hours("Su 22:00-02:00").text()
    assert open_now(hours, "Asia/Shanghai", at(7, 1, 0)) is True  # the next Monday, 01:00
    assert open_now(hours, "Asia/Shanghai", at(0, 1, 0)) is True
    assert open_now(hours, "Asia/Shanghai", at(0, 2, 0)) is False


def test_unknown_hours_are_never_open():  # type: ignore[no-untyped-def]
    assert open_now("", "Asia/Shanghai", at(0, 12)) is False
