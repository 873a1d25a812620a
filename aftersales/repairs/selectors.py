"""Reads of repair orders, the one access check, and the service agreement in force."""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Prefetch, Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common import clock
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated
from aftersales.common.prepared import PreparedRead
from aftersales.complaints.models import TimelineEvent
from aftersales.parts.models import Reservation
from aftersales.repairs.models import DeviceCheck, RepairOrder, ServiceAgreement, WorkItem


def staff_may_work(actor: Actor, team: str) -> bool:
    """Central staff may see every repair order; outlet staff only those of their outlet's team."""
    if not actor.is_staff:
        return False
    if actor.may("complaint.view_any"):
        return True
    return actor.role in OUTLET_STAFF and actor.user is not None and bool(team) and actor.user.team == team


def repair_orders_visible_to_staff(actor: Actor) -> QuerySet[RepairOrder]:
    """The rule of `staff_may_work` as a query."""
    if actor.is_staff and actor.may("complaint.view_any"):
        return RepairOrder.objects.all()
    if actor.is_staff and actor.role in OUTLET_STAFF and actor.user is not None and actor.user.team:
        return RepairOrder.objects.filter(team=actor.user.team)
    return RepairOrder.objects.none()


def repair_order_get_for_actor(*, actor: Actor, number: str, for_update: bool = False) -> RepairOrder:
    """The repair order `number` if `actor` may work it.

    Staff of another outlet get NotFound (404) exactly as for an unknown number, so numbers
    cannot be probed (as complaints.selectors.complaint_get_for_actor); a caller who is not staff 401.
    With `for_update` the row is locked (inside the caller's transaction).
    """
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    rows = RepairOrder.objects.select_related("complaint", "device_model", "outlet", "engineer", "agreement")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    order = rows.filter(number=number).first()
    if order is None or not staff_may_work(actor, order.team):
        raise NotFound(what="repair order")
    return order


def repair_order_get_for_customer(*, actor: Actor, number: str, tracking_token: str = "") -> RepairOrder:
    """The repair order `number` if `actor` (or the complaint's tracking token) may see its complaint.

    The same rule as the complaint's (complaints.selectors.complaint_get_for_actor): someone
    else's order is "not found", so numbers cannot be probed.
    """
    from aftersales.complaints.selectors import complaint_get_for_actor

    order = RepairOrder.objects.select_related("complaint", "agreement").filter(number=number).first()
    if order is None:
        if actor.kind == "anonymous" and not tracking_token:
            raise Unauthenticated()
        raise NotFound(what="repair order")
    complaint_get_for_actor(actor=actor, number=order.complaint.number, tracking_token=tracking_token)
    return order


def repair_order_detail(*, order: RepairOrder) -> RepairOrder:
    """The order with its checks, items (and their parts), reservations and repair events loaded:
    a fixed number of queries whatever their counts. Events are on `order.repair_events`."""
    order = (
        RepairOrder.objects.select_related("device_model", "outlet", "engineer", "agreement", "complaint")
        .prefetch_related(
            Prefetch("checks", queryset=DeviceCheck.objects.order_by("kind")),
            Prefetch("items", queryset=WorkItem.objects.select_related("part").order_by("position")),
        )
        .get(pk=order.pk)
    )
    order.repair_events = list(  # type: ignore[attr-defined]
        TimelineEvent.objects.filter(
            complaint_id=order.complaint_id, kind=TimelineEvent.Kind.REPAIR, payload__order=order.number
        ).order_by("seq")
    )
    order.reservations = list(  # type: ignore[attr-defined]
        Reservation.objects.filter(holder=order.holder).select_related("stock__part").order_by("pk")
    )
    return order


def agreement_canonical_text(*, version: str, text_zh: str, text_en: str) -> bytes:
    """The bytes an agreement's SHA-256 is taken of: version and both texts, sorted keys, UTF-8."""
    document = {"version": version, "zh-hans": text_zh, "en": text_en}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def agreement_digest(*, version: str, text_zh: str, text_en: str) -> str:
    return hashlib.sha256(
        agreement_canonical_text(version=version, text_zh=text_zh, text_en=text_en)
    ).hexdigest()


def agreement_current(*, at: datetime) -> ServiceAgreement | None:
    """The service agreement in force at `at`: the latest version whose effective time has passed."""
    return ServiceAgreement.objects.filter(effective_from__lte=at).order_by("-effective_from").first()


def lightning_share(
    *, actor: Actor, outlet_code: str = "", since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The share of walk-ins solved on the spot, per outlet, for orders opened in [since, until).

    Solved on the spot: handed back within the pack's `on_spot_within_minutes` of opening,
    without a replacement device. Shape: [{"outlet", "walk_ins", "solved_on_spot", "share",
    "express_replacements"}], share in 0..1 (None without walk-ins). Outlet staff see only
    their outlet; central staff any one or all (`outlet_code` ""). One query.
    """
    from aftersales.warranty.express import lightning_rules_on

    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.view_any"):
        team_code = (actor.user.team if actor.user else "").removeprefix("outlet-")
        if actor.role not in OUTLET_STAFF or (outlet_code and outlet_code != team_code):
            raise Forbidden(what="see this outlet's walk-in figures")
        outlet_code = team_code
    window = timedelta(minutes=lightning_rules_on(clock.localdate(until)).on_spot_within_minutes)
    rows = RepairOrder.objects.filter(walk_in=True, created_at__gte=since, created_at__lt=until)
    if outlet_code:
        rows = rows.filter(outlet__code=outlet_code)
    deadline = ExpressionWrapper(F("created_at") + window, output_field=DateTimeField())
    counted = (
        rows.values("outlet__code")
        .annotate(
            walk_ins=Count("id"),
            solved=Count(
                "id", filter=Q(returned_at__isnull=False, returned_at__lte=deadline, replacement_imei="")
            ),
            express=Count("id", filter=Q(lightning_route="express_replacement")),
        )
        .order_by("outlet__code")
    )
    found = [
        {
            "outlet": row["outlet__code"],
            "walk_ins": row["walk_ins"],
            "solved_on_spot": row["solved"],
            "share": round(row["solved"] / row["walk_ins"], 4) if row["walk_ins"] else None,
            "express_replacements": row["express"],
        }
        for row in counted
    ]
    if outlet_code and not found:
        found = [
            {
                "outlet": outlet_code,
                "walk_ins": 0,
                "solved_on_spot": 0,
                "share": None,
                "express_replacements": 0,
            }
        ]
    return found


# The five columns the read-out shows, not the order's and its outlet's sixty: the staff detail
# of every complaint asks, and most complaints never had a walk-in, so the statement is built
# once (common.prepared).
_LATEST_WALK_IN = PreparedRead(
    lambda complaint_id: (
        RepairOrder.objects.filter(complaint_id=complaint_id, walk_in=True)
        .order_by("-created_at", "-pk")
        .values("number", "outlet__code", "lightning_route", "created_at", "readout")[:1]
    ),
    complaint_id=int,
)


def complaint_walk_in_readout(*, complaint_id: int) -> dict[str, Any] | None:
    """The read-out of the complaint's latest walk-in at a store counter, or None; for staff.

    Shape: repairs.schemas.WalkInReadoutOut. Two queries at most (the order with its outlet,
    the counter's note).
    """
    from aftersales.complaints.models import Message

    order = next(iter(_LATEST_WALK_IN(complaint_id=complaint_id)), None)
    if order is None or not order["readout"]:
        return None
    readout = order["readout"]
    note = None
    if readout.get("counter_note"):
        message = Message.objects.filter(pk=readout["counter_note"], erased_at__isnull=True).first()
        note = message.body if message is not None else None
    return {
        "order": order["number"],
        "outlet": order["outlet__code"],
        "route": order["lightning_route"],
        "at": order["created_at"],
        "model": readout.get("model", ""),
        "os_version": readout.get("os_version", ""),
        "battery_health": readout.get("battery_health", 0),
        "diagnostics": readout.get("diagnostics", []),
        "counter_note": note,
    }
