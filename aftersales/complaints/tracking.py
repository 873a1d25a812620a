"""What the customer's tracking page says, in the customer's words and language.

Built only from what a customer may see: the customer projection of the timeline
(`api.timeline_out`, which leaves out notes, assignments, pre-diagnosis, staff names, teams
and staff reasons), the complaint's deadlines and the solution library. Every instant is
shown in Beijing time (Asia/Shanghai) in one format, `YYYY-MM-DD HH:MM`. Strings are
translated with Django's i18n (complaints/locale); call inside the page's active language.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.accounts.actors import Actor
from aftersales.complaints import sla
from aftersales.complaints.api import timeline_out
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.schemas import CustomerTimelineEventOut
from aftersales.complaints.selectors import (
    DeadlineView,
    complaint_categories,
    complaint_deadlines,
    complaint_timeline,
)
from aftersales.complaints.services import FOLLOW_UP_REASON, RESUME_REASON
from aftersales.complaints.status import OPEN_STATES, State
from aftersales.knowledge.services import SelfHelp, self_help_for
from aftersales.policy.pack import current_pack

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_time(moment: datetime | str | None) -> str:
    """`moment` (aware, or ISO 8601 text) as "2026-12-01 18:30" in Beijing time; "" for None."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def stage_name(state: str) -> str:
    """A complaint state (complaints/status.py) as the customer reads it."""
    names: dict[str, str] = {
        State.ACCEPTED: _("Received"),
        State.PROCESSING: _("Being handled"),
        State.WAITING_CUSTOMER: _("Waiting for your reply"),
        State.WAITING_PARTS: _("Waiting for parts"),
        State.ESCALATED: _("Passed to a senior team"),
        State.RESOLVED: _("Resolved"),
        State.REOPENED: _("Reopened"),
        State.ARCHIVED: _("Closed"),
        State.CLOSED: _("Closed without a solution"),
    }
    return names.get(state, _("In progress"))


@dataclass(frozen=True)
class NextStep:
    """What happens next, and by when (Beijing time), when a deadline runs."""

    text: str
    due: str = ""
    overdue: bool = False
    # Past the holiday data the official arrangement may still move it (sla.provisional_reason).
    provisional: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    title: str
    who: str
    body: str = ""


@dataclass(frozen=True)
class TrackingView:
    complaint: Complaint
    stage: str
    next_step: NextStep
    category: str
    level: str
    timeline: list[TimelineEntry]
    self_help: list[SelfHelp]
    may_rate: bool
    rated: int | None
    # What the reply box does in this state: "add", "reopen" or "new_complaint" (pack follow_ups).
    reply_effect: str
    # Until when a resolved complaint can be reopened by writing (its archive deadline).
    reopen_until: str = ""
    deadlines: list[dict[str, str]] = field(default_factory=list)


# Per state, the deadlines the customer is promised an answer by, in order of preference.
_PROMISED: dict[str, tuple[str, ...]] = {
    State.ACCEPTED: (sla.RESPONSE, sla.ACCEPT, sla.LEVEL_RESPONSE, sla.RESOLVE),
    State.PROCESSING: (sla.INSPECT, sla.RESOLVE, sla.PROCESS),
    State.ESCALATED: (sla.LEVEL_RESPONSE, sla.RESOLVE),
    State.REOPENED: (sla.RESPONSE, sla.LEVEL_RESPONSE, sla.RESOLVE),
    State.RESOLVED: (sla.ARCHIVE,),
}


def complaint_tracking_view(
    *, complaint: Complaint, actor: Actor, now: datetime, language: str
) -> TrackingView:
    """The tracking page of `complaint` for `actor` (its customer, by session or tracking token).

    `language` is "zh-hans" or "en" (policy pack labels and the solution library); the
    translated strings follow Django's active language, which the page sets to the same.
    """
    pack = current_pack()
    deadlines = {view.name: view for view in complaint_deadlines(complaint=complaint, now=now)}
    recorded = complaint_timeline(complaint=complaint, include_internal=False)
    events = timeline_out(recorded, actor)
    files = {
        event.seq: len(event.payload.get("attachments", []))
        for event in recorded
        if event.kind == TimelineEvent.Kind.ATTACHMENT
    }
    readout = _readout_words(complaint, language)
    resolved = complaint.state == State.RESOLVED
    archive = deadlines.get(sla.ARCHIVE)
    level = pack.levels.get(complaint.level)
    return TrackingView(
        complaint=complaint,
        stage=stage_name(complaint.state),
        next_step=_next_step(complaint, deadlines, now=now, language=language),
        category=pack.label(pack.categories.get(complaint.category, {"en": complaint.category}), language),
        level=pack.label(level.labels, language) if level else complaint.level,
        timeline=[
            _entry(event, language, files=files.get(event.seq, 0), readout=readout)
            for event in reversed(events)
        ],
        self_help=[
            item
            for category in complaint_categories(complaint)
            for item in self_help_for(category=category, language=language)
        ],
        may_rate=resolved and complaint.satisfaction_score is None,
        rated=complaint.satisfaction_score,
        reply_effect="add" if complaint.state in OPEN_STATES else pack.follow_ups[complaint.state],
        reopen_until=beijing_time(archive.due_at) if resolved and archive else "",
        deadlines=[
            {
                "label": sla.LABELS[view.name][language],
                "due": beijing_time(view.due_at),
                "provisional": (view.provisional_reason or {}).get(language, ""),
            }
            for view in deadlines.values()
            if view.watched
        ],
    )


def _next_step(
    complaint: Complaint, deadlines: dict[str, DeadlineView], *, now: datetime, language: str
) -> NextStep:
    step = _next_step_words(complaint, deadlines, now=now)
    promised = next(
        (deadlines[name] for name in _PROMISED.get(complaint.state, ()) if name in deadlines), None
    )
    if step.due and promised is not None and promised.provisional_reason:
        return NextStep(step.text, step.due, step.overdue, promised.provisional_reason.get(language, ""))
    return step


def _next_step_words(complaint: Complaint, deadlines: dict[str, DeadlineView], *, now: datetime) -> NextStep:
    state = complaint.state
    promised = next((deadlines[name] for name in _PROMISED.get(state, ()) if name in deadlines), None)
    due = beijing_time(promised.due_at) if promised else ""
    overdue = promised is not None and promised.due_at < now
    if state == State.WAITING_CUSTOMER:
        return NextStep(
            _("We need an answer from you: write it in the reply box below. Our deadlines wait for it.")
        )
    if state == State.WAITING_PARTS:
        return NextStep(
            _("The parts for your repair are on their way to the outlet; we continue as soon as they arrive.")
        )
    if state == State.RESOLVED:
        return NextStep(
            _("Please rate our service. Not solved? Write to us below and the complaint reopens."), due
        )
    if state in (State.ARCHIVED, State.CLOSED):
        return NextStep(
            _("Nothing more is planned. Write to us below to open a new complaint that follows this one.")
        )
    if promised is not None and promised.name == sla.INSPECT:
        return NextStep(
            _("Take your device to the service outlet below; it will be inspected by then."), due, overdue
        )
    if promised is not None and promised.name in (sla.RESPONSE, sla.ACCEPT, sla.LEVEL_RESPONSE):
        return NextStep(_("A member of our service team will contact you."), due, overdue)
    return NextStep(_("We are working on a solution for you."), due, overdue)


def _who(actor: str) -> str:
    return {"customer": _("You"), "staff": _("Service team")}.get(actor, _("Automatic"))


# Reasons the platform records for the customer's own moves: the message next to it says it all.
_RECORDED_REASONS = frozenset({FOLLOW_UP_REASON, RESUME_REASON})


def _readout_words(complaint: Complaint, language: str) -> str:
    """The store terminal's read-out of a walk-in, in `language`; "" for other complaints."""
    from aftersales.repairs.lightning import readout_words
    from aftersales.repairs.selectors import complaint_walk_in_readout

    readout = complaint_walk_in_readout(complaint_id=complaint.pk)
    if readout is None:
        return ""
    device = complaint.device
    return readout_words(
        model_name=device.model_name if device is not None and device.model_name else readout["model"],
        os_version=readout["os_version"],
        battery_health=readout["battery_health"],
        failed=[d.get("test", "") for d in readout["diagnostics"] if d.get("passed") is False],
        language=language,
    )


def _entry(
    event: CustomerTimelineEventOut, language: str, *, files: int = 0, readout: str = ""
) -> TimelineEntry:
    from aftersales.repairs.lightning import READOUT_TEXT_PREFIXES

    kind = event.kind
    body = event.body or ""
    who = _who(event.actor)
    if kind == TimelineEvent.Kind.CREATED:
        title = _("Complaint received")
    elif kind == TimelineEvent.Kind.MESSAGE_IN and readout and body.startswith(READOUT_TEXT_PREFIXES):
        # A walk-in the customer described nothing of: the counter's terminal read the device.
        title, body = _("Your device was read out at the store counter"), readout
    elif kind == TimelineEvent.Kind.MESSAGE_IN and event.actor == "staff":
        title = _("Your request, as the service team recorded it")
    elif kind == TimelineEvent.Kind.MESSAGE_IN:
        title = _("You wrote")
    elif kind == TimelineEvent.Kind.MESSAGE_OUT:
        title = _("Reply from the service team")
    elif kind == TimelineEvent.Kind.STATUS:
        title = _("Stage: %(stage)s") % {"stage": stage_name(event.state_to or "")}
        # Only a reason the customer gave (reopening), not what the platform records for it.
        body = "" if event.reason in _RECORDED_REASONS else event.reason or ""
    elif kind == TimelineEvent.Kind.ESCALATION:
        title = _("Passed to a senior team for a faster answer")
    elif kind == TimelineEvent.Kind.INSPECTION:
        title = _("Your device was inspected")
    elif kind == TimelineEvent.Kind.ATTACHMENT:
        title = _("A file was added")
        if files:
            title = ngettext(
                "A file was added (%(count)d file)", "A file was added (%(count)d files)", files
            ) % {"count": files}
        if event.actor != "staff":
            who = _("You")  # files come from the customer's own form, mail or app
    elif kind == TimelineEvent.Kind.SATISFACTION:
        title = _("You rated the service %(score)s of 5") % {"score": event.score}
    elif kind == TimelineEvent.Kind.REPAIR and event.step == "waiting_for_parts":
        title = _("Your repair waits for parts")
        if event.expected_at:
            body = _("Expected at the outlet by %(at)s") % {"at": beijing_time(event.expected_at)}
    elif kind == TimelineEvent.Kind.REPAIR and event.step == "parts_arrived":
        title = _("The parts arrived; the repair goes on")
    elif kind == TimelineEvent.Kind.REPAIR:
        title = _("Your repair is handled under the emergency service arrangements")
    else:
        title = _("Update")
    return TimelineEntry(at=beijing_time(event.at), title=title, who=who, body=body)
