"""Service-level deadlines of a complaint: pure functions over the policy pack.

Each deadline has a name; `watched_deadlines` says which ones are live in a state, and
`next_deadline` is the earliest of them (the indexed column the sweeper and queues use).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aftersales.common.messages import message_text
from aftersales.complaints.status import CLOCKED_STATES, State
from aftersales.policy.calendars import BusinessCalendar, add_business_time, business_time_between
from aftersales.policy.pack import PolicyPack

RESPONSE = "response_due_at"
ACCEPT = "accept_due_at"
INSPECT = "inspect_due_at"
PROCESS = "process_due_at"
RESOLVE = "resolve_due_at"
SATISFACTION = "satisfaction_due_at"
ARCHIVE = "archive_due_at"

# Deadlines whose breach escalates; the others only record and notify (or archive).
ESCALATING = (RESPONSE, ACCEPT, INSPECT, PROCESS, RESOLVE)
# The clocks that run while someone works on the complaint and stop while waiting on the customer.
WORKING_CLOCKS = ESCALATING
LABELS = {
    RESPONSE: {"zh-hans": "首次响应", "en": "first response"},
    ACCEPT: {"zh-hans": "受理", "en": "acceptance"},
    INSPECT: {"zh-hans": "网点检测", "en": "outlet inspection"},
    PROCESS: {"zh-hans": "处理", "en": "processing"},
    RESOLVE: {"zh-hans": "解决", "en": "resolution"},
    SATISFACTION: {"zh-hans": "满意度回访", "en": "satisfaction check"},
    ARCHIVE: {"zh-hans": "归档", "en": "archive"},
}


@dataclass(frozen=True)
class DeadlineFacts:
    """What the deadline rules need to know about a complaint."""

    state: str
    responded: bool
    inspected: bool
    breaches: tuple[str, ...]
    satisfaction_recorded: bool


def deadline_facts(complaint: Any) -> DeadlineFacts:
    """The facts of a complaint row (anything with its attributes)."""
    return DeadlineFacts(
        state=complaint.state,
        responded=complaint.responded_at is not None,
        inspected=complaint.inspected_at is not None,
        breaches=tuple(complaint.breaches),
        satisfaction_recorded=complaint.satisfaction_score is not None,
    )


def response_deadline(start: datetime, level: str, pack: PolicyPack) -> datetime:
    spec = pack.levels[level]
    return add_business_time(start, spec.respond_within, spec.calendar)


def stage_deadlines(created_at: datetime, pack: PolicyPack) -> dict[str, datetime]:
    stages = pack.stages
    return {
        ACCEPT: add_business_time(created_at, stages.accept_within, stages.calendar),
        INSPECT: add_business_time(created_at, stages.inspect_within, stages.calendar),
        PROCESS: add_business_time(created_at, stages.process_within, stages.calendar),
        RESOLVE: add_business_time(created_at, stages.resolve_within, stages.calendar),
    }


def calendar_of(name: str, level: str, pack: PolicyPack) -> BusinessCalendar:
    return pack.levels[level].calendar if name == RESPONSE else pack.stages.calendar


def provisional_reason(name: str, due_at: datetime, level: str, pack: PolicyPack) -> dict[str, str] | None:
    """Why deadline `name`, due at `due_at`, is provisional, in each of the pack's languages; None if it is not.

    A deadline counted on a calendar of China's working days is provisional when it falls
    past the last day of the holiday data (`BusinessCalendar.covered_until`): the days after
    were counted with the statutory holidays only. Satisfaction and archive deadlines are
    plain durations and never are.
    """
    if name not in WORKING_CLOCKS:
        return None
    calendar = calendar_of(name, level, pack)
    if calendar.uncovered_days(None, due_at) is None:
        return None
    return {
        language: message_text("deadline_provisional", language, covered_until=calendar.covered_until)
        for language in pack.languages
    }


def watched_deadlines(facts: DeadlineFacts) -> tuple[str, ...]:
    if facts.state in CLOCKED_STATES:
        names = [RESPONSE] if not facts.responded else []
        if facts.state == State.ACCEPTED:
            names.append(ACCEPT)
        if not facts.inspected:
            names.append(INSPECT)
        names += [PROCESS, RESOLVE]
    elif facts.state == State.RESOLVED:
        names = [] if facts.satisfaction_recorded else [SATISFACTION]
        names.append(ARCHIVE)
    else:
        names = []
    return tuple(name for name in names if name not in facts.breaches or name == ARCHIVE)


def next_deadline(facts: DeadlineFacts, deadlines: dict[str, datetime | None]) -> datetime | None:
    due = [deadlines[name] for name in watched_deadlines(facts) if deadlines.get(name) is not None]
    return min(due) if due else None  # type: ignore[type-var]


def shift_after_pause(
    deadline: datetime, *, paused_at: datetime, resumed_at: datetime, calendar: BusinessCalendar
) -> datetime:
    """Move a deadline so that the open time left when the clock paused is left again on resuming."""
    remaining = business_time_between(paused_at, deadline, calendar)
    if remaining <= timedelta(0):
        return deadline
    return add_business_time(resumed_at, remaining, calendar)
