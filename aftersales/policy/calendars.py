"""Business calendars and deadline arithmetic: pure functions, no database.

A calendar is a daily opening window on a set of days. Service-level clocks only run
while the calendar is open, so a 30-minute response target set at 22:50 on a hotline
that closes at 23:00 falls due at 07:20 the next morning.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

EVERY_DAY = "every_day"
CN_WORKDAYS = "cn_workdays"
DAY_RULES = (EVERY_DAY, CN_WORKDAYS)


@dataclass(frozen=True)
class BusinessCalendar:
    """Open from `opens` to `closes` (minutes after midnight; 1440 = midnight) on `days`."""

    days: str
    opens: int
    closes: int
    tz: ZoneInfo

    def is_open_day(self, day: date) -> bool:
        if self.days == EVERY_DAY:
            return True
        return is_china_workday(day)

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
    """China's working days, make-up working weekends included.

    Outside the years the holiday tables cover, fall back to Monday-Friday.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def parse_clock(value: str) -> int:
    hours, minutes = value.split(":")
    total = int(hours) * 60 + int(minutes)
    if not 0 <= total <= 1440:
        raise ValueError(f"time of day out of range: {value}")
    return total


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The moment when `duration` of open time has passed since `start`."""
    remaining = duration
    if remaining <= timedelta(0):
        return start
    for window_open, window_close in calendar.windows(start):
        available = window_close - window_open
        if remaining <= available:
            return window_open + remaining
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
