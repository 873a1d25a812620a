"""Opening hours per weekday: parse, write back, and tell whether an outlet is open.

The written form is a subset of OpenStreetMap's `opening_hours`, with Chinese day names
accepted too, and is what the outlet list, the admin and the export use:

    Mo-Fr 09:00-12:00,13:30-21:00; Sa 10:00-02:00; Su off
    周一至周五 09:00-12:00、13:30-21:00；周六 10:00-次日02:00；周日休息

- Rules are separated by `;` (or a new line); each is days then time spans or `off`.
- Days: Mo Tu We Th Fr Sa Su (or 周一..周日, 星期一..星期日/星期天), ranges `Mo-Fr`,
  `周一至周五` (a range may wrap: `Fr-Mo`), lists `Mo,We`. A later rule overrides an
  earlier one for the days it names (`Mo-Su 09:00-18:00; Su off`); days no rule names are closed.
- A span ending at or before its start runs past midnight (`20:00-02:00`); `24:00` ends
  a day; a break is two spans (`09:00-12:00,13:30-18:00`). `24/7` is open always.

Refused (HoursError, with a reason code): an unreadable rule, a time such as 25:00 or
09:60, an empty span (09:00-09:00), spans that overlap, including a night span
running into the next day's first span.
"""

import re
import unicodedata
from dataclasses import dataclass

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

_DAY_NAMES: dict[str, int] = {code.lower(): index for index, code in enumerate(DAY_CODES)}
for _index, _chinese in enumerate("一二三四五六日"):
    for _prefix in ("周", "星期", "礼拜"):
        _DAY_NAMES[_prefix + _chinese] = _index
_DAY_NAMES.update({"周天": 6, "星期天": 6, "礼拜天": 6})

_OFF_WORDS = ("off", "closed", "休息", "闭店", "不营业", "休", "关闭", "公休")
_ALWAYS = ("24/7", "全天24小时", "24小时", "全天")
_DAY_TOKEN = "|".join(sorted((re.escape(n) for n in _DAY_NAMES), key=len, reverse=True))
_RULE = re.compile(rf"^\s*((?:{_DAY_TOKEN})(?:\s*(?:-|~|至|到|,|、)\s*(?:{_DAY_TOKEN}))*)\s*:?\s*(.*)$", re.I)
_DAY_PART = re.compile(rf"({_DAY_TOKEN})(?:\s*(?:-|~|至|到)\s*({_DAY_TOKEN}))?", re.I)
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*(?:-|~|至|到)\s*(?:次日|翌日)?(\d{1,2}):(\d{2})$")

Span = tuple[int, int]  # minutes after the day's midnight; the end may pass 1440 (past midnight)


class HoursError(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class WeekHours:
    """Each weekday's spans, Monday first."""

    days: tuple[tuple[Span, ...], ...]

    def text(self) -> str:
        """The canonical written form; parsing it gives the same hours back."""
        if all(day == ((0, MINUTES_PER_DAY),) for day in self.days):
            return "24/7"
        rules: list[str] = []
        start = 0
        for index in range(1, 8):
            if index == 7 or self.days[index] != self.days[start]:
                days = (
                    DAY_CODES[start] if index - 1 == start else f"{DAY_CODES[start]}-{DAY_CODES[index - 1]}"
                )
                spans = ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in self.days[start]) or "off"
                rules.append(f"{days} {spans}")
                start = index
        return "; ".join(rules)

    def week_intervals(self) -> tuple[Span, ...]:
        """Open intervals in minutes after Monday 00:00, sorted; a Sunday night span wraps to Monday."""
        intervals: list[Span] = []
        for day, spans in enumerate(self.days):
            for start, end in spans:
                a, b = day * MINUTES_PER_DAY + start, day * MINUTES_PER_DAY + end
                if b > MINUTES_PER_WEEK:
                    intervals += [(a, MINUTES_PER_WEEK), (0, b - MINUTES_PER_WEEK)]
                else:
                    intervals.append((a, b))
        return tuple(sorted(intervals))

    def minutes_open_per_open_day(self) -> float:
        open_days = [spans for spans in self.days if spans]
        if not open_days:
            return 0.0
        return sum(b - a for spans in open_days for a, b in spans) / len(open_days)


def is_open(intervals: tuple[Span, ...], minute_of_week: int) -> bool:
    return any(a <= minute_of_week < b for a, b in intervals)


def _clock(minutes: int) -> str:
    minutes = minutes - MINUTES_PER_DAY if minutes > MINUTES_PER_DAY else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for match in _DAY_PART.finditer(spec):
        first = _DAY_NAMES[match.group(1).lower()]
        last = _DAY_NAMES[match.group(2).lower()] if match.group(2) else first
        days += [(first + i) % 7 for i in range((last - first) % 7 + 1)]
    return days


def _spans(text: str, rule: str) -> tuple[Span, ...]:
    spans = []
    for part in re.split(r"\s*(?:,|、|/|\s)\s*", text.strip()):
        if not part:
            continue
        match = _SPAN.match(part)
        if not match:
            raise HoursError("hours_syntax", rule)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise HoursError("hours_time", part)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end or (end == 0 and start == 0):
            raise HoursError("hours_empty_span", part)
        spans.append((start, end if end > start else end + MINUTES_PER_DAY))
    if not spans:
        raise HoursError("hours_syntax", rule)
    return tuple(sorted(spans))


def parse_hours(text: str) -> WeekHours:
    """Parse the written form (see the module's docstring); raises HoursError naming the fault."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal:
        raise HoursError("hours_syntax", text)
    if normal.lower().replace(" ", "") in _ALWAYS:
        return WeekHours(tuple(((0, MINUTES_PER_DAY),) for _ in range(7)))
    days: list[tuple[Span, ...]] = [() for _ in range(7)]
    rules = [r.strip() for r in re.split(r"[;\n]", normal) if r.strip()]
    if not rules:
        raise HoursError("hours_syntax", text)
    for rule in rules:
        match = _RULE.match(rule)
        if not match:
            raise HoursError("hours_syntax", rule)
        rest = match.group(2).strip()
        if rest.lower() in _OFF_WORDS:
            spans: tuple[Span, ...] = ()
        elif rest.lower().replace(" ", "") in _ALWAYS:
            spans = ((0, MINUTES_PER_DAY),)
        else:
            spans = _spans(rest, rule)
        for day in _days(match.group(1)):
            days[day] = spans
    hours = WeekHours(tuple(days))
    intervals = hours.week_intervals()
    for (_a1, b1), (a2, _b2) in zip(intervals, intervals[1:], strict=False):
        if a2 < b1:
            raise HoursError("hours_overlap", f"{_week_clock(a2)} < {_week_clock(b1)}")
    return hours


def _week_clock(minute_of_week: int) -> str:
    day, minutes = divmod(minute_of_week, MINUTES_PER_DAY)
    return f"{DAY_CODES[day % 7]} {_clock(minutes)}"
