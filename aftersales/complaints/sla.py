"""Service-level deadlines of a complaint: pure functions over the policy pack.

Each deadline has a name. `running_deadlines` says which clocks run in a state (not yet
met, breached or not); `watched_deadlines` are those the sweeper still waits for (not yet
breached), and `next_deadline` is the earliest of them (the sweeper's indexed column).
`earliest_due` is the earliest running one, breached ones included: the work queues sort
on it, so the most overdue complaint comes first and none drops out.

Two response clocks run from the start: the first human response (`RESPONSE`, the pack's
`first_response`, the same for every level) and the response level's own deadline for its
team (`LEVEL_RESPONSE`, restarted when the complaint is escalated).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aftersales.common.messages import message_text
from aftersales.complaints.status import CLOCKED_STATES, State
from aftersales.policy.calendars import BusinessCalendar, add_business_time, business_time_between
from aftersales.policy.pack import PolicyPack

RESPONSE = "response_due_at"
LEVEL_RESPONSE = "level_response_due_at"
ACCEPT = "accept_due_at"
INSPECT = "inspect_due_at"
PROCESS = "process_due_at"
RESOLVE = "resolve_due_at"
SATISFACTION = "satisfaction_due_at"
ARCHIVE = "archive_due_at"

# Deadlines whose breach escalates; the others only record and notify (or archive). A missed
# first response is the first-response team's miss: it tells the owner but does not move the
# complaint to a higher level, whose team has its own clock (LEVEL_RESPONSE).
ESCALATING = (LEVEL_RESPONSE, ACCEPT, INSPECT, PROCESS, RESOLVE)
# The clocks that run while someone works on the complaint and stop while waiting on the customer.
WORKING_CLOCKS = (RESPONSE, *ESCALATING)
LABELS = {
    RESPONSE: {"zh-hans": "首次响应", "en": "first response"},
    LEVEL_RESPONSE: {"zh-hans": "响应级别团队介入", "en": "response-level team takes over"},
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
    level_responded: bool
    inspected: bool
    breaches: tuple[str, ...]
    satisfaction_recorded: bool


def deadline_facts(complaint: Any) -> DeadlineFacts:
    """The facts of a complaint row (anything with its attributes)."""
    return DeadlineFacts(
        state=complaint.state,
        responded=complaint.responded_at is not None,
        level_responded=complaint.level_responded_at is not None,
        inspected=complaint.inspected_at is not None,
        breaches=tuple(complaint.breaches),
        satisfaction_recorded=complaint.satisfaction_score is not None,
    )


def response_deadline(start: datetime, pack: PolicyPack) -> datetime:
    """When the first human response is due for a complaint opened (or reopened) at `start`.

    The same clock for every level and priority (`first_response` in the policy pack), so
    an urgent complaint routed to a slower, higher level is acknowledged as fast as any.
    """
    first = pack.first_response
    return add_business_time(start, first.respond_within, first.calendar)


def level_response_deadline(start: datetime, level: str, pack: PolicyPack) -> datetime:
    """When the team of response level `level` must have taken up a complaint routed to it at `start`."""
    spec = pack.levels[level]
    return add_business_time(start, spec.respond_within, spec.calendar)


def stage_deadlines(created_at: datetime, pack: PolicyPack) -> dict[str, datetime]:
    """The stage clocks that start with the complaint. The outlet inspection clock is not one
    of them: it starts when the complaint is dispatched to an outlet (`inspection_deadline`)."""
    stages = pack.stages
    return {
        ACCEPT: add_business_time(created_at, stages.accept_within, stages.calendar),
        PROCESS: add_business_time(created_at, stages.process_within, stages.calendar),
        RESOLVE: add_business_time(created_at, stages.resolve_within, stages.calendar),
    }


def inspection_deadline(dispatched_at: datetime, pack: PolicyPack) -> datetime:
    """When the outlet a complaint was dispatched to at `dispatched_at` must have inspected the
    device (the pack's `stage_deadlines.inspect_within_hours`, 48 h for the demo brand, seed 二(三)).

    Each dispatch starts the clock afresh: a complaint re-dispatched to another outlet gives
    that outlet its own full time.
    """
    stages = pack.stages
    return add_business_time(dispatched_at, stages.inspect_within, stages.calendar)


def calendar_of(name: str, level: str, pack: PolicyPack) -> BusinessCalendar:
    if name == RESPONSE:
        return pack.first_response.calendar
    if name == LEVEL_RESPONSE:
        return pack.levels[level].calendar
    return pack.stages.calendar


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


def running_deadlines(facts: DeadlineFacts) -> tuple[str, ...]:
    """The deadlines not yet met in the complaint's state, breached ones included."""
    if facts.state in CLOCKED_STATES:
        names = [RESPONSE] if not facts.responded else []
        if not facts.level_responded:
            names.append(LEVEL_RESPONSE)
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
    return tuple(names)


def watched_deadlines(facts: DeadlineFacts) -> tuple[str, ...]:
    """The deadlines the sweeper still waits for: running and not yet breached (archiving always)."""
    return tuple(name for name in running_deadlines(facts) if name not in facts.breaches or name == ARCHIVE)


def _earliest(names: tuple[str, ...], deadlines: dict[str, datetime | None]) -> datetime | None:
    due = [deadlines[name] for name in names if deadlines.get(name) is not None]
    return min(due) if due else None  # type: ignore[type-var]


def next_deadline(facts: DeadlineFacts, deadlines: dict[str, datetime | None]) -> datetime | None:
    """The earliest deadline the sweeper still has to act on, or None."""
    return _earliest(watched_deadlines(facts), deadlines)


def earliest_due(facts: DeadlineFacts, deadlines: dict[str, datetime | None]) -> datetime | None:
    """The work queues' sort key: the earliest unmet deadline, breached or not, while clocks run.

    In the past for an overdue complaint (the further, the more overdue), None while the
    clocks are paused (waiting on the customer) or stopped (resolved, closed, archived).
    """
    if facts.state not in CLOCKED_STATES:
        return None
    return _earliest(running_deadlines(facts), deadlines)


def shift_after_pause(
    deadline: datetime, *, paused_at: datetime, resumed_at: datetime, calendar: BusinessCalendar
) -> datetime:
    """Move a deadline so that the open time left when the clock paused is left again on resuming."""
    remaining = business_time_between(paused_at, deadline, calendar)
    if remaining <= timedelta(0):
        return deadline
    return add_business_time(resumed_at, remaining, calendar)
