"""Reads for the agent workspace: the queues and the complaint page, built on the complaints selectors.

Every read starts from `complaints.selectors` (`complaint_queue`, `complaints_visible_to_staff`,
`complaint_get_for_actor`), so outlet staff see only their team's complaints here exactly as
in the API. Nothing in this module queries `Complaint` without one of them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.accounts.roles import CENTRAL_STAFF, Role
from aftersales.common.errors import Forbidden, Unauthenticated
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.selectors import (
    QUEUE_ORDER,
    DeadlineView,
    complaint_deadlines,
    complaint_get_for_actor,
    complaint_queue,
    complaint_timeline,
    complaints_visible_to_staff,
)
from aftersales.complaints.status import State
from aftersales.desk import filters
from aftersales.desk.models import ComplaintPresence, SavedFilter
from aftersales.policy.pack import current_pack

# A complaint whose earliest unmet deadline falls within this window is "breaching soon".
BREACHING_WINDOW = timedelta(minutes=30)
QUEUE_PAGE_SIZE = 50
OTHER_COMPLAINTS_SHOWN = 10

# The workspace's queues, in the order of the tabs.
QUEUES = filters.QUEUES


def desk_queue(
    *,
    actor: Actor,
    queue: str,
    now: datetime,
    narrow: dict[str, str] | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    offset: int = 0,
) -> list[Complaint]:
    """One queue's open complaints for `actor`, most urgent first (`complaints.selectors.QUEUE_ORDER`).

    queue: "mine" (owned by the actor), "team" (the actor's team queue, as
    `complaint_queue` gives it), "breaching" (earliest unmet deadline within
    `BREACHING_WINDOW` from `now`), "overdue" (a deadline already passed), "triage" (in
    the policy pack's human-triage team), "waiting" (waiting on the customer, clocks paused).
    `narrow` keeps only complaints of one category, state, priority and/or channel
    (desk.filters.QueueFilter.narrow, values already checked).
    One query; the owner comes with each row. Raises Unauthenticated / Forbidden as
    `complaint_queue` does, ValueError for an unknown queue name (the view checks first).
    """
    if queue == "team":
        team = actor.user.team if actor.user is not None else None
        rows = complaint_queue(
            actor=actor, team=team or "-", limit=limit, offset=offset, narrow=_narrowing(narrow or {})
        )
        return list(rows)
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.view_team"):
        raise Forbidden(what="complaint queue")
    open_complaints = complaints_visible_to_staff(actor).filter(is_open=True)
    filters: dict[str, Q] = {
        "mine": Q(owner_id=actor.user.pk if actor.user is not None else 0),
        "breaching": Q(earliest_due_at__gt=now, earliest_due_at__lte=now + BREACHING_WINDOW),
        "overdue": Q(earliest_due_at__lte=now),
        "triage": Q(team=current_pack().triage_team),
        "waiting": Q(state=State.WAITING_CUSTOMER),
    }
    if queue not in filters:
        raise ValueError(f"unknown queue {queue!r}; known: {', '.join(QUEUES)}")
    rows = (
        open_complaints.filter(filters[queue], **_narrowing(narrow or {}))
        .select_related("owner")
        .order_by(*QUEUE_ORDER)
    )
    return list(rows[offset : offset + limit])


def _narrowing(narrow: dict[str, str]) -> dict[str, object]:
    return {key: int(value) if key == "priority" else value for key, value in narrow.items()}


@dataclass(frozen=True)
class ComplaintFile:
    """Everything the complaint page shows, read in a fixed number of queries."""

    complaint: Complaint
    deadlines: list[DeadlineView]
    timeline: list[TimelineEvent]
    # Staff named on the timeline (actors and owners) by id: one query for all of them.
    staff_names: dict[int, str]
    other_complaints: list[Complaint]
    # Duplicate links: the number this one repeats (or ""), and the numbers repeating it.
    duplicate_of: str
    duplicates: list[str]


def complaint_file(*, actor: Actor, number: str, now: datetime) -> ComplaintFile:
    """The complaint `number` with its deadlines, whole timeline (notes included) and the
    customer's other complaints that `actor` may see, newest first.

    Raises NotFound / Forbidden through `complaint_get_for_actor`.
    """
    complaint, _ = complaint_get_for_actor(actor=actor, number=number)
    timeline = complaint_timeline(complaint=complaint, include_internal=True)
    staff_ids: set[int] = set()
    for event in timeline:
        if event.actor.startswith("staff:"):
            staff_ids.add(int(event.actor.split(":", 1)[1]))
        for key in ("owner_from", "owner_to"):
            if isinstance(event.payload.get(key), int):
                staff_ids.add(event.payload[key])
    names = (
        {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=staff_ids)}
        if staff_ids
        else {}
    )
    others = (
        complaints_visible_to_staff(actor)
        .filter(customer_id=complaint.customer_id)
        .exclude(pk=complaint.pk)
        .order_by("-created_at", "-pk")
    )
    others_shown = list(others[:OTHER_COMPLAINTS_SHOWN])
    return ComplaintFile(
        complaint=complaint,
        deadlines=complaint_deadlines(complaint=complaint, now=now),
        timeline=timeline,
        staff_names=names,
        other_complaints=others_shown,
        duplicate_of=_duplicate_of(complaint, others_shown),
        duplicates=list(
            complaints_visible_to_staff(actor)
            .filter(duplicate_of=complaint)
            .order_by("pk")
            .values_list("number", flat=True)[:OTHER_COMPLAINTS_SHOWN]
        ),
    )


def _duplicate_of(complaint: Complaint, others: list[Complaint]) -> str:
    if complaint.duplicate_of_id is None:
        return ""
    for other in others:
        if other.pk == complaint.duplicate_of_id:
            return other.number
    return (
        Complaint.objects.filter(pk=complaint.duplicate_of_id).values_list("number", flat=True).first() or ""
    )


def transfer_candidates(*, complaint: Complaint) -> QuerySet[User]:
    """Active staff who could own `complaint`: central staff, and the staff of its team.

    The same rule as `complaints.services.complaint_transfer_ownership` checks
    (the new owner must be able to see the complaint); the service stays the judge.
    """
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .filter(Q(role__in=CENTRAL_STAFF) | Q(team=complaint.team))
        .order_by("username")
        .only("pk", "username", "first_name", "last_name", "team")
    )


def staff_member(raw_id: str) -> User | None:
    """The active staff member with id `raw_id` (as a form sends it), or None."""
    if not raw_id.strip().isascii() or not raw_id.strip().isdigit():
        return None
    return User.objects.filter(pk=int(raw_id), is_active=True).exclude(role=Role.CUSTOMER).first()


def saved_filters_for(*, actor: Actor) -> list[SavedFilter]:
    """The actor's own filters, then those shared with the actor's team, each by name. One query."""
    user = actor.user
    if not actor.is_staff or user is None:
        return []
    mine = Q(owner_id=user.pk, team="")
    shared = Q(team=user.team) if user.team else Q(pk__in=[])
    rows = list(SavedFilter.objects.filter(mine | shared).order_by("name", "pk"))
    return [f for f in rows if not f.team] + [f for f in rows if f.team]


@dataclass(frozen=True)
class Colleague:
    name: str
    replying: bool


def complaint_colleagues(
    *, actor: Actor, complaint: Complaint, now: datetime, window: timedelta
) -> list[Colleague]:
    """Other staff who had `complaint` open within `window` before `now`, replying ones first. One query."""
    rows = (
        ComplaintPresence.objects.filter(complaint=complaint, seen_at__gte=now - window)
        .exclude(user_id=actor.user.pk if actor.user is not None else 0)
        .select_related("user")
        .order_by("activity", "user__username")
    )
    return [
        Colleague(name=row.user.get_full_name() or row.user.username, replying=row.activity == "replying")
        for row in rows
    ]


def bulk_owner_candidates(*, actor: Actor) -> QuerySet[User]:
    """Staff a bulk assignment may name: central staff and the actor's own team (the transfer
    service still checks each complaint's team)."""
    team = actor.user.team if actor.user is not None else ""
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .filter(Q(role__in=CENTRAL_STAFF) | Q(team=team or "-"))
        .order_by("username")
        .only("pk", "username", "first_name", "last_name", "team")
    )
