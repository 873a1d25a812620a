"""The repair order's steps. Each is one function, `repair_order_<verb>(*, actor, order, ...)`,
checked against the one table in repairs/status.py, and each writes its step on the
complaint's timeline (complaints.events.repair_event) in the same transaction.

The complaint follows the repair through the complaints app's public services: opening a
repair starts processing an accepted complaint, the diagnosis records the inspection (the
48-hour clock), and handing the device back resolves the complaint.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.common import clock
from aftersales.common.errors import (
    FieldConflict,
    Forbidden,
    TransitionNotAllowed,
    ValidationFailed,
    problem,
)
from aftersales.complaints import events as complaint_events
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import staff_may_see
from aftersales.complaints.status import CLOCKED_STATES
from aftersales.complaints.status import State as ComplaintState
from aftersales.network.models import Outlet
from aftersales.parts import services as parts_services
from aftersales.parts.models import Location
from aftersales.parts.selectors import (
    depot_for_outlet,
    device_model_get,
    emergency_for_outlet,
    parts_by_number,
)
from aftersales.pricing.selectors import prices_in_force
from aftersales.repairs.models import CheckKind, DeviceCheck, RepairOrder, WorkItem
from aftersales.repairs.selectors import agreement_current, staff_may_work
from aftersales.repairs.status import FINISHED_STATES, Move, State, allowed_actions, move_for
from aftersales.warranty.rules import Facts, decide_item, rules_on

MAX_ITEMS = 20
MAX_TEXT = 2000


@dataclass(frozen=True)
class CheckResult:
    """One device check as recorded (see CheckKind for which fields each kind takes)."""

    kind: str
    passed: bool | None = None
    count: int | None = None
    value: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ItemRequest:
    part: str
    quantity: int = 1


# kind -> (needs passed, needs count, value range or None)
_CHECK_SHAPES: dict[str, tuple[bool, bool, tuple[int, int] | None]] = {
    CheckKind.TOUCH: (True, True, None),
    CheckKind.BATTERY_HEALTH: (False, False, (0, 100)),
    CheckKind.CHARGE_CURRENT: (True, False, (0, 10_000)),
    CheckKind.CAMERA: (True, False, None),
    CheckKind.AUDIO: (True, False, None),
    CheckKind.SIGNAL: (True, False, None),
    CheckKind.MOISTURE: (True, False, None),
    CheckKind.VISIBLE_DAMAGE: (True, False, None),
}


# --- opening -----------------------------------------------------------------------------------


@transaction.atomic
def repair_order_open(
    *,
    actor: Actor,
    complaint: Complaint,
    outlet: Outlet,
    model_code: str,
    engineer: User | None = None,
    damage_date: date | None = None,
    unauthorised_repair: bool = False,
    walk_in: bool = False,
) -> RepairOrder:
    """Receive the complaint's device at `outlet` for repair; returns the order in state received.

    Outlet staff open orders only at their own outlet, for a complaint dispatched to it;
    central staff anywhere. The engineer (default: the actor) must be staff of the outlet's
    team or central technical staff. One device, one repair at a time: while an order of the
    complaint is unfinished, another is 409 `repair_order_unfinished` naming it (the complaint
    row is locked first, so two clicks at once open one order). Errors: 403, 409
    `complaint_not_open`, 422 `model_unknown` on `model`, `engineer_outside_team` on
    `engineer`, `date_in_future` on `damage_date`.
    """
    if not staff_may_work(actor, outlet.team) or not staff_may_see(actor, complaint):
        raise Forbidden(what="open a repair order for this complaint at this outlet")
    if actor.role not in move_roles("diagnose"):
        raise Forbidden(what="open a repair order")
    if not complaint.is_open:
        raise FieldConflict(
            {"complaint": problem("complaint_not_open", number=complaint.number, state=complaint.state)},
            code="complaint_not_open",
            number=complaint.number,
            state=complaint.state,
        )
    model = device_model_get(code=model_code)
    now = clock.now()
    today = clock.localdate(now)
    if damage_date is not None and damage_date > today:
        raise ValidationFailed({"damage_date": problem("date_in_future")})
    engineer = engineer or actor.user
    if engineer is not None and not _may_engineer(engineer, outlet):
        raise ValidationFailed({"engineer": problem("engineer_outside_team", team=outlet.team)})
    Complaint.objects.select_for_update().filter(pk=complaint.pk).exists()
    orders = RepairOrder.objects.filter(complaint=complaint)
    unfinished = orders.exclude(state__in=FINISHED_STATES).values_list("number", flat=True).first()
    if unfinished is not None:
        raise FieldConflict(
            {"complaint": problem("repair_order_unfinished", order=unfinished)},
            code="repair_order_unfinished",
        )
    sequence = orders.count() + 1
    order = RepairOrder.objects.create(
        number=f"{complaint.number}-R{sequence}",
        complaint=complaint,
        device=complaint.device,
        device_model=model,
        outlet=outlet,
        team=outlet.team,
        engineer=engineer,
        reported_on=clock.localdate(complaint.created_at),
        damage_date=damage_date,
        unauthorised_repair=unauthorised_repair,
        walk_in=walk_in,
        created_at=now,
    )
    _event(
        order,
        actor,
        "received",
        at=now,
        outlet=outlet.code,
        model=model.code,
        engineer=engineer.employee_id if engineer else "",
        device=order.device_id,
    )
    if complaint.state == ComplaintState.ACCEPTED and actor.may("complaint.view_team"):
        complaint_services.complaint_transition(actor=actor, complaint=complaint, action="start_processing")
    _say_emergency(order, actor, now)
    return order


def _say_emergency(order: RepairOrder, actor: Actor, now: datetime) -> tuple[str, str]:
    """(location kind, code) the order's parts come from; in a region's emergency mode the depot,
    which the timeline then says, with the reason, in Chinese and English."""
    emergency = emergency_for_outlet(order.outlet, at=now)
    depot = depot_for_outlet(order.outlet) if emergency is not None else None
    if emergency is None or depot is None:
        return Location.OUTLET, order.outlet.code
    _event(
        order,
        actor,
        "emergency_mode",
        at=now,
        region=emergency.region_adcode,
        depot=depot.code,
        reason={"zh-hans": emergency.reason_zh, "en": emergency.reason_en},
        served_from=f"depot:{depot.code}",
    )
    return Location.DEPOT, depot.code


def _may_engineer(user: User, outlet: Outlet) -> bool:
    from aftersales.accounts.roles import OUTLET_STAFF, Role

    if not user.is_active or not user.is_staff_member:
        return False
    if user.role in OUTLET_STAFF:
        return user.team == outlet.team
    return user.role in {Role.TECHNICAL, Role.EXPERT, Role.ADMIN}


def move_roles(action: str) -> frozenset[str]:
    from aftersales.repairs.status import MOVES

    return next(move.roles for move in MOVES if move.action == action)


# --- checks, diagnosis and warranty ------------------------------------------------------------


@transaction.atomic
def repair_order_record_checks(*, actor: Actor, order: RepairOrder, checks: list[CheckResult]) -> RepairOrder:
    """Record device checks (each kind's latest result replaces the earlier one).

    Errors: 422 on `checks.<i>.<field>` for a missing or out-of-range value (battery health
    0-100 %, charge current 0-10000 mA, touch count 0-100) or a kind given twice.
    """
    order = _lock(order)
    _allow(order, actor, "record_checks")
    if not checks:
        raise ValidationFailed({"checks": problem("required")})
    problems: dict[str, Any] = {}
    seen: set[str] = set()
    for index, check in enumerate(checks):
        problems.update(_check_problems(index, check, seen))
    if problems:
        raise ValidationFailed(problems)
    now = clock.now()
    for check in checks:
        DeviceCheck.objects.update_or_create(
            order=order,
            kind=check.kind,
            defaults={
                "passed": check.passed,
                "count": check.count,
                "value": check.value,
                "note": check.note.strip(),
                "at": now,
                "actor": actor.ref,
            },
        )
    summary = {c.kind: {"passed": c.passed, "count": c.count, "value": c.value} for c in checks}
    _event(order, actor, "checks", at=now, checks=summary)
    return order


def _check_problems(index: int, check: CheckResult, seen: set[str]) -> dict[str, Any]:
    where = f"checks.{index}"
    if check.kind not in _CHECK_SHAPES:
        return {f"{where}.kind": problem("check_kind_unknown", allowed=", ".join(CheckKind.values))}
    if check.kind in seen:
        return {f"{where}.kind": problem("check_given_twice", kind=check.kind)}
    seen.add(check.kind)
    needs_passed, needs_count, value_range = _CHECK_SHAPES[check.kind]
    found: dict[str, Any] = {}
    if needs_passed and check.passed is None:
        found[f"{where}.passed"] = problem("required")
    if needs_count:
        if check.count is None:
            found[f"{where}.count"] = problem("required")
        elif not 0 <= check.count <= 100:
            found[f"{where}.count"] = problem("check_value_out_of_range", low=0, high=100, unit="")
    if value_range is not None:
        low, high = value_range
        unit = "%" if check.kind == CheckKind.BATTERY_HEALTH else " mA"
        if check.value is None:
            found[f"{where}.value"] = problem("required")
        elif not low <= check.value <= high:
            found[f"{where}.value"] = problem("check_value_out_of_range", low=low, high=high, unit=unit)
    if len(check.note) > 500:
        found[f"{where}.note"] = problem("text_too_long", limit=500, length=len(check.note))
    return found


@transaction.atomic
def repair_order_diagnose(
    *, actor: Actor, order: RepairOrder, diagnosis: str, items: list[ItemRequest]
) -> RepairOrder:
    """Set the diagnosis and the parts to replace, and decide warranty coverage for each item.

    The decision uses the warranty rules in force today (policy pack `warranty_rules`) and
    is stored with the order: a later rule change leaves it. Diagnosing again replaces the
    items and decisions (and withdraws a quote). Errors: 422 `part_unknown`,
    `part_wrong_model` or `quantity_not_positive` on `items.<i>.<field>`; `required` on `diagnosis`.
    """
    order = _lock(order)
    _allow(order, actor, "diagnose")
    diagnosis = diagnosis.strip()
    if not diagnosis:
        raise ValidationFailed({"diagnosis": problem("required")})
    if len(diagnosis) > MAX_TEXT:
        raise ValidationFailed({"diagnosis": problem("text_too_long", limit=MAX_TEXT, length=len(diagnosis))})
    if not items:
        raise ValidationFailed({"items": problem("required")})
    if len(items) > MAX_ITEMS:
        raise ValidationFailed({"items": problem("value_too_large", limit=MAX_ITEMS)})
    problems = {
        f"items.{i}.quantity": problem("quantity_not_positive")
        for i, item in enumerate(items)
        if type(item.quantity) is not int or not 0 < item.quantity <= 10
    }
    if problems:
        raise ValidationFailed(problems)
    parts = parts_by_number(
        [item.part for item in items], field={item.part: f"items.{i}.part" for i, item in enumerate(items)}
    )
    wrong = {
        f"items.{i}.part": problem("part_wrong_model", part=item.part, model=order.device_model.code)
        for i, item in enumerate(items)
        if parts[item.part].model_id != order.device_model_id
    }
    if wrong:
        raise ValidationFailed(wrong)
    now = clock.now()
    rules = rules_on(clock.localdate(now))
    facts = warranty_facts(order)
    order.items.all().delete()
    created = []
    for position, item in enumerate(items, start=1):
        part = parts[item.part]
        decision = decide_item(component=part.component, facts=facts, rules=rules)
        created.append(
            WorkItem(
                order=order,
                position=position,
                part=part,
                quantity=item.quantity,
                coverage=decision.outcome,
                covers_parts=decision.covers_parts,
                covers_labour=decision.covers_labour,
                reasons=[reason.as_dict() for reason in decision.reasons],
            )
        )
    WorkItem.objects.bulk_create(created)
    from_state = order.state
    order.diagnosis = diagnosis
    order.warranty_rules_from = rules.effective_from
    order.warranty_decided_at = now
    order.state = State.DIAGNOSED
    order.quote_lines, order.quote_total, order.quote_digest, order.quoted_on = [], None, "", None
    order.save(
        update_fields=[
            "diagnosis",
            "warranty_rules_from",
            "warranty_decided_at",
            "state",
            "quote_lines",
            "quote_total",
            "quote_digest",
            "quoted_on",
        ]
    )
    _event(
        order,
        actor,
        "diagnosed",
        at=now,
        from_state=from_state,
        diagnosis_sha256=hashlib.sha256(diagnosis.encode()).hexdigest(),
        warranty_rules_from=rules.effective_from.isoformat(),
        items=[
            {
                "part": w.part.number,
                "quantity": w.quantity,
                "coverage": w.coverage,
                "rules": [r["rule"] for r in w.reasons],
            }
            for w in created
        ],
    )
    _record_inspection(order, actor, diagnosis)
    return order


def warranty_facts(order: RepairOrder) -> Facts:
    """What the warranty rules read about this order: the device's purchase, the checks, the report."""
    checks = {c.kind: c for c in order.checks.all()}
    touch = checks.get(CheckKind.TOUCH)
    battery = checks.get(CheckKind.BATTERY_HEALTH)
    moisture = checks.get(CheckKind.MOISTURE)
    failed = frozenset(kind for kind, c in checks.items() if c.passed is False)
    device = order.device
    return Facts(
        purchase_date=device.purchase_date if device is not None else None,
        reported_on=order.reported_on,
        battery_health=battery.value if battery is not None else None,
        touch_failures_in_a_row=touch.count if touch is not None and touch.passed is False else 0,
        moisture_indicator_red=moisture is not None and moisture.passed is False,
        unauthorised_repair=order.unauthorised_repair,
        damage_date=order.damage_date,
        failed_checks=failed,
    )


def _record_inspection(order: RepairOrder, actor: Actor, diagnosis: str) -> None:
    complaint = Complaint.objects.get(pk=order.complaint_id)
    if (
        complaint.inspected_at is None
        and complaint.state in CLOCKED_STATES
        and actor.may("complaint.inspect")
        and staff_may_see(actor, complaint)
    ):
        complaint_services.complaint_record_inspection(
            actor=actor, complaint=complaint, findings=f"{order.number}: {diagnosis}"
        )


# --- quote and the customer's answer -------------------------------------------------------------


@transaction.atomic
def repair_order_quote(*, actor: Actor, order: RepairOrder) -> RepairOrder:
    """Price the work items from the price list in force today and their warranty decisions.

    Each line charges the parts price unless the decision covers parts, and the labour
    price unless it covers labour. Errors: 409 `price_missing` on `items.<i>.part`.
    """
    order = _lock(order)
    _allow(order, actor, "quote")
    now = clock.now()
    today = clock.localdate(now)
    items = list(order.items.select_related("part").order_by("position"))
    prices = prices_in_force(parts=[item.part for item in items], on=today)
    missing = {
        f"items.{i}.part": problem("price_missing", part=item.part.number, date=today.isoformat())
        for i, item in enumerate(items)
        if item.part_id not in prices
    }
    if missing:
        raise FieldConflict(missing, code="price_missing")
    lines = []
    total = Decimal("0.00")
    for item in items:
        price = prices[item.part_id]
        parts_charge = Decimal(0) if item.covers_parts else price.parts_price * item.quantity
        labour_charge = Decimal(0) if item.covers_labour else price.labour_price * item.quantity
        total += parts_charge + labour_charge
        lines.append(
            {
                "part": item.part.number,
                "name": item.part.name,
                "quantity": item.quantity,
                "coverage": item.coverage,
                "parts_price": f"{price.parts_price:.2f}",
                "labour_price": f"{price.labour_price:.2f}",
                "price_from": price.effective_from.isoformat(),
                "parts_charge": f"{parts_charge:.2f}",
                "labour_charge": f"{labour_charge:.2f}",
                "charge": f"{parts_charge + labour_charge:.2f}",
                "reasons": [{"zh-hans": r["zh-hans"], "en": r["en"]} for r in item.reasons],
            }
        )
    from_state = order.state
    order.quote_lines = lines
    order.quote_total = total
    order.quoted_on = today
    order.quote_digest = quote_digest(lines=lines, total=total, quoted_on=today)
    order.state = State.QUOTED
    order.save(update_fields=["quote_lines", "quote_total", "quoted_on", "quote_digest", "state"])
    _event(
        order, actor, "quoted", at=now, from_state=from_state, total=f"{total:.2f}", quote=order.quote_digest
    )
    return order


def quote_digest(*, lines: list[dict[str, Any]], total: Decimal, quoted_on: date) -> str:
    """SHA-256 of the quote as the customer sees it: what an approval must name."""
    document = {"lines": lines, "total": f"{total:.2f}", "quoted_on": quoted_on.isoformat()}
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


@transaction.atomic
def repair_order_approve(*, actor: Actor, order: RepairOrder, quote: str) -> RepairOrder:
    """The customer approves the quote they were shown (`quote`: its digest); the parts are reserved.

    Errors: 409 `quote_changed` on `quote` when the order was quoted again since; 409
    `part_out_of_stock` on `items.<i>.part` when the outlet lacks a part (nothing reserved).
    """
    order = _lock(order)
    _allow(order, actor, "approve")
    if quote != order.quote_digest:
        raise FieldConflict({"quote": problem("quote_changed", number=order.number)}, code="quote_changed")
    now = clock.now()
    items = list(order.items.select_related("part").order_by("position"))
    location_kind, location_code = _say_emergency(order, actor, now)
    try:
        parts_services.parts_reserve(
            actor=actor,
            holder=order.holder,
            location_code=location_code,
            location_kind=location_kind,
            lines=[(item.part.number, item.quantity) for item in items],
            at=now,
        )
    except FieldConflict as shortage:
        # The parts app names the line; the caller knows them as the order's items.
        raise FieldConflict(
            {name.replace("lines.", "items.", 1): issue for name, issue in shortage.fields.items()},
            code=shortage.code,
        ) from shortage
    order.state = State.APPROVED
    order.approved_at = now
    order.approved_by = actor.ref
    order.served_from = f"{location_kind}:{location_code}"
    order.save(update_fields=["state", "approved_at", "approved_by", "served_from"])
    _event(
        order,
        actor,
        "approved",
        at=now,
        served_from=order.served_from,
        quote=order.quote_digest,
        total=f"{order.quote_total:.2f}",
        reserved=[{"part": item.part.number, "quantity": item.quantity} for item in items],
    )
    return order


@transaction.atomic
def repair_order_refuse(*, actor: Actor, order: RepairOrder, reason: str = "") -> RepairOrder:
    """The customer declines the quote: the order ends unrepaired."""
    return _close(order, actor, "refuse", State.REFUSED_BY_CUSTOMER, reason)


@transaction.atomic
def repair_order_accept_agreement(*, actor: Actor, order: RepairOrder, version: str) -> RepairOrder:
    """The customer accepts the service agreement `version`, which must be the one in force.

    Stores the version, its SHA-256, who accepted and when, and puts them on the timeline.
    Errors: 409 `agreement_not_current` on `version`, naming the current one.
    """
    order = _lock(order)
    _allow(order, actor, "accept_agreement")
    now = clock.now()
    current = agreement_current(at=now)
    if current is None or version != current.version:
        raise FieldConflict(
            {
                "version": problem(
                    "agreement_not_current", version=version, current=current.version if current else "-"
                )
            },
            code="agreement_not_current",
        )
    order.agreement = current
    order.agreement_sha256 = current.sha256
    order.agreement_accepted_at = now
    order.agreement_accepted_by = actor.ref
    order.save(
        update_fields=["agreement", "agreement_sha256", "agreement_accepted_at", "agreement_accepted_by"]
    )
    _event(order, actor, "agreement_accepted", at=now, version=current.version, sha256=current.sha256)
    return order


# --- the work -------------------------------------------------------------------------------------


@transaction.atomic
def repair_order_start(*, actor: Actor, order: RepairOrder) -> RepairOrder:
    """Start the work. Errors: 409 `agreement_missing` on `agreement` until the customer signed it."""
    order = _lock(order)
    _allow(order, actor, "start")
    if order.agreement_id is None:
        raise FieldConflict(
            {"agreement": problem("agreement_missing", number=order.number)}, code="agreement_missing"
        )
    now = clock.now()
    order.state = State.REPAIRING
    order.started_at = now
    order.save(update_fields=["state", "started_at"])
    _event(order, actor, "started", at=now, engineer=order.engineer.employee_id if order.engineer else "")
    return order


@transaction.atomic
def repair_order_complete(
    *, actor: Actor, order: RepairOrder, parts_used: list[str] | None = None
) -> RepairOrder:
    """The work is done: the parts used leave the stock (all reserved ones when not named).

    Errors: 409 `part_not_reserved` on `parts_used.<i>` for a part not reserved for this order.
    """
    order = _lock(order)
    _allow(order, actor, "complete")
    now = clock.now()
    consumed = parts_services.parts_consume(actor=actor, holder=order.holder, part_numbers=parts_used, at=now)
    order.state = State.COMPLETED
    order.completed_at = now
    order.save(update_fields=["state", "completed_at"])
    _event(
        order,
        actor,
        "completed",
        at=now,
        consumed=[{"part": r.stock.part.number, "quantity": r.quantity} for r in consumed],
    )
    return order


@transaction.atomic
def repair_order_return(*, actor: Actor, order: RepairOrder) -> RepairOrder:
    """Hand the repaired device back; the complaint is resolved when the actor may resolve it."""
    order = _lock(order)
    _allow(order, actor, "return")
    now = clock.now()
    order.state = State.RETURNED
    order.returned_at = now
    order.save(update_fields=["state", "returned_at"])
    _event(order, actor, "returned", at=now)
    _resolve_complaint(order, actor, "repaired and returned")
    return order


@transaction.atomic
def repair_order_hand_back(*, actor: Actor, order: RepairOrder, reason: str) -> RepairOrder:
    """No hardware fault to repair (advice given, software fixed): the device goes back unrepaired.

    The complaint is resolved when the actor may resolve it. Errors: 422 `required` /
    `text_too_long` on `reason`.
    """
    order = _lock(order)
    _allow(order, actor, "hand_back")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": problem("required")})
    if len(reason) > 500:
        raise ValidationFailed({"reason": problem("text_too_long", limit=500, length=len(reason))})
    now = clock.now()
    order.state = State.RETURNED
    order.returned_at = now
    order.closed_reason = reason
    order.save(update_fields=["state", "returned_at", "closed_reason"])
    _event(order, actor, "handed_back", at=now, reason_sha256=hashlib.sha256(reason.encode()).hexdigest())
    _resolve_complaint(order, actor, "handed back without repair")
    return order


def _resolve_complaint(order: RepairOrder, actor: Actor, how: str) -> None:
    complaint = Complaint.objects.get(pk=order.complaint_id)
    if complaint.state in CLOCKED_STATES and staff_may_see(actor, complaint):
        complaint_services.complaint_transition(
            actor=actor, complaint=complaint, action="resolve", reason=f"{order.number}: {how}"
        )


@transaction.atomic
def repair_order_cancel(*, actor: Actor, order: RepairOrder, reason: str) -> RepairOrder:
    """Stop the order before work starts; reserved parts go back to stock."""
    if not reason.strip():
        raise ValidationFailed({"reason": problem("required")})
    return _close(order, actor, "cancel", State.CANCELLED, reason)


def _close(order: RepairOrder, actor: Actor, action: str, target: str, reason: str) -> RepairOrder:
    order = _lock(order)
    _allow(order, actor, action)
    if len(reason) > 500:
        raise ValidationFailed({"reason": problem("text_too_long", limit=500, length=len(reason))})
    now = clock.now()
    released = parts_services.parts_release(actor=actor, holder=order.holder, at=now)
    from_state = order.state
    order.state = target
    order.closed_reason = reason.strip()
    order.save(update_fields=["state", "closed_reason"])
    _event(
        order,
        actor,
        "cancelled" if action == "cancel" else "refused",
        at=now,
        from_state=from_state,
        released=[{"part": r.stock.part.number, "quantity": r.quantity} for r in released],
    )
    complaint = Complaint.objects.get(pk=order.complaint_id)
    # Nothing is awaited any more: the complaint's clocks run again.
    if (
        from_state == State.WAITING_PARTS
        and complaint.state == ComplaintState.WAITING_PARTS
        and staff_may_see(actor, complaint)
    ):
        complaint_services.complaint_transition(
            actor=actor, complaint=complaint, action="resume", reason=f"{order.number}: {action}"
        )
    return order


# --- internals -------------------------------------------------------------------------------------


def _lock(order: RepairOrder) -> RepairOrder:
    return (
        RepairOrder.objects.select_for_update(of=("self",))
        .select_related("complaint", "device", "device_model", "outlet", "engineer")
        .get(pk=order.pk)
    )


def _allow(order: RepairOrder, actor: Actor, action: str) -> Move:
    if actor.is_staff and not staff_may_work(actor, order.team):
        raise Forbidden(what="work this repair order")
    if not actor.is_staff and actor.customer_id != order.complaint.customer_id:
        raise Forbidden(what="work this repair order")
    move = move_for(order.state, action)
    if move is None or actor.role not in move.roles:
        raise TransitionNotAllowed(
            "repair_transition_not_allowed",
            action=action,
            number=order.number,
            state=order.state,
            allowed=", ".join(allowed_actions(order.state, actor.role)) or "-",
        )
    return move


def _event(order: RepairOrder, actor: Actor, step: str, *, at: Any, **payload: Any) -> None:
    complaint_events.repair_event(
        complaint_id=order.complaint_id,
        actor=actor,
        at=at,
        step=step,
        payload={"order": order.number, "state": order.state, **payload},
    )
