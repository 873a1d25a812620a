from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.errors import Forbidden, ValidationFailed, problem
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.schemas import (
    CategoryIn,
    ComplaintDetailOut,
    ComplaintSummaryOut,
    InspectionIn,
    MessageIn,
    OwnershipIn,
    SatisfactionIn,
    TimelineEventOut,
    TransitionIn,
    deadlines_out,
)
from aftersales.complaints.selectors import (
    complaint_deadlines,
    complaint_get_for_actor,
    complaint_queue,
    complaint_timeline,
)
from aftersales.complaints.status import allowed_actions

router = Router(tags=["complaints"])


class QueueFilter(Schema):
    team: str | None = None
    state: str | None = None
    limit: int = 25
    offset: int = 0


def _access(request: HttpRequest, number: str) -> tuple[Complaint, Actor]:
    token = request.headers.get("X-Tracking-Token") or request.GET.get("token", "")
    return complaint_get_for_actor(actor=actor_from_request(request), number=number, tracking_token=token)


def summary(complaint: Complaint) -> dict:
    return {
        "number": complaint.number,
        "state": complaint.state,
        "level": complaint.level,
        "priority": complaint.priority,
        "category": complaint.category,
        "triage_alternatives": complaint.triage_alternatives,
        "team": complaint.team,
        "owner": complaint.owner.username if complaint.owner else None,
        "subject": complaint.subject,
        "channel": complaint.channel,
        "created_at": complaint.created_at,
        "next_deadline_at": complaint.next_deadline_at,
        "earliest_due_at": complaint.earliest_due_at,
    }


def timeline_out(events: list[TimelineEvent]) -> list[dict]:
    """Events with their message texts (loaded with them by complaint_timeline)."""
    return [
        {
            "seq": event.seq,
            "kind": event.kind,
            "at": event.at,
            "actor": event.actor,
            "payload": event.payload,
            "body": event.message.body if event.message and event.message.erased_at is None else None,
        }
        for event in events
    ]


def detail(complaint: Complaint, actor: Actor) -> dict:
    device = complaint.device
    return {
        **summary(complaint),
        "category_confidence": complaint.category_confidence,
        "triage_reasons": complaint.triage_reasons,
        "triage_model": complaint.triage_model,
        "city": complaint.city,
        "language": complaint.language,
        "device_imei": device.imei if device else None,
        "device_model": device.model_name if device else None,
        "warranty_ends_on": device.warranty_ends_on.isoformat()
        if device and device.warranty_ends_on
        else None,
        "satisfaction_score": complaint.satisfaction_score,
        "deadlines": deadlines_out(complaint_deadlines(complaint=complaint, now=clock.now())),
        "allowed_actions": allowed_actions(complaint.state, actor.role),
        "timeline": timeline_out(complaint_timeline(complaint=complaint, include_internal=actor.is_staff)),
    }


@router.get("", response=list[ComplaintSummaryOut])
def list_complaints(request: HttpRequest, filters: Query[QueueFilter]):  # type: ignore[no-untyped-def]
    """Staff: open complaints of a team, most overdue first (selectors.complaint_queue). Customers: their own."""
    limit = max(1, min(filters.limit, 100))
    queue = complaint_queue(
        actor=actor_from_request(request),
        team=filters.team,
        state=filters.state,
        limit=limit,
        offset=max(0, filters.offset),
    )
    return [summary(complaint) for complaint in queue]


@router.get("/{number}", response=ComplaintDetailOut)
def get_complaint(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    return detail(complaint, actor)


@router.get("/{number}/timeline", response=list[TimelineEventOut])
def get_timeline(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    return timeline_out(complaint_timeline(complaint=complaint, include_internal=actor.is_staff))


@router.post("/{number}/transitions", response=ComplaintDetailOut)
def transition(request: HttpRequest, number: str, payload: TransitionIn):  # type: ignore[no-untyped-def]
    """Move the complaint along the workflow; an illegal move answers 409 with the allowed ones."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_transition(
        actor=actor, complaint=complaint, action=payload.action, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/messages", response={201: TimelineEventOut})
def add_message(request: HttpRequest, number: str, payload: MessageIn):  # type: ignore[no-untyped-def]
    """A customer writes, or a staff member replies to the customer."""
    complaint, actor = _access(request, number)
    if actor.is_staff:
        message = services.complaint_reply(actor=actor, complaint=complaint, body=payload.body)
    else:
        message = services.complaint_add_customer_message(
            actor=actor, complaint=complaint, body=payload.body, channel=complaint.channel
        )
    return Status(201, _event_for_message(message))


@router.post("/{number}/notes", response={201: TimelineEventOut})
def add_note(request: HttpRequest, number: str, payload: MessageIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    if not actor.is_staff:
        raise Forbidden(what="complaint.note")
    message = services.complaint_add_note(actor=actor, complaint=complaint, body=payload.body)
    return Status(201, _event_for_message(message))


@router.post("/{number}/ownership", response=ComplaintDetailOut)
def transfer_ownership(request: HttpRequest, number: str, payload: OwnershipIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    new_owner = User.objects.filter(username=payload.username, is_active=True).first()
    if new_owner is None:
        raise ValidationFailed({"username": problem("staff_unknown", username=payload.username)})
    complaint = services.complaint_transfer_ownership(
        actor=actor, complaint=complaint, new_owner=new_owner, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/inspection", response=ComplaintDetailOut)
def record_inspection(request: HttpRequest, number: str, payload: InspectionIn):  # type: ignore[no-untyped-def]
    """Record the device inspection (due within 48 h of the complaint by the demo policy)."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_record_inspection(
        actor=actor, complaint=complaint, findings=payload.findings
    )
    return detail(complaint, actor)


@router.post("/{number}/category", response=ComplaintDetailOut)
def correct_category(request: HttpRequest, number: str, payload: CategoryIn):  # type: ignore[no-untyped-def]
    """Set the right fault category; kept as training data for the pre-diagnosis."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_correct_category(
        actor=actor, complaint=complaint, category=payload.category, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/satisfaction", response=ComplaintDetailOut)
def rate(request: HttpRequest, number: str, payload: SatisfactionIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    complaint = services.complaint_record_satisfaction(actor=actor, complaint=complaint, score=payload.score)
    return detail(complaint, actor)


def _event_for_message(message: Message) -> dict:
    event = TimelineEvent.objects.select_related("message").get(message=message)
    return timeline_out([event])[0]
