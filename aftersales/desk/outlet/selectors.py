"""Reads for the outlet pages: the outlet's repair orders of the day, one order's page, its parts.

Every read of repair orders starts from `repairs.selectors` (`repair_orders_visible_to_staff`,
`repair_order_get_for_actor`, `repair_order_detail`), and of parts from `parts.selectors`,
so who sees which order is decided by the repairs app, as in the API. The outlet of a
staff member is found by their team (`outlet-<code>`, network.models.outlet_team).
"""

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.db.models import Q
from django.utils import timezone

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common import clock
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated
from aftersales.complaints.models import Complaint
from aftersales.network.models import Outlet, outlet_team
from aftersales.parts.models import DeviceModel, Part
from aftersales.parts.selectors import device_models, parts_of_model, stock_overview
from aftersales.repairs.models import RepairOrder, ServiceAgreement, WorkItem
from aftersales.repairs.selectors import (
    agreement_current,
    repair_order_detail,
    repair_order_get_for_actor,
    repair_orders_visible_to_staff,
)
from aftersales.repairs.status import FINISHED_STATES, State

# More than an outlet handles in a day; the page says when the list is cut.
DAY_LIMIT = 200
OPEN_STATES = tuple(state for state in State.values if state not in FINISHED_STATES)


def staff_outlet(actor: Actor) -> Outlet | None:
    """The outlet whose team the actor belongs to (outlet staff), or None (central staff)."""
    team = actor.user.team if actor.user is not None else ""
    if actor.role not in OUTLET_STAFF or not team.startswith("outlet-"):
        return None
    return Outlet.objects.filter(code=team.removeprefix("outlet-")).first()


def _outlet_code(actor: Actor, asked: str) -> str:
    """The outlet a page is about: outlet staff always their own; central staff the one asked for ("" = all)."""
    if actor.role in OUTLET_STAFF:
        team = actor.user.team if actor.user is not None else ""
        return team.removeprefix("outlet-")
    return asked.strip().lower()


def outlet_day(*, actor: Actor, now: datetime, outlet: str = "") -> tuple[str, list[RepairOrder]]:
    """The repair orders an outlet works today, oldest first: every order not finished yet and
    those handed back today (Beijing time). Returns (outlet code or "" for every outlet, orders).

    Outlet staff see their own outlet's (whatever `outlet` says); central staff any outlet's,
    or every outlet's when `outlet` is empty. One query; the complaint, model and engineer
    come with each row. At most `DAY_LIMIT` orders. Raises Unauthenticated for non-staff.
    """
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    code = _outlet_code(actor, outlet)
    rows = repair_orders_visible_to_staff(actor)
    if code:
        rows = rows.filter(team=outlet_team(code))
    start_of_day = timezone.make_aware(datetime.combine(clock.localdate(now), time.min))
    rows = rows.filter(Q(state__in=OPEN_STATES) | Q(state=State.RETURNED, returned_at__gte=start_of_day))
    rows = rows.select_related("complaint", "device_model", "engineer").order_by("created_at", "pk")
    return code, list(rows[:DAY_LIMIT])


@dataclass(frozen=True)
class RepairFile:
    """Everything the repair order page shows, read in a fixed number of queries."""

    # With `checks`, `items` (and their parts) prefetched, `repair_events` and `reservations` loaded.
    order: RepairOrder
    # The service agreement in force now: what the customer is asked to accept.
    agreement: ServiceAgreement | None
    # The order's device model's parts: what the diagnosis may name.
    parts: list[Part]
    # Staff named on the order's steps, by id.
    staff_names: dict[int, str]


def repair_file(*, actor: Actor, number: str, now: datetime) -> RepairFile:
    """The repair order `number` as its page shows it.

    Raises Unauthenticated for non-staff and NotFound both for an unknown number and for
    an order of another outlet: the page does not tell staff of one outlet which order
    numbers exist at another (the API answers 403, to callers who already hold the number).
    """
    try:
        order = repair_order_get_for_actor(actor=actor, number=number)
    except Forbidden:
        raise NotFound(what="repair order") from None
    order = repair_order_detail(order=order)
    staff_ids = {
        int(event.actor.split(":", 1)[1])
        for event in order.repair_events  # type: ignore[attr-defined]
        if event.actor.startswith("staff:") and event.actor.split(":", 1)[1].isdigit()
    }
    names = (
        {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=staff_ids)}
        if staff_ids
        else {}
    )
    return RepairFile(
        order=order,
        agreement=agreement_current(at=now),
        parts=list(parts_of_model(model_id=order.device_model_id)),
        staff_names=names,
    )


def repair_order_for_step(*, actor: Actor, number: str) -> RepairOrder:
    """The order a step is about, with the page's rule: another outlet's order is not found."""
    try:
        return repair_order_get_for_actor(actor=actor, number=number)
    except Forbidden:
        raise NotFound(what="repair order") from None


@dataclass(frozen=True)
class ComplaintRepairs:
    """The repair orders of a complaint, and whether the actor may open one at their outlet."""

    orders: list[RepairOrder]
    may_open: bool
    # The device models to choose from when opening (empty when the actor may not open).
    models: list[DeviceModel]


def complaint_repairs(*, actor: Actor, complaint: Complaint) -> ComplaintRepairs:
    """For the complaint page: the complaint's repair orders `actor` may see, oldest first, and
    whether `actor` is outlet staff of the outlet the open complaint was dispatched to, who
    receive its device (`repairs.services.repair_order_open` stays the judge). Two queries at most.
    """
    orders = list(
        repair_orders_visible_to_staff(actor)
        .filter(complaint=complaint)
        .select_related("device_model")
        .order_by("created_at", "pk")
    )
    may_open = (
        complaint.is_open
        and actor.role in OUTLET_STAFF
        and actor.user is not None
        and actor.user.team == complaint.team
    )
    return ComplaintRepairs(
        orders=orders, may_open=may_open, models=list(device_models()) if may_open else []
    )


def outlet_stock(*, actor: Actor, outlet: str = "") -> tuple[str, list[dict[str, Any]]]:
    """The parts at an outlet: on hand, reserved, free and in transit to it, by part number.

    Returns (outlet code, rows of parts.selectors.stock_overview).

    Outlet staff see their own outlet's; central staff the outlet asked for (no outlet: no rows).
    """
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    code = _outlet_code(actor, outlet)
    if not code:
        return "", []
    return code, stock_overview(outlet_code=code)


def parts_of_order_model(*, order: RepairOrder) -> list[Part]:
    """The parts of the order's device model: the names a diagnosis form's fields are labelled with."""
    return list(parts_of_model(model_id=order.device_model_id))


def order_items(*, order: RepairOrder) -> list[WorkItem]:
    """The order's work items with their parts, by position: what `items.<i>` in a quote's or an
    approval's error points at (one query)."""
    return list(order.items.select_related("part").order_by("position"))
