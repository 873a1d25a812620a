"""China's working days, and how far the official data behind them reaches. Pure, no database.

Whether a day is worked is decided, in this order, by:

1. a holiday notice in the policy pack (国务院办公厅关于YYYY年部分节假日安排的通知) for the
   day's year, or the next year's notice when its New Year holiday starts in late December
   (the 2019 notice made 29 December 2018 a working day and 30-31 December days off);
2. chinesecalendar's tables, for the years its installed release has (2004-2026 in 1.11.0);
3. past both, provisionally, Monday to Friday less the statutory holidays (`statutory_days_off`).

The data is *covered* up to the last day of the last year that a notice or the library
gives, counting on from the library's first year without a gap (`ChinaWorkdays.covered_until`).
Days after it are answered by rule 3 and never silently: deadlines that reach them are
flagged provisional, and the health check warns before the covered days run out.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

import chinese_calendar
from lunardate import LunarDate

NOTICE = "notice"
LIBRARY = "chinesecalendar"
STATUTORY = "statutory"  # provisional: the statutory holidays alone, no make-up working days


@dataclass(frozen=True)
class HolidayNotice:
    """One year's official arrangement of public holidays, as the State Council published it.

    `days_off` are every day of each holiday period (weekends inside them included);
    `make_up_workdays` are the Saturdays and Sundays worked in exchange. Days of late
    December of the year before may appear when the New Year holiday starts there.
    """

    year: int
    source: str
    published: date
    days_off: frozenset[date]
    make_up_workdays: frozenset[date]


@dataclass(frozen=True)
class DayRuling:
    """Whether `day` is worked, on what `basis` (NOTICE, LIBRARY or STATUTORY), the holiday's name if known."""

    day: date
    workday: bool
    basis: str
    name: str = ""
    source: str = ""  # the notice, for days a notice decides


@lru_cache(maxsize=1)
def library_years() -> range:
    """The years the installed chinesecalendar release has tables for."""
    known = chinese_calendar.holidays
    return range(min(known).year, max(known).year + 1)


@lru_cache(maxsize=64)
def statutory_days_off(year: int) -> dict[date, str]:
    """The days off that the law itself fixes in `year`, with their names.

    《全国年节及纪念日放假办法》 as revised in 2024, in force from 1 January 2025: 元旦 1 day
    (1 January), 春节 4 days (除夕 to 正月初三), 清明节 1 day (the day of the 清明 solar term),
    劳动节 2 days (1-2 May), 端午节 1 day (五月初五), 中秋节 1 day (八月十五), 国庆节 3 days
    (1-3 October). Lunar dates come from lunardate, the solar term from chinesecalendar.

    Left out on purpose, because only the year's notice dates them: the working day given
    back when a holiday falls on a weekend (the law's article 6), the days joined to a
    holiday, and the weekend days worked in exchange. Leaving them out errs early: a
    deadline counted this way is never later than the official one for want of a day off.
    """
    spring_festival = LunarDate(year, 1, 1).to_solar_date()
    (qingming,) = (day for day, _ in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)))
    named = [
        (date(year, 1, 1), "元旦"),
        (spring_festival - timedelta(days=1), "春节(除夕)"),
        *((spring_festival + timedelta(days=n), "春节") for n in range(3)),
        (qingming, "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (LunarDate(year, 5, 5).to_solar_date(), "端午节"),
        (LunarDate(year, 8, 15).to_solar_date(), "中秋节"),
        *((date(year, 10, day), "国庆节") for day in (1, 2, 3)),
    ]
    days: dict[date, str] = {}
    for day, name in named:  # 中秋节 can fall within 国庆节 (2028-10-03): one day, both names
        days[day] = f"{days[day]}、{name}" if day in days else name
    return days


@dataclass(frozen=True)
class ChinaWorkdays:
    """China's working days from the pack's notices, then chinesecalendar, then the statutory rule."""

    notices: tuple[HolidayNotice, ...] = ()

    @cached_property
    def _notice_days(self) -> dict[date, tuple[bool, HolidayNotice]]:
        """Each day a notice names: worked or not, and which notice says so."""
        named: dict[date, tuple[bool, HolidayNotice]] = {}
        for notice in sorted(self.notices, key=lambda n: n.year):
            named |= {day: (False, notice) for day in notice.days_off}
            named |= {day: (True, notice) for day in notice.make_up_workdays}
        return named

    @cached_property
    def notice_years(self) -> frozenset[int]:
        return frozenset(notice.year for notice in self.notices)

    @cached_property
    def covered_until(self) -> date:
        """The last day of official data, counting on from the library's first year without a gap."""
        library = library_years()
        year = library.stop - 1
        while year + 1 in self.notice_years:
            year += 1
        return date(year, 12, 31)

    def is_covered(self, day: date) -> bool:
        return day.year in self.notice_years or day.year in library_years()

    def ruling(self, day: date) -> DayRuling:
        """Whether `day` is worked and on what basis (see the module's docstring for the order)."""
        if day in self._notice_days:
            workday, notice = self._notice_days[day]
            name = "" if workday else statutory_days_off(day.year).get(day, "")
            return DayRuling(day, workday, NOTICE, name, notice.source)
        if day.year in self.notice_years:
            (notice,) = (n for n in self.notices if n.year == day.year)
            return DayRuling(day, day.weekday() < 5, NOTICE, source=notice.source)
        if day.year in library_years():
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayRuling(day, not on_holiday, LIBRARY, name or "")
        name = statutory_days_off(day.year).get(day, "")
        return DayRuling(day, not name and day.weekday() < 5, STATUTORY, name)

    def is_workday(self, day: date) -> bool:
        if day in self._notice_days:
            return self._notice_days[day][0]
        if day.year in self.notice_years:
            return day.weekday() < 5
        if day.year in library_years():
            # chinesecalendar.is_workday's own rule, on its exported tables: its range check
            # scans every entry on each call, ten times the cost of the lookup.
            return day in chinese_calendar.workdays or (
                day.weekday() < 5 and day not in chinese_calendar.holidays
            )
        return day.weekday() < 5 and day not in statutory_days_off(day.year)


LIBRARY_ONLY = ChinaWorkdays()
