"""Reads of complaints and the one access check every page and endpoint uses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, TypeVar

from django.db.models import F, Model, Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated
from aftersales.common.prepared import PreparedRead
from aftersales.complaints import sla
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.services import DEADLINE_FIELDS, tracking_token_matches
from aftersales.policy.pack import current_pack

_Row = TypeVar("_Row", bound=Model)


def staff_may_see(actor: Actor, complaint: Complaint) -> bool:
    if actor.may("complaint.view_any"):
        return True
    # Outlet staff see what their team works on.
    return actor.role in OUTLET_STAFF and actor.user is not None and complaint.team == actor.user.team


def customer_may_see(actor: Actor, complaint: Complaint) -> bool:
    """A signed-in customer sees their complaints filed under an identity they verified.

    A complaint filed under a phone or e-mail address someone merely typed stays out of
    the session's sight until its holder proves it (a sign-in code to that phone); its
    tracking link, sent to the contact it was filed with, still opens it. Complaints from
    before identities existed (no contact identity) follow the customer.
    """
    if actor.kind != "customer" or actor.customer_id != complaint.customer_id:
        return False
    identity = complaint.contact_identity
    return identity is None or identity.verified_at is not None


def complaints_visible_to_staff(actor: Actor) -> QuerySet[Complaint]:
    """Every complaint `actor` may see, as a query: the rule of `staff_may_see` for lists.

    Central staff see all; outlet staff those of their own team (dispatched to their
    outlet); anyone else none. The workspace lists customers and devices through it too.
    """
    if actor.is_staff and actor.may("complaint.view_any"):
        return Complaint.objects.all()
    if actor.is_staff and actor.role in OUTLET_STAFF and actor.user is not None and actor.user.team:
        return Complaint.objects.filter(team=actor.user.team)
    return Complaint.objects.none()


def narrow_to_staff_view(actor: Actor, queryset: QuerySet[_Row], *, through: str) -> QuerySet[_Row]:
    """`queryset` cut down to the rows `actor` may see through the complaints it may see.

    `through` names the complaint column that points at the rows: "pk" for complaints,
    "customer_id" for customers, "device_id" for devices. Central staff keep everything;
    outlet staff keep only what a complaint of their team refers to.
    """
    if actor.is_staff and actor.may("complaint.view_any"):
        return queryset
    return queryset.filter(pk__in=complaints_visible_to_staff(actor).values(through))


# The number is unique: one row or none, read without the ORDER BY that .first() adds. Every
# read of one complaint starts here: its statement is built once (common.prepared).
_COMPLAINT_BY_NUMBER = PreparedRead(
    lambda number: Complaint.objects.select_related("customer", "device", "owner", "contact_identity").filter(
        number=number
    )[:1],
    number=str,
)


# What the API's detail and timeline of a complaint show and check, and nothing more: the
# complaint's own columns but its bookkeeping, its device's four shown, its owner's name, whether
# its contact identity is verified; not the customer's row (only its id is used).
SHOWN_COLUMNS = (
    *("number", "customer_id", "device_id", "contact_identity_id", "follows_id", "owner_id"),
    *("channel", "language", "city", "subject", "category", "category_confidence", "priority"),
    *("level", "triage_reasons", "triage_model", "triage_alternatives", "state", "team"),
    *("tracking_salt", "created_at", "responded_at", "level_responded_at", "inspected_at"),
    *("breaches", "satisfaction_score", "next_deadline_at", "earliest_due_at", *DEADLINE_FIELDS),
    *("device__imei", "device__model_name", "device__warranty_ends_on", "device__customer_id"),
    *("owner__username", "contact_identity__verified_at"),
)
_COMPLAINT_SHOWN_BY_NUMBER = PreparedRead(
    lambda number: (
        Complaint.objects.select_related("device", "owner", "contact_identity")
        .only(*SHOWN_COLUMNS)
        .filter(number=number)[:1]
    ),
    number=str,
)


def complaint_get_for_actor(
    *, actor: Actor, number: str, tracking_token: str = "", shown_only: bool = False
) -> tuple[Complaint, Actor]:
    """The complaint `number` if `actor` (or the tracking token) may see it.

    With `shown_only` the complaint is read with `SHOWN_COLUMNS` only (the API's reads of its
    detail and timeline, on every request): any other column, or its customer, read later
    costs a query each.

    Returns the complaint and the actor to act as: a tracking token turns an anonymous
    caller into the complaint's customer for this complaint only. Anyone asking for a
    complaint they may not see (a customer for someone else's, outlet staff for another
    team's) gets NotFound exactly as for a number that does not exist, so numbers cannot be
    probed; an anonymous caller with no token gets Unauthenticated.
    """
    from aftersales.accounts.actors import tracking_actor

    read = _COMPLAINT_SHOWN_BY_NUMBER if shown_only else _COMPLAINT_BY_NUMBER
    complaint = next(iter(read(number=number)), None)
    if actor.is_staff:
        if complaint is None or not actor.may("complaint.view_team") or not staff_may_see(actor, complaint):
            raise NotFound(what="complaint")
        return complaint, actor
    if complaint is not None and customer_may_see(actor, complaint):
        return complaint, actor
    if complaint is not None and tracking_token and tracking_token_matches(complaint, tracking_token):
        return complaint, tracking_actor(customer_id=complaint.customer_id, complaint_id=complaint.pk)
    if actor.kind == "anonymous" and not tracking_token:
        raise Unauthenticated()
    raise NotFound(what="complaint")


# The work queues' order: most overdue first (earliest unmet deadline, breached ones
# included), then nearest deadline, then the paused ones (no deadline running), oldest first.
QUEUE_ORDER = (F("earliest_due_at").asc(nulls_last=True), "pk")


def complaint_queue(
    *,
    actor: Actor,
    team: str | None = None,
    state: str | None = None,
    limit: int = 25,
    offset: int = 0,
    narrow: dict[str, object] | None = None,
) -> QuerySet[Complaint]:
    """Staff: a team's open complaints, most urgent first. Customers: their own, newest first.

    Every open complaint is in its team's queue (`QUEUE_ORDER`): overdue ones first, the
    most overdue at the top, then by nearest deadline, then those waiting on the customer.
    The first-response team's queue (policy pack `first_response.team`) also lists every
    other team's complaint still awaiting its first human response. `state` narrows any
    queue, as `narrow` does (exact values of columns: {"category": "screen", "priority": 1}). One query on the partial indexes `complaint_team_queue_idx` / `complaint_open_queue_idx`.
    """
    if actor.kind == "customer" and actor.customer_id is not None:
        # The same rule as customer_may_see, as a query.
        own = Complaint.objects.filter(customer_id=actor.customer_id).filter(
            Q(contact_identity__isnull=True) | Q(contact_identity__verified_at__isnull=False)
        )
        own = own.filter(state=state) if state else own
        return own.select_related("owner").order_by("-created_at", "-pk")[offset : offset + limit]
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.view_team"):
        raise Forbidden(what="complaint queue")
    queryset = complaints_visible_to_staff(actor).filter(is_open=True)
    if not actor.may("complaint.view_any"):
        team = actor.user.team if actor.user else "-"
    if team and team == current_pack().first_response.team:
        awaiting_first_response = Q(responded_at__isnull=True, earliest_due_at__isnull=False)
        queryset = queryset.filter(Q(team=team) | awaiting_first_response)
    elif team:
        queryset = queryset.filter(team=team)
    if state:
        queryset = queryset.filter(state=state)
    if narrow:
        queryset = queryset.filter(**narrow)
    return queryset.select_related("owner").order_by(*QUEUE_ORDER)[offset : offset + limit]


# What a customer sees of each kind of event; the kinds left out (notes, assignments,
# pre-diagnosis, SLA breaches) are staff's business.
CUSTOMER_EVENT_KINDS = frozenset(
    {
        TimelineEvent.Kind.CREATED,
        TimelineEvent.Kind.MESSAGE_IN,
        TimelineEvent.Kind.MESSAGE_OUT,
        TimelineEvent.Kind.STATUS,
        TimelineEvent.Kind.ESCALATION,
        TimelineEvent.Kind.INSPECTION,
        TimelineEvent.Kind.ATTACHMENT,
        TimelineEvent.Kind.SATISFACTION,
    }
)
# The repair steps a customer is told of: what their repair waits for and where it is served from.
CUSTOMER_REPAIR_STEPS = frozenset({"waiting_for_parts", "parts_arrived", "emergency_mode"})


def event_customer_may_see(event: TimelineEvent) -> bool:
    """Whether the complaint's customer is shown this timeline event (tracking page, API, service record)."""
    return kind_customer_may_see(event.kind, event.payload)


def kind_customer_may_see(kind: str, payload: dict[str, Any]) -> bool:
    """`event_customer_may_see` for an event given by its kind and payload (a timeline row)."""
    if kind == TimelineEvent.Kind.REPAIR:
        return payload.get("step") in CUSTOMER_REPAIR_STEPS
    return kind in CUSTOMER_EVENT_KINDS


# The timeline in order with each event's message; staff see it all, a customer without the notes.
# Statements built once (common.prepared): every detail and timeline read asks.
_TIMELINE = PreparedRead(
    lambda complaint_id: (
        TimelineEvent.objects.filter(complaint_id=complaint_id).select_related("message").order_by("seq")
    ),
    complaint_id=int,
)
_TIMELINE_WITHOUT_NOTES = PreparedRead(
    lambda complaint_id: (
        TimelineEvent.objects.filter(complaint_id=complaint_id)
        .exclude(kind=TimelineEvent.Kind.NOTE)
        .select_related("message")
        .order_by("seq")
    ),
    complaint_id=int,
)


def complaint_timeline(*, complaint: Complaint, include_internal: bool) -> list[TimelineEvent]:
    """The complaint's events by `seq`, each with its message loaded; without notes unless `include_internal`."""
    read = _TIMELINE if include_internal else _TIMELINE_WITHOUT_NOTES
    return read(complaint_id=complaint.pk)


class TimelineRow(TypedDict):
    """One event as `complaint_timeline_rows` reads it: its columns and its message's (None without one)."""

    seq: int
    kind: str
    at: datetime
    actor: str
    payload: dict[str, Any]
    message__body: str | None
    message__erased_at: datetime | None
    message__direction: str | None


TIMELINE_ROW_COLUMNS = tuple(TimelineRow.__annotations__)
_TIMELINE_ROWS = PreparedRead(
    lambda complaint_id: (
        TimelineEvent.objects.filter(complaint_id=complaint_id).order_by("seq").values(*TIMELINE_ROW_COLUMNS)
    ),
    complaint_id=int,
)
_TIMELINE_ROWS_WITHOUT_NOTES = PreparedRead(
    lambda complaint_id: (
        TimelineEvent.objects.filter(complaint_id=complaint_id)
        .exclude(kind=TimelineEvent.Kind.NOTE)
        .order_by("seq")
        .values(*TIMELINE_ROW_COLUMNS)
    ),
    complaint_id=int,
)
_EVENT_ROW_OF_MESSAGE = PreparedRead(
    lambda message_id: TimelineEvent.objects.filter(message_id=message_id).values(*TIMELINE_ROW_COLUMNS)[:1],
    message_id=int,
)


def complaint_timeline_rows(*, complaint_id: int, include_internal: bool) -> list[TimelineRow]:
    """`complaint_timeline` as plain rows (TimelineRow), for answers built from values: one query,
    no model instances (the API's detail and timeline, 20 events and more on each read)."""
    read = _TIMELINE_ROWS if include_internal else _TIMELINE_ROWS_WITHOUT_NOTES
    return read(complaint_id=complaint_id)


def timeline_row_of_message(*, message_id: int) -> TimelineRow:
    """The timeline event that records message `message_id`, as a TimelineRow; DoesNotExist if none."""
    for row in _EVENT_ROW_OF_MESSAGE(message_id=message_id):
        return row  # type: ignore[no-any-return]
    raise TimelineEvent.DoesNotExist(f"no timeline event for message {message_id}")


@dataclass(frozen=True)
class DeadlineView:
    name: str
    due_at: datetime
    remaining_seconds: int
    breached: bool
    watched: bool
    # Counted over days past the holiday data, so the official arrangement may move it (sla.provisional_reason).
    provisional: bool = False
    provisional_reason: dict[str, str] | None = None


def complaint_deadlines(*, complaint: Complaint, now: datetime) -> list[DeadlineView]:
    """Every deadline set on the complaint, with the time left (negative when passed) and whether it is provisional."""
    pack = current_pack()
    watched = set(sla.watched_deadlines(sla.deadline_facts(complaint)))
    views = []
    for name in DEADLINE_FIELDS:
        due_at = getattr(complaint, name)
        if due_at is None:
            continue
        reason = sla.provisional_reason(name, due_at, complaint.level, pack)
        views.append(
            DeadlineView(
                name=name,
                due_at=due_at,
                remaining_seconds=int((due_at - now).total_seconds()),
                breached=name in complaint.breaches,
                watched=name in watched,
                provisional=reason is not None,
                provisional_reason=reason,
            )
        )
    return views


def complaint_categories(complaint: Complaint) -> list[str]:
    """Its category, then the other faults its text also names (the customer gets self-help for each)."""
    return [complaint.category] + [
        a["category"] for a in complaint.triage_alternatives if a["category"] != complaint.category
    ]
