"""A small week of complaints whose dashboard figures are worked out by hand in test_dashboard.py.

The week is 2026-11-01 to 2026-11-07 in Asia/Shanghai; the figures are read at 01:00 on
11-08. Six complaints fall inside it (one opened at 23:30 on the last day), two just outside
(23:50 the day before, 00:10 the day after). Outlet A (深圳福田) and B (广州天河) each get
complaints through dispatches; C5 went to A first and then to B, so it counts for B.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aftersales.accounts.tests.factories import CustomerFactory
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.status import OPEN_STATES, State
from aftersales.network.models import Dispatch, Outlet
from aftersales.network.tests.factories import make_outlet
from aftersales.reporting.dashboard import Period
from aftersales.reporting.models import OutletKpiReport

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = Period(date(2026, 11, 1), date(2026, 11, 7))
NOW = datetime(2026, 11, 8, 1, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Week:
    outlet_a: Outlet
    outlet_b: Outlet
    complaints: dict[str, Complaint]


def _complaint(
    label: str,
    *,
    customer_id: int,
    created: datetime,
    channel: str,
    category: str,
    city: str,
    level: str,
    state: str,
    responded_after: float | None,
    resolved_after: float | None = None,
    score: int | None = None,
    breaches: tuple[str, ...] = (),
    inspected: bool = False,
    dispatched: bool = True,
) -> Complaint:
    hours = timedelta(hours=1)
    responded = created + responded_after * hours if responded_after is not None else None
    return Complaint.objects.create(
        number=f"T-20261101-{label}",
        customer_id=customer_id,
        channel=channel,
        city=city,
        subject=f"投诉 {label} 屏幕😀",
        category=category,
        priority=3,
        level=level,
        team={"L1": "agents", "L2": "technical", "L3": "hq-experts"}[level],
        state=state,
        is_open=state in OPEN_STATES,
        tracking_salt="0123456789abcdef",
        created_at=created,
        responded_at=responded,
        response_due_at=created + 3 * hours,
        level_responded_at=responded,
        level_response_due_at=created + 2 * hours,
        accept_due_at=created + 4 * hours,
        dispatched_at=created + 2 * hours if dispatched else None,
        inspect_due_at=created + 50 * hours if dispatched else None,
        inspected_at=created + 20 * hours if inspected else None,
        process_due_at=created + 72 * hours,
        resolve_due_at=created + 72 * hours,
        resolved_at=created + resolved_after * hours if resolved_after is not None else None,
        satisfaction_score=score,
        breaches=list(breaches),
    )


def make_week() -> Week:
    customer = CustomerFactory(name="王小明")
    outlet_a = make_outlet("sz-futian-01")
    outlet_b = make_outlet("gz-tianhe-01")
    made: dict[str, Complaint] = {}
    common = {"customer_id": customer.pk}
    made["C1"] = _complaint(
        "C1", **common, created=local(1, 10), channel="app", category="screen", city="深圳", level="L1",
        state=State.ARCHIVED, responded_after=2, resolved_after=48, score=5, inspected=True,
    )  # fmt: skip
    made["C2"] = _complaint(
        "C2", **common, created=local(2, 9), channel="hotline", category="logistics", city="深圳",
        level="L1", state=State.RESOLVED, responded_after=4, resolved_after=96, score=3, inspected=True,
        breaches=("response_due_at", "level_response_due_at", "process_due_at", "resolve_due_at"),
    )  # fmt: skip
    made["C3"] = _complaint(
        "C3", **common, created=local(3, 12), channel="app", category="logistics", city="广州", level="L2",
        state=State.CLOSED, responded_after=10, breaches=("response_due_at", "level_response_due_at"),
    )  # fmt: skip
    made["C4"] = _complaint(
        "C4", **common, created=local(7, 23, 30), channel="wechat", category="battery_charging",
        city="广州", level="L3", state=State.ACCEPTED, responded_after=None, dispatched=False,
    )  # fmt: skip
    made["C5"] = _complaint(
        "C5", **common, created=local(5, 8), channel="app", category="screen", city="深圳", level="L1",
        state=State.PROCESSING, responded_after=1, breaches=("accept_due_at",),
    )  # fmt: skip
    made["C6"] = _complaint(
        "C6", **common, created=local(6, 10), channel="hotline", category="other", city="上海", level="L2",
        state=State.ARCHIVED, responded_after=3, resolved_after=24, score=4, inspected=True,
        breaches=("level_response_due_at",),
    )  # fmt: skip
    # Just outside the week, either side of it.
    made["C7"] = _complaint(
        "C7", **common, created=local(8, 0, 10), channel="app", category="screen", city="深圳", level="L1",
        state=State.ARCHIVED, responded_after=100, resolved_after=200, score=1,
    )  # fmt: skip
    made["C8"] = _complaint(
        "C8", **common, created=local(31, 23, 50, month=10), channel="app", category="screen", city="深圳",
        level="L1", state=State.CLOSED, responded_after=50, score=1,
    )  # fmt: skip
    dispatches = [
        ("C1", outlet_a, 0), ("C2", outlet_a, 0), ("C3", outlet_b, 0), ("C5", outlet_a, 0),
        ("C5", outlet_b, 1), ("C6", outlet_a, 0), ("C7", outlet_b, 0), ("C8", outlet_b, 0),
    ]  # fmt: skip
    for label, outlet, later in dispatches:
        complaint = made[label]
        Dispatch.objects.create(
            complaint=complaint,
            outlet=outlet,
            at=complaint.created_at + timedelta(hours=2 + later),
            actor="system",
            automatic=True,
            basis=Dispatch.Basis.NEAREST,
            waiting=0,
        )
    # C5 was resolved on 11-06 and reopened the next day by the customer.
    TimelineEvent.objects.create(
        complaint=made["C5"],
        seq=1,
        kind=TimelineEvent.Kind.STATUS,
        at=local(7, 9),
        actor="customer:1",
        payload={"action": "reopen", "from": "resolved", "to": "reopened", "reason": "还是不行"},
    )
    reports = [
        (outlet_a, local(1, 0).date(), local(8, 0).date(), 4, 2, 10.0, 2, 4.5),
        (outlet_a, local(25, 0, month=10).date(), local(1, 0).date(), 9, 9, 99.0, 9, 1.0),
        (outlet_b, local(1, 0).date(), local(4, 0).date(), 1, 1, 20.0, 1, 3.0),
        (outlet_b, local(4, 0).date(), local(8, 0).date(), 0, 3, 30.0, 0, None),
    ]
    for outlet, start, end, opened, completed, turnaround, scores, mean in reports:
        OutletKpiReport.objects.create(
            outlet=outlet,
            period_start=start,
            period_end=end,
            repair_orders_opened=opened,
            repair_orders_completed=completed,
            mean_turnaround_hours=turnaround,
            satisfaction_count=scores,
            satisfaction_mean=mean,
            built_at=NOW,
        )
    return Week(outlet_a=outlet_a, outlet_b=outlet_b, complaints=made)
