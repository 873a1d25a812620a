"""Repair order endpoints for staff: the outlet's own staff and central staff (repairs.selectors)."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.errors import NotFound, ValidationFailed, problem
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.network.models import Outlet
from aftersales.repairs import lightning, services, waiting
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.schemas import (
    AgreementIn,
    AgreementOut,
    ApprovalIn,
    ChecksIn,
    CompletionIn,
    CustomerQuoteOut,
    DiagnosisIn,
    LightningShareOut,
    OpenIn,
    ReasonIn,
    RepairOrderOut,
    ReplacementIn,
    WaitForPartsIn,
    WalkInIn,
)
from aftersales.repairs.selectors import (
    agreement_current,
    lightning_share,
    repair_order_detail,
    repair_order_get_for_actor,
    repair_order_get_for_customer,
)
from aftersales.repairs.status import allowed_actions

router = Router(tags=["repairs"])


def detail_out(order: RepairOrder, actor: Actor) -> dict[str, Any]:
    """The order as staff see it; loaded by repair_order_detail in a fixed number of queries."""
    order = repair_order_detail(order=order)
    return {
        "number": order.number,
        "complaint": order.complaint.number,
        "outlet": order.outlet.code,
        "model": order.device_model.code,
        "state": order.state,
        # Exchanging the device is open only to what the counter granted an express replacement.
        "allowed_actions": [
            action
            for action in allowed_actions(order.state, actor.role)
            if action != "replace_device" or order.express_due_at is not None
        ],
        "engineer_employee_id": order.engineer.employee_id if order.engineer else "",
        "reported_on": order.reported_on,
        "damage_date": order.damage_date,
        "unauthorised_repair": order.unauthorised_repair,
        "diagnosis": order.diagnosis,
        "warranty_rules_from": order.warranty_rules_from,
        "checks": list(order.checks.all()),
        "items": [
            {
                "position": item.position,
                "part": item.part.number,
                "component": item.part.component,
                "name": item.part.name,
                "quantity": item.quantity,
                "coverage": item.coverage,
                "covers_parts": item.covers_parts,
                "covers_labour": item.covers_labour,
                "reasons": item.reasons,
            }
            for item in order.items.all()
        ],
        "quote_lines": order.quote_lines,
        "quote_total": f"{order.quote_total:.2f}" if order.quote_total is not None else None,
        "quote": order.quote_digest,
        "quoted_on": order.quoted_on,
        "approved_at": order.approved_at,
        "agreement_version": order.agreement.version if order.agreement else None,
        "agreement_sha256": order.agreement_sha256,
        "agreement_accepted_at": order.agreement_accepted_at,
        "reservations": [
            {"part": r.stock.part.number, "quantity": r.quantity, "state": r.state}
            for r in order.reservations  # type: ignore[attr-defined]
        ],
        "created_at": order.created_at,
        "started_at": order.started_at,
        "completed_at": order.completed_at,
        "returned_at": order.returned_at,
        "served_from": order.served_from,
        "parts_expected_at": order.parts_expected_at,
        "walk_in": order.walk_in,
        "lightning_route": order.lightning_route,
        "readout": order.readout,
        "express_due_at": order.express_due_at,
        "events": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "step": e.payload.get("step", ""),
                "payload": e.payload,
            }
            for e in order.repair_events  # type: ignore[attr-defined]
        ],
    }


def _order(request: HttpRequest, number: str) -> tuple[RepairOrder, Actor]:
    actor = actor_from_request(request)
    return repair_order_get_for_actor(actor=actor, number=number), actor


@router.get("/agreement", response=AgreementOut, auth=None)
def agreement(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The service agreement in force: version, SHA-256 and both texts (public)."""
    current = agreement_current(at=clock.now())
    if current is None:
        raise NotFound(what="service agreement")
    return current


@router.get("/{number}/quote", response=CustomerQuoteOut, auth=None)
def customer_quote(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    """The itemised quote as the customer sees it (signed-in customer or the complaint's tracking token)."""
    token = request.headers.get("X-Tracking-Token") or request.GET.get("token", "")
    order = repair_order_get_for_customer(
        actor=actor_from_request(request), number=number, tracking_token=token
    )
    return {
        "number": order.number,
        "state": order.state,
        "quote_lines": order.quote_lines,
        "quote_total": f"{order.quote_total:.2f}" if order.quote_total is not None else None,
        "quote": order.quote_digest,
        "quoted_on": order.quoted_on,
        "agreement_version": order.agreement.version if order.agreement else None,
    }


@router.post("", response={201: RepairOrderOut})
def open_order(request: HttpRequest, payload: OpenIn):  # type: ignore[no-untyped-def]
    """Receive a complaint's device at an outlet: 201 with the new order (state received)."""
    actor = actor_from_request(request)
    complaint, actor = complaint_get_for_actor(actor=actor, number=payload.complaint)
    outlet = Outlet.objects.filter(code=payload.outlet.strip().lower()).first()
    if outlet is None:
        raise ValidationFailed({"outlet": problem("outlet_unknown", outlet=payload.outlet)})
    engineer = None
    if payload.engineer:
        engineer = User.objects.filter(username=payload.engineer).first()
        if engineer is None:
            raise ValidationFailed({"engineer": problem("staff_unknown", username=payload.engineer)})
    order = services.repair_order_open(
        actor=actor,
        complaint=complaint,
        outlet=outlet,
        model_code=payload.model,
        engineer=engineer,
        damage_date=payload.damage_date,
        unauthorised_repair=payload.unauthorised_repair,
    )
    return Status(201, detail_out(order, actor))


@router.post("/walk-in", response={201: RepairOrderOut})
def walk_in(request: HttpRequest, payload: WalkInIn):  # type: ignore[no-untyped-def]
    """The store terminal opens a walk-in repair from the device read-out (outlet staff of that outlet).

    201 with the order: `lightning_route` (on_spot, express_replacement, regular), its
    reasons in the `lightning_route` step, and, on the spot, the diagnosis and quote.
    """
    actor = actor_from_request(request)
    outlet = _outlet(payload.outlet)
    lightning.counter_require(actor=actor, outlet=outlet)  # who asks, before what they sent
    readout = lightning.readout_parse(payload.readout)
    order = lightning.repair_order_walk_in(
        actor=actor,
        outlet=outlet,
        readout=readout,
        walk_in=lightning.WalkIn(
            name=payload.name,
            phone=payload.phone,
            email=payload.email,
            description=payload.description,
            purchase_date=payload.purchase_date,
            purchase_channel=payload.purchase_channel,
            language=payload.language,
            note=payload.note,
        ),
    )
    return Status(201, detail_out(order, actor))


@router.get("/walk-in/share", response=list[LightningShareOut])
def walk_in_share(request: HttpRequest, outlet: str = "", days: int = 30):  # type: ignore[no-untyped-def]
    """Share of walk-ins solved on the spot over the last `days` days (1-366), per outlet."""
    if not 1 <= days <= 366:
        raise ValidationFailed(
            {
                "days": problem(
                    "value_too_large" if days > 366 else "value_too_small", limit=366 if days > 366 else 1
                )
            }
        )
    now = clock.now()
    return lightning_share(
        actor=actor_from_request(request),
        outlet_code=outlet.strip().lower()[:40],
        since=now - timedelta(days=days),
        until=now,
    )


def _outlet(code: str) -> Outlet:
    outlet = Outlet.objects.filter(code=code.strip().lower()).first()
    if outlet is None:
        raise ValidationFailed({"outlet": problem("outlet_unknown", outlet=code[:40])})
    return outlet


@router.get("/{number}", response=RepairOrderOut)
def detail(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    """The order with its checks, items and warranty decisions, quote, reservations and steps."""
    order, actor = _order(request, number)
    return detail_out(order, actor)


@router.post("/{number}/checks", response=RepairOrderOut)
def record_checks(request: HttpRequest, number: str, payload: ChecksIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    checks = [services.CheckResult(**check.dict()) for check in payload.checks]
    return detail_out(services.repair_order_record_checks(actor=actor, order=order, checks=checks), actor)


@router.post("/{number}/diagnosis", response=RepairOrderOut)
def diagnose(request: HttpRequest, number: str, payload: DiagnosisIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    items = [services.ItemRequest(part=item.part, quantity=item.quantity) for item in payload.items]
    order = services.repair_order_diagnose(actor=actor, order=order, diagnosis=payload.diagnosis, items=items)
    return detail_out(order, actor)


@router.post("/{number}/quote", response=RepairOrderOut)
def quote(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_quote(actor=actor, order=order), actor)


@router.post("/{number}/approval", response=RepairOrderOut)
def approve(request: HttpRequest, number: str, payload: ApprovalIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_approve(actor=actor, order=order, quote=payload.quote), actor)


@router.post("/{number}/refusal", response=RepairOrderOut)
def refuse(request: HttpRequest, number: str, payload: ReasonIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_refuse(actor=actor, order=order, reason=payload.reason), actor)


@router.post("/{number}/agreement", response=RepairOrderOut)
def accept_agreement(request: HttpRequest, number: str, payload: AgreementIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    order = services.repair_order_accept_agreement(actor=actor, order=order, version=payload.version)
    return detail_out(order, actor)


@router.post("/{number}/start", response=RepairOrderOut)
def start(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_start(actor=actor, order=order), actor)


@router.post("/{number}/completion", response=RepairOrderOut)
def complete(request: HttpRequest, number: str, payload: CompletionIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    order = services.repair_order_complete(actor=actor, order=order, parts_used=payload.parts_used)
    return detail_out(order, actor)


@router.post("/{number}/return", response=RepairOrderOut)
def hand_back(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_return(actor=actor, order=order), actor)


@router.post("/{number}/cancellation", response=RepairOrderOut)
def cancel(request: HttpRequest, number: str, payload: ReasonIn):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(services.repair_order_cancel(actor=actor, order=order, reason=payload.reason), actor)


@router.post("/{number}/wait-for-parts", response=RepairOrderOut)
def wait_for_parts(request: HttpRequest, number: str, payload: WaitForPartsIn):  # type: ignore[no-untyped-def]
    """Request transfers for the parts the outlet lacks and wait for them (the complaint's clocks pause)."""
    order, actor = _order(request, number)
    kind, _, code = payload.source.strip().partition(":")
    if payload.source.strip() and (kind not in ("depot", "outlet") or not code):
        raise ValidationFailed({"source": problem("source_invalid")})
    order = waiting.repair_order_wait_for_parts(actor=actor, order=order, source_kind=kind, source_code=code)
    return detail_out(order, actor)


@router.post("/{number}/parts-arrived", response=RepairOrderOut)
def parts_arrived(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    order, actor = _order(request, number)
    return detail_out(waiting.repair_order_parts_arrived(actor=actor, order=order), actor)


@router.post("/{number}/replacement", response=RepairOrderOut)
def replace_device(request: HttpRequest, number: str, payload: ReplacementIn):  # type: ignore[no-untyped-def]
    """Express replacement: the customer gets a new device (its IMEI); then `return` hands it over."""
    order, actor = _order(request, number)
    return detail_out(
        lightning.repair_order_replace_device(actor=actor, order=order, imei=payload.imei), actor
    )


@router.post("/{number}/hand-back", response=RepairOrderOut)
def hand_back_unrepaired(request: HttpRequest, number: str, payload: ReasonIn):  # type: ignore[no-untyped-def]
    """No hardware fault: the device goes back unrepaired (`reason`: what was done instead)."""
    order, actor = _order(request, number)
    return detail_out(services.repair_order_hand_back(actor=actor, order=order, reason=payload.reason), actor)
