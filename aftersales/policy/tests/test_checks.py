"""The health check and the operator's command on how far the holiday data reaches, on a frozen clock."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.common import clock
from aftersales.policy.checks import calendar_coverage_check
from aftersales.policy.tests.packs import EXAMPLE_2027, with_notices

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_COVERED = date(2026, 12, 31)  # chinesecalendar 1.11.0


def days_before_the_end(days: int, end: date = LAST_COVERED) -> datetime:
    """Noon in Shanghai `days` days before `end` (negative: after it)."""
    return datetime.combine(end - timedelta(days=days), time(12), tzinfo=SHANGHAI)


def check_ids() -> list[str | None]:
    return [message.id for message in calendar_coverage_check(None)]


def test_nothing_is_said_61_days_before_the_data_runs_out():  # type: ignore[no-untyped-def]
    with clock.travel_to(days_before_the_end(61)):
        assert check_ids() == []


@pytest.mark.parametrize("days", [60, 1, 0])
def test_a_warning_from_60_days_before_to_the_last_covered_day(days):  # type: ignore[no-untyped-def]
    with clock.travel_to(days_before_the_end(days)):
        (message,) = calendar_coverage_check(None)
    assert message.id == "aftersales.W001"
    assert f"ends on 2026-12-31, in {days} days" in message.msg
    assert "国务院办公厅关于2027年部分节假日安排的通知" in message.hint


def test_an_error_once_the_data_has_run_out():  # type: ignore[no-untyped-def]
    with clock.travel_to(days_before_the_end(-1)):
        (message,) = calendar_coverage_check(None)
    assert message.id == "aftersales.W002"
    assert "ended on 2026-12-31" in message.msg and "calendars hq" in message.msg


def test_the_days_are_counted_in_china_s_time_zone():  # type: ignore[no-untyped-def]
    # 2027-01-01 00:30 in Shanghai is still 31 December in UTC.
    with clock.travel_to(datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)):
        assert check_ids() == ["aftersales.W002"]


def test_a_loaded_notice_moves_the_end_and_the_pack_sets_the_warning_period(pack_with):  # type: ignore[no-untyped-def]
    pack_with(with_notices({"2027": EXAMPLE_2027}, warn_days_before_end=10))
    with clock.travel_to(days_before_the_end(-1)):
        assert check_ids() == []
    with clock.travel_to(days_before_the_end(11, date(2027, 12, 31))):
        assert check_ids() == []
    with clock.travel_to(days_before_the_end(10, date(2027, 12, 31))):
        assert check_ids() == ["aftersales.W001"]


def test_a_pack_with_no_calendar_on_china_s_working_days_needs_no_holiday_data(pack_with):  # type: ignore[no-untyped-def]
    raw = with_notices({})
    raw["calendars"]["hq"]["days"] = "every_day"
    pack_with(raw)
    with clock.travel_to(days_before_the_end(-400)):
        assert check_ids() == []


def test_the_check_warns_but_lets_migrations_run_once_the_data_has_run_out():  # type: ignore[no-untyped-def]
    err = StringIO()
    with clock.travel_to(days_before_the_end(-1)):
        call_command("check", "--tag", "aftersales", stderr=err, stdout=StringIO())
    assert "aftersales.W002" in err.getvalue()


def run_policy(*args: str) -> str:
    out = StringIO()
    call_command("policy", *args, stdout=out)
    return out.getvalue()


def test_calendar_status_prints_the_last_covered_day_and_the_days_left():  # type: ignore[no-untyped-def]
    with clock.travel_to(days_before_the_end(30)):
        out = run_policy("calendar-status")
    assert "holiday data: chinesecalendar 2004-2026; notices none" in out
    assert "covered until: 2026-12-31" in out
    assert "today: 2026-12-01; days left: 30" in out
    assert "status: running out; add the 2027 notice" in out


def test_calendar_status_checks_an_edited_pack_before_it_is_deployed(tmp_path):  # type: ignore[no-untyped-def]
    import json

    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(with_notices({"2027": EXAMPLE_2027}), ensure_ascii=False), encoding="utf-8")
    with clock.travel_to(days_before_the_end(-1)):
        out = run_policy("calendar-status", "--pack", str(edited))
    assert "covered until: 2027-12-31" in out and "days left: 364" in out and "status: ok" in out
    broken = with_notices({"2027": {**EXAMPLE_2027, "make_up_workdays": ["2027-02-22"]}})
    edited.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"holidays\.notices\.2027\.make_up_workdays: 2027-02-22 is a Monday"
    ):
        run_policy("calendar-status", "--pack", str(edited))


def test_the_holidays_listing_says_where_each_year_comes_from(pack_with):  # type: ignore[no-untyped-def]
    assert "2026-10-10 Sat make-up working day" in run_policy("holidays", "2026")
    provisional = run_policy("holidays", "2027")
    assert provisional.startswith("2027: PROVISIONAL: statutory holidays only")
    assert "2027-01-01 Fri day off 元旦" in provisional
    # A notice that leaves out a statutory holiday is pointed out, to check the transcription.
    pack_with(with_notices({"2027": {**EXAMPLE_2027, "days_off": ["2027-01-02/2027-01-03"]}}))
    listed = run_policy("holidays", "2027")
    assert "notice in the policy pack: 示例:2027年部分节假日安排" in listed
    assert "2027-01-01 (元旦) is a statutory holiday but not a day off in the notice" in listed
    assert "2027-02-20 Sat make-up working day" in listed
