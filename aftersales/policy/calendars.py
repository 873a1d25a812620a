"""Business calendars and deadline arithmetic: pure functions, no database.

A calendar is a daily opening window on a set of days. Service-level clocks only run
while the calendar is open, so a 30-minute response target set at 22:50 on a hotline
that closes at 23:00 falls due at 07:20 the next morning.

Calendars open on China's working days only know them as far as the holiday data reaches
(`holidays.ChinaWorkdays`); a deadline whose computation went past it is provisional and
logged on the `aftersales.policy` logger.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aftersales.policy.holidays import LIBRARY_ONLY, ChinaWorkdays

logger = logging.getLogger("aftersales.policy")

EVERY_DAY = "every_day"
CN_WORKDAYS = "cn_workdays"
DAY_RULES = (EVERY_DAY, CN_WORKDAYS)


@dataclass(frozen=True)
class BusinessCalendar:
    """Open from `opens` to `closes` (minutes after midnight; 1440 = midnight) on `days`.

    `workdays` says which days China works when `days` is CN_WORKDAYS: the library's tables
    and the policy pack's holiday notices.
    """

    days: str
    opens: int
    closes: int
    tz: ZoneInfo
    workdays: ChinaWorkdays = LIBRARY_ONLY

    def is_open_day(self, day: date) -> bool:
        if self.days == EVERY_DAY:
            return True
        return self.workdays.is_workday(day)

    @property
    def covered_until(self) -> date | None:
        """The last day whose opening rests on official data; None for a calendar that needs none."""
        return None if self.days == EVERY_DAY else self.workdays.covered_until

    def uncovered_days(self, start: datetime | None, end: datetime) -> tuple[date, date] | None:
        """The first and last days past `covered_until` that counting open time up to `end` consulted.

        Counting from `start` consults every local day from `start`'s to the one `end` closes
        (a deadline at midnight closes the day before). Without `start` (a stored deadline),
        any day up to `end` may have been consulted. None when every day was covered.
        """
        covered_until = self.covered_until
        if covered_until is None:
            return None
        last = (end - timedelta(microseconds=1)).astimezone(self.tz).date()
        first = covered_until + timedelta(days=1)
        if start is not None:
            first = max(first, start.astimezone(self.tz).date())
        return (first, last) if first <= last else None

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening windows in order, the first one containing or following `start`."""
        local_start = start.astimezone(self.tz)
        day = local_start.date()
        for _ in range(3660):  # ten years of days: a calendar that never opens is a policy error
            if self.is_open_day(day):
                midnight = datetime.combine(day, time(0), tzinfo=self.tz)
                window_open = midnight + timedelta(minutes=self.opens)
                window_close = midnight + timedelta(minutes=self.closes)
                if window_close > local_start:
                    yield max(window_open, local_start), window_close
            day += timedelta(days=1)
        raise ValueError("calendar has no open time in ten years")


def is_china_workday(day: date) -> bool:
    """China's working days by chinesecalendar's tables, make-up working weekends included.

    Past the years the tables cover: Monday to Friday less the statutory holidays, provisionally
    (`holidays.statutory_days_off`). The policy pack's notices are on its calendars' `workdays`.
    """
    return LIBRARY_ONLY.is_workday(day)


def parse_clock(value: str) -> int:
    hours, minutes = value.split(":")
    total = int(hours) * 60 + int(minutes)
    if not 0 <= total <= 1440:
        raise ValueError(f"time of day out of range: {value}")
    return total


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The moment when `duration` of open time has passed since `start`.

    When the count reached days past the holiday data it is provisional, and says so once
    on the `aftersales.policy` logger (a warning naming the days and the data's last day).
    """
    remaining = duration
    if remaining <= timedelta(0):
        return start
    for window_open, window_close in calendar.windows(start):
        available = window_close - window_open
        if remaining <= available:
            due = window_open + remaining
            uncovered = calendar.uncovered_days(start, due)
            if uncovered is not None:
                logger.warning(
                    "provisional deadline %s (%g minutes of open time from %s): days %s to %s are past %s, "
                    "the last day of holiday data; counted with the statutory holidays only. "
                    "Add the year's holiday notice to the policy pack (docs/calendars.md).",
                    due.isoformat(),
                    duration.total_seconds() / 60,
                    start.isoformat(),
                    uncovered[0],
                    uncovered[1],
                    calendar.covered_until,
                )
            return due
        remaining -= available
    raise AssertionError("unreachable")


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Open time from `start` to `end`; negative when `end` is earlier."""
    if end < start:
        return -business_time_between(end, start, calendar)
    total = timedelta(0)
    for window_open, window_close in calendar.windows(start):
        if window_open >= end:
            break
        total += min(window_close, end) - window_open
    return total
