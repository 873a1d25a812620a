from datetime import datetime

from ninja import Schema

from aftersales.complaints.selectors import DeadlineView


class DeadlineOut(Schema):
    name: str
    due_at: datetime
    remaining_seconds: int
    breached: bool
    watched: bool


def deadlines_out(views: list[DeadlineView]) -> list[dict]:
    return [view.__dict__ for view in views]


class ComplaintSummaryOut(Schema):
    number: str
    state: str
    level: str
    priority: int
    category: str
    # Other faults the text names, so that human triage can pick among them from the queue.
    triage_alternatives: list[dict[str, str | float]]
    team: str
    owner: str | None
    subject: str
    channel: str
    created_at: datetime
    next_deadline_at: datetime | None
    # The earliest deadline not yet met, in the past when overdue; None while paused or finished.
    earliest_due_at: datetime | None


class TimelineEventOut(Schema):
    seq: int
    kind: str
    at: datetime
    actor: str
    payload: dict
    body: str | None = None


class ComplaintDetailOut(ComplaintSummaryOut):
    category_confidence: float
    triage_reasons: list[dict[str, str]]
    triage_model: str
    city: str
    language: str
    device_imei: str | None
    device_model: str | None
    warranty_ends_on: str | None
    satisfaction_score: int | None
    deadlines: list[DeadlineOut]
    allowed_actions: list[str]
    timeline: list[TimelineEventOut]


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


class CategoryIn(Schema):
    category: str
    reason: str = ""


class InspectionIn(Schema):
    findings: str
