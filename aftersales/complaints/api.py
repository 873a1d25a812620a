from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import PersonalDataAccess, User
from aftersales.accounts.privacy.services import access_record
from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.errors import Forbidden, ValidationFailed, problem
from aftersales.common.language import request_language
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.schemas import (
    CategoryIn,
    ComplaintDetailOut,
    ComplaintSearchHitOut,
    ComplaintSummaryOut,
    CustomerComplaintOut,
    CustomerComplaintSummaryOut,
    CustomerTimelineEventOut,
    InspectionIn,
    MessageIn,
    MessageReceiptOut,
    OwnershipIn,
    SatisfactionIn,
    TimelineEventOut,
    TransitionIn,
    deadlines_out,
)
from aftersales.complaints.search import SearchFilters, complaint_search
from aftersales.complaints.selectors import (
    TimelineRow,
    complaint_deadlines,
    complaint_get_for_actor,
    complaint_queue,
    complaint_timeline_rows,
    kind_customer_may_see,
    timeline_row_of_message,
)
from aftersales.complaints.services import tracking_url
from aftersales.complaints.status import allowed_actions
from aftersales.network.models import Dispatch
from aftersales.network.schemas import DispatchedOutletOut, DispatchIn, DispatchOut
from aftersales.network.selectors import complaint_service_outlet
from aftersales.repairs.selectors import complaint_walk_in_readout

router = Router(tags=["complaints"])
# Staff get the full detail; customers (session or tracking token) the customer-facing one.
DETAIL = ComplaintDetailOut | CustomerComplaintOut


# Deep offsets cost the database a scan each; past this, narrow the filters instead.
MAX_OFFSET = 100_000


class QueueFilter(Schema):
    team: str | None = Field(None, max_length=64)
    state: str | None = Field(None, max_length=20)
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _access(request: HttpRequest, number: str, *, shown_only: bool = False) -> tuple[Complaint, Actor]:
    token = request.headers.get("X-Tracking-Token") or request.GET.get("token", "")
    return complaint_get_for_actor(
        actor=actor_from_request(request), number=number, tracking_token=token, shown_only=shown_only
    )


def summary(complaint: Complaint, actor: Actor) -> CustomerComplaintSummaryOut:
    """The queue row: staff get ComplaintSummaryOut, customers only CustomerComplaintSummaryOut."""
    if not actor.is_staff:
        return CustomerComplaintSummaryOut(**_summary_shown(complaint, actor))
    return ComplaintSummaryOut(**_summary_shown(complaint, actor))


def _summary_shown(complaint: Complaint, actor: Actor) -> dict[str, Any]:
    """The queue row's fields for this audience, as plain values (the schema validates them)."""
    shown: dict[str, Any] = {
        "number": complaint.number,
        "state": complaint.state,
        "level": complaint.level,
        "category": complaint.category,
        "subject": complaint.subject,
        "channel": complaint.channel,
        "created_at": complaint.created_at,
        "next_deadline_at": complaint.next_deadline_at,
        "earliest_due_at": complaint.earliest_due_at,
    }
    if actor.is_staff:
        shown["priority"] = complaint.priority
        shown["triage_alternatives"] = complaint.triage_alternatives
        shown["team"] = complaint.team
        shown["owner"] = complaint.owner.username if complaint.owner else None
    return shown


def timeline_out(
    events: list[TimelineEvent] | list[TimelineRow], actor: Actor
) -> list[CustomerTimelineEventOut]:
    """Events with their message texts, for this audience: model instances (their messages loaded
    with them, as complaint_timeline does) or rows of complaint_timeline_rows."""
    rows = [event if isinstance(event, dict) else _event_row(event) for event in events]
    if actor.is_staff:
        return [TimelineEventOut(**shown) for shown in _timeline_shown(rows, actor)]
    return [CustomerTimelineEventOut(**shown) for shown in _timeline_shown(rows, actor)]


def _event_row(event: TimelineEvent) -> TimelineRow:
    message = event.message
    return {
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor,
        "payload": event.payload,
        "message__body": message.body if message is not None else None,
        "message__erased_at": message.erased_at if message is not None else None,
        "message__direction": message.direction if message is not None else None,
    }


def _timeline_shown(events: list[TimelineRow], actor: Actor) -> list[dict]:
    """The events `actor` may see, each as the plain fields of its audience's schema.

    Staff: every event, with its acting id and payload (TimelineEventOut). A customer: only
    `kind_customer_may_see`, actors by kind, no staff reasons or notes (CustomerTimelineEventOut).
    """
    if actor.is_staff:
        return [{**_event_shown(event), "payload": event["payload"]} for event in events]
    own = f"customer:{actor.customer_id}"
    return [
        _event_shown(event, own=own)
        for event in events
        if kind_customer_may_see(event["kind"], event["payload"])
    ]


def _event_shown(event: TimelineRow, *, own: str | None = None) -> dict:
    payload = event["payload"]
    kind = event["kind"]
    is_status = kind == TimelineEvent.Kind.STATUS
    shown = {
        "seq": event["seq"],
        "kind": kind,
        "at": event["at"],
        "actor": event["actor"] if own is None else event["actor"].split(":")[0],
        # A message's text unless erased; None for an event without a message.
        "body": event["message__body"] if event["message__erased_at"] is None else None,
        "state_from": payload.get("from") if is_status else None,
        "state_to": payload.get("to") if is_status else None,
        "level_to": payload.get("to_level") if kind == TimelineEvent.Kind.ESCALATION else None,
        "reason": payload.get("reason") if is_status else None,
        "step": payload.get("step") if kind == TimelineEvent.Kind.REPAIR else None,
        "expected_at": payload.get("expected_arrival")
        if payload.get("step") == "waiting_for_parts"
        else None,
        "score": payload.get("score") if kind == TimelineEvent.Kind.SATISFACTION else None,
    }
    if own is not None and event["actor"] != own:
        shown["reason"] = None  # only the reasons the customer gave
    if own is not None and event["message__direction"] == Message.Direction.NOTE:
        shown["body"] = None  # internal words (inspection findings) stay with staff
    return shown


def detail(complaint: Complaint, actor: Actor) -> CustomerComplaintOut:
    """The complaint as `actor` may see it: ComplaintDetailOut for staff, CustomerComplaintOut else.

    Built as plain values and validated once by the audience's schema: the schema is what
    decides which fields leave (a customer's lists only what a customer may see).
    """
    device = complaint.device
    if device is not None and not actor.is_staff and device.customer_id != complaint.customer_id:
        device = None  # another customer's device: its model and warranty are theirs
    shown = {
        **_summary_shown(complaint, actor),
        "device_imei": device.imei if device else None,
        "device_model": device.model_name if device else None,
        "warranty_ends_on": device.warranty_ends_on.isoformat()
        if device and device.warranty_ends_on
        else None,
        "satisfaction_score": complaint.satisfaction_score,
        "follows": complaint.follows.number if complaint.follows else None,
        "outlet": complaint_service_outlet(complaint_id=complaint.pk),
        "deadlines": deadlines_out(complaint_deadlines(complaint=complaint, now=clock.now())),
        "allowed_actions": allowed_actions(complaint.state, actor.role),
        "timeline": _timeline_shown(
            complaint_timeline_rows(complaint_id=complaint.pk, include_internal=actor.is_staff), actor
        ),
    }
    if not actor.is_staff:
        return CustomerComplaintOut.model_validate(shown)
    readout = complaint_walk_in_readout(complaint_id=complaint.pk)
    return ComplaintDetailOut.model_validate(
        {
            **shown,
            "category_confidence": complaint.category_confidence,
            "triage_reasons": complaint.triage_reasons,
            "triage_model": complaint.triage_model,
            "city": complaint.city,
            "language": complaint.language,
            "walk_in": readout,
        }
    )


def rendered(request: HttpRequest, out: Schema | list[CustomerTimelineEventOut]) -> HttpResponse:
    """`out` (one answer, or a list of them) as the API renders a 200 answer, without Ninja
    validating it again.

    Ninja re-validates whatever an endpoint returns against a declared union such as DETAIL:
    every field of the answer and of each of its timeline events read once more through its
    attribute getter. `out` is already made of instances of the audience's schema, validated
    once where they were built, so their dump, rendered by the API's own renderer, is the same
    answer.
    """
    from config.api import api  # the one NinjaAPI mounts this router: imported when answering

    dumped = [item.model_dump() for item in out] if isinstance(out, list) else out.model_dump()
    return api.create_response(request, dumped, status=200)


@router.get("", response=list[ComplaintSummaryOut | CustomerComplaintSummaryOut])
def list_complaints(request: HttpRequest, filters: Query[QueueFilter]):  # type: ignore[no-untyped-def]
    """Staff: open complaints of a team, most overdue first (selectors.complaint_queue). Customers: their own."""
    queue = complaint_queue(
        actor=actor_from_request(request),
        team=filters.team,
        state=filters.state,
        limit=filters.limit,
        offset=filters.offset,
    )
    actor = actor_from_request(request)
    return [summary(complaint, actor) for complaint in queue]


class SearchQuery(Schema):
    # Length and characters are checked by complaint_search, which names `q` in its 422.
    q: str = ""
    state: str | None = Field(None, max_length=20)
    team: str | None = Field(None, max_length=64)
    category: str | None = Field(None, max_length=32)
    channel: str | None = Field(None, max_length=16)
    outlet: str | None = Field(None, max_length=50)
    created_from: date | None = None
    created_to: date | None = None
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)


@router.get("/search", response=list[ComplaintSearchHitOut])
def search_complaints(request: HttpRequest, filters: Query[SearchQuery]):  # type: ignore[no-untyped-def]
    """Staff: complaints by number, phone, IMEI, customer name or words, best first (complaints/search.py)."""
    actor = actor_from_request(request)
    hits = complaint_search(
        actor=actor,
        query=filters.q,
        filters=SearchFilters(
            state=filters.state,
            team=filters.team,
            category=filters.category,
            channel=filters.channel,
            outlet=filters.outlet,
            created_from=filters.created_from,
            created_to=filters.created_to,
        ),
        limit=filters.limit,
        offset=filters.offset,
    )
    # A search by phone, name or words is a customer lookup: each customer shown is logged.
    access_record(
        actor=actor,
        customer_ids=[hit.complaint.customer_id for hit in hits],
        purpose=PersonalDataAccess.Purpose.SEARCH,
        subject="search",
        reason=_reading_reason(request),
    )
    return [
        ComplaintSearchHitOut(**summary(hit.complaint, actor).dict(), matched=hit.matched) for hit in hits
    ]


def _reading_reason(request: HttpRequest) -> str:
    """Why staff read personal data, when they say (X-Access-Reason header or ?why=): the access log keeps it."""
    return request.headers.get("X-Access-Reason") or request.GET.get("why", "")


@router.get("/{number}", response=DETAIL)
def get_complaint(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    """The complaint; a staff read is written to the access log (docs/privacy.md)."""
    complaint, actor = _access(request, number, shown_only=True)
    access_record(
        actor=actor,
        customer_ids=[complaint.customer_id],
        purpose=PersonalDataAccess.Purpose.COMPLAINT_DETAIL,
        subject=f"complaint:{complaint.number}",
        reason=_reading_reason(request),
    )
    return rendered(request, detail(complaint, actor))


@router.get("/{number}/timeline", response=list[TimelineEventOut | CustomerTimelineEventOut])
def get_timeline(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number, shown_only=True)
    access_record(
        actor=actor,
        customer_ids=[complaint.customer_id],
        purpose=PersonalDataAccess.Purpose.COMPLAINT_TIMELINE,
        subject=f"complaint:{complaint.number}",
        reason=_reading_reason(request),
    )
    return rendered(
        request,
        timeline_out(
            complaint_timeline_rows(complaint_id=complaint.pk, include_internal=actor.is_staff), actor
        ),
    )


@router.post("/{number}/transitions", response=DETAIL)
def transition(request: HttpRequest, number: str, payload: TransitionIn):  # type: ignore[no-untyped-def]
    """Move the complaint along the workflow; an illegal move answers 409 with the allowed ones."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_transition(
        actor=actor, complaint=complaint, action=payload.action, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/messages", response={201: TimelineEventOut | MessageReceiptOut})
def add_message(request: HttpRequest, number: str, payload: MessageIn):  # type: ignore[no-untyped-def]
    """A customer writes, or a staff member replies to the customer.

    A customer's message on a resolved complaint reopens it; on an archived or closed one
    it opens a new complaint that follows it (policy pack `follow_ups`): the answer says
    which, with the tracking link of the new complaint.
    """
    complaint, actor = _access(request, number)
    if actor.is_staff:
        message = services.complaint_reply(actor=actor, complaint=complaint, body=payload.body)
        return Status(201, _event_for_message(message, actor))
    follow_up = services.complaint_follow_up(
        actor=actor, complaint=complaint, body=payload.body, channel=complaint.channel
    )
    target = follow_up.message.complaint
    new = follow_up.outcome == services.FollowUpOutcome.NEW_COMPLAINT
    return Status(
        201,
        MessageReceiptOut(
            complaint=target.number,
            outcome=follow_up.outcome,
            tracking_url=tracking_url(target) if new else None,
            event=_event_for_message(follow_up.message, actor),
        ),
    )


@router.post("/{number}/notes", response={201: TimelineEventOut})
def add_note(request: HttpRequest, number: str, payload: MessageIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    if not actor.is_staff:
        raise Forbidden(what="complaint.note")
    message = services.complaint_add_note(actor=actor, complaint=complaint, body=payload.body)
    return Status(201, _event_for_message(message, actor))


@router.post("/{number}/ownership", response=DETAIL)
def transfer_ownership(request: HttpRequest, number: str, payload: OwnershipIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    new_owner = User.objects.filter(username=payload.username, is_active=True).first()
    if new_owner is None:
        raise ValidationFailed({"username": problem("staff_unknown", username=payload.username)})
    complaint = services.complaint_transfer_ownership(
        actor=actor, complaint=complaint, new_owner=new_owner, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/inspection", response=DETAIL)
def record_inspection(request: HttpRequest, number: str, payload: InspectionIn):  # type: ignore[no-untyped-def]
    """Record the device inspection (due within 48 h of the dispatch to an outlet by the demo policy)."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_record_inspection(
        actor=actor, complaint=complaint, findings=payload.findings
    )
    return detail(complaint, actor)


@router.post("/{number}/category", response=DETAIL)
def correct_category(request: HttpRequest, number: str, payload: CategoryIn):  # type: ignore[no-untyped-def]
    """Set the right fault category; kept as training data for the pre-diagnosis."""
    complaint, actor = _access(request, number)
    complaint = services.complaint_correct_category(
        actor=actor, complaint=complaint, category=payload.category, reason=payload.reason
    )
    return detail(complaint, actor)


@router.post("/{number}/satisfaction", response=DETAIL)
def rate(request: HttpRequest, number: str, payload: SatisfactionIn):  # type: ignore[no-untyped-def]
    complaint, actor = _access(request, number)
    complaint = services.complaint_record_satisfaction(
        actor=actor, complaint=complaint, score=payload.score, comment=payload.comment
    )
    return detail(complaint, actor)


@router.post("/{number}/dispatch", response=DispatchOut)
def dispatch(request: HttpRequest, number: str, payload: DispatchIn):  # type: ignore[no-untyped-def]
    """Central staff send the complaint to an outlet: the one named by `outlet`, or the best near
    `lat`/`lon` (distance, queue, capacity, speciality). Re-dispatching needs a `reason`.

    Starts the outlet's 48 h inspection clock (demo policy). 422 names the bad field
    (`outlet`, `reason`, `lat`, `lon`); 409 when it is already there, nothing is in reach or
    the complaint is not open.
    """
    from aftersales.network.services import complaint_dispatch_as_asked

    complaint, actor = _access(request, number)
    made = complaint_dispatch_as_asked(
        complaint=complaint,
        actor=actor,
        outlet_code=payload.outlet or "",
        reason=payload.reason,
        lat=payload.lat,
        lon=payload.lon,
    )
    return dispatch_out(made, language=request_language(request))


def dispatch_out(made: Dispatch, *, language: str) -> DispatchOut:
    """A dispatch as staff see it (network.models.Dispatch), its reason in `language`."""
    event = made.complaint.events.filter(kind=TimelineEvent.Kind.DISPATCH).order_by("-seq").first()
    texts = event.payload.get("text", {}) if event is not None else {}
    return DispatchOut(
        number=made.complaint.number,
        outlet=DispatchedOutletOut(
            code=made.outlet.code, name=made.outlet.name, address=made.outlet.address, city=made.outlet.city
        ),
        team=made.outlet.team,
        at=made.at,
        automatic=made.automatic,
        basis=made.basis,
        speciality=made.speciality or None,
        distance_m=made.distance_m,
        waiting=made.waiting,
        capacity_left=made.capacity_left,
        reason=made.reason,
        reason_text=texts.get(language) or texts.get("zh-hans", ""),
        inspect_due_at=event.payload.get("inspect_due_at") if event is not None else None,
    )


def _event_for_message(message: Message, actor: Actor) -> CustomerTimelineEventOut:
    return timeline_out([timeline_row_of_message(message_id=message.pk)], actor)[0]
