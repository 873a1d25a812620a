"""Health of the policy pack's holiday data, as a Django system check (`aftersales check`).

aftersales.W001: the holiday data runs out within the pack's `holidays.warn_days_before_end`
(60 days by default) of today; aftersales.W002: it ran out, and deadlines on China's working
days are provisional. A warning, not an error: an error would stop every management command
(migrations, the sweeper) on New Year's Day, while the platform still computes deadlines on the
statutory holidays and flags them. aftersales.E002: the policy pack does not load.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning, register

from aftersales.common import clock
from aftersales.policy.calendars import CN_WORKDAYS
from aftersales.policy.holidays import library_years
from aftersales.policy.pack import PolicyError, PolicyPack, current_pack

OK = "ok"
RUNNING_OUT = "running_out"
RAN_OUT = "ran_out"
NOT_NEEDED = "not_needed"  # no calendar of the pack follows China's working days


@dataclass(frozen=True)
class CalendarCoverage:
    """How far the holiday data behind the pack's calendars reaches, seen from `today`."""

    today: date
    calendars: tuple[str, ...]  # the pack's calendars open on China's working days
    covered_until: date
    days_left: int  # from today to covered_until; negative once it has passed
    warn_days: int
    library_years: range
    notice_years: tuple[int, ...]

    @property
    def state(self) -> str:
        if not self.calendars:
            return NOT_NEEDED
        if self.days_left < 0:
            return RAN_OUT
        return RUNNING_OUT if self.days_left <= self.warn_days else OK

    @property
    def next_year(self) -> int:
        return self.covered_until.year + 1


def calendar_coverage(*, pack: PolicyPack, today: date) -> CalendarCoverage:
    covered_until = pack.workdays.covered_until
    return CalendarCoverage(
        today=today,
        calendars=tuple(sorted(name for name, c in pack.calendars.items() if c.days == CN_WORKDAYS)),
        covered_until=covered_until,
        days_left=(covered_until - today).days,
        warn_days=pack.holiday_warn_days,
        library_years=library_years(),
        notice_years=tuple(sorted(pack.workdays.notice_years)),
    )


def calendar_coverage_check(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    try:
        pack = current_pack()
    except (PolicyError, OSError, ValueError) as exc:
        return [Error(f"the policy pack does not load: {exc}", id="aftersales.E002")]
    coverage = calendar_coverage(pack=pack, today=clock.localdate(clock.now()))
    hint = (
        f"Add the {coverage.next_year} holiday notice (国务院办公厅关于{coverage.next_year}年部分节假日安排的通知) "
        "to the policy pack's holidays.notices, or upgrade chinesecalendar; see docs/calendars.md."
    )
    calendars = ", ".join(coverage.calendars)
    if coverage.state == RAN_OUT:
        return [
            Warning(
                f"the holiday data ended on {coverage.covered_until}: deadlines on calendars {calendars} "
                "count the statutory holidays only and are provisional",
                hint=hint,
                id="aftersales.W002",
            )
        ]
    if coverage.state == RUNNING_OUT:
        return [
            Warning(
                f"the holiday data ends on {coverage.covered_until}, in {coverage.days_left} days: "
                f"deadlines on calendars {calendars} past it will be provisional",
                hint=hint,
                id="aftersales.W001",
            )
        ]
    return []


def register_checks() -> None:
    register(calendar_coverage_check, "aftersales")
