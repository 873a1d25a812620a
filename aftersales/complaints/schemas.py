"""What leaves the complaint endpoints, per audience.

The customer schemas list exactly what a customer may see of their own complaint; the
staff schemas extend them with what only staff may see (team, owner, priority, the
pre-diagnosis and its reasons, actors' ids, what staff typed). A test compares the two.
"""

from datetime import UTC, datetime

from ninja import Schema

from aftersales.common.schemas import DictSchema
from aftersales.complaints.selectors import DeadlineView
from aftersales.repairs.schemas import WalkInReadoutOut


class DeadlineOut(DictSchema):
    # Given as dicts (deadlines_out).
    name: str
    due_at: datetime
    remaining_seconds: int
    breached: bool
    watched: bool
    provisional: bool
    provisional_reason: dict[str, str] | None


def deadlines_out(views: list[DeadlineView]) -> list[dict]:
    """Deadlines as the API gives them: every instant in UTC, whichever calendar computed it."""
    return [{**view.__dict__, "due_at": view.due_at.astimezone(UTC)} for view in views]


class CustomerTimelineEventOut(Schema):
    """One step of the complaint as its customer sees it."""

    seq: int
    kind: str
    at: datetime
    # Who acted, by kind only: "customer", "staff" or "system".
    actor: str
    body: str | None = None
    # Status changes: from and to which stage; escalations: to which response level.
    state_from: str | None = None
    state_to: str | None = None
    level_to: str | None = None
    # A reason the customer gave themselves (reopening); never what staff typed.
    reason: str | None = None
    # Repair steps the customer is told of (waiting for parts, parts arrived, emergency service).
    step: str | None = None
    # Waiting for parts: when they are expected at the outlet.
    expected_at: datetime | None = None
    # The customer's satisfaction rating, 1-5 (its comment is the body).
    score: int | None = None


class TimelineEventOut(CustomerTimelineEventOut):
    """Staff: the event with its acting id ("staff:12", "customer:7", "system") and payload."""

    payload: dict


class CustomerComplaintSummaryOut(Schema):
    number: str
    state: str
    level: str
    category: str
    subject: str
    channel: str
    created_at: datetime
    next_deadline_at: datetime | None
    # The earliest deadline not yet met, in the past when overdue; None while paused or finished.
    earliest_due_at: datetime | None


class ComplaintSummaryOut(CustomerComplaintSummaryOut):
    priority: int
    # Other faults the text names, so that human triage can pick among them from the queue.
    triage_alternatives: list[dict[str, str | float]]
    team: str
    owner: str | None


class ServiceOutletOut(Schema):
    """The outlet the complaint is dispatched to, where the customer takes the device (public data)."""

    code: str
    name: str
    address: str
    city: str
    district: str
    phones: list[str]
    hours: str  # canonical opening hours, e.g. "Mo-Fr 09:00-18:00; Sa-Su off" (network/hours.py)


class CustomerComplaintOut(CustomerComplaintSummaryOut):
    device_imei: str | None
    device_model: str | None
    warranty_ends_on: str | None
    satisfaction_score: int | None
    # The archived or closed complaint this one follows up, when the customer wrote again on it.
    follows: str | None
    # Where to take the device once the complaint is dispatched to an outlet; None before.
    outlet: ServiceOutletOut | None
    deadlines: list[DeadlineOut]
    allowed_actions: list[str]
    timeline: list[CustomerTimelineEventOut]


class ComplaintDetailOut(CustomerComplaintOut, ComplaintSummaryOut):
    category_confidence: float
    triage_reasons: list[dict[str, str]]
    triage_model: str
    city: str
    language: str
    timeline: list[TimelineEventOut]  # type: ignore[assignment]
    # A walk-in: the store terminal's read-out and the counter's route (repairs.lightning).
    walk_in: WalkInReadoutOut | None = None


class MessageReceiptOut(Schema):
    """What a customer's message did: the event, and the complaint it now belongs to.

    A message on a resolved complaint reopens it; on an archived or closed one it opens a
    new complaint that follows the old one (policy pack `follow_ups`); on one not open while
    the customer has another open complaint about the same device, it joins that one.
    """

    complaint: str
    outcome: str  # added | reopened | new_complaint | joined
    tracking_url: str | None = None
    event: CustomerTimelineEventOut


class TransitionIn(Schema):
    action: str
    reason: str = ""


class MessageIn(Schema):
    body: str


class OwnershipIn(Schema):
    username: str
    reason: str


class SatisfactionIn(Schema):
    score: int
    comment: str = ""


class CategoryIn(Schema):
    category: str
    reason: str = ""


class InspectionIn(Schema):
    findings: str


class ComplaintSearchHitOut(ComplaintSummaryOut):
    """A search result: the queue row and what matched (number, imei, phone, text)."""

    matched: list[str]
