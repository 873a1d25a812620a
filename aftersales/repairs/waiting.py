"""Waiting for parts: a quoted repair whose parts the outlet lacks asks for transfer orders and
waits for them with the complaint's clocks paused.

`repair_order_wait_for_parts` requests a transfer for each short part (from the outlet's
regional depot unless another source is named), moves the order to waiting_parts and the
complaint to waiting_parts, which pauses its service clocks exactly like waiting on the
customer (complaints.services: `paused_at`, deadlines shifted by the paused business time
on resuming). The timeline says what is awaited and when it is expected. When the last
transfer is received the order goes back to quoted and the complaint's clocks run again.
"""

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, ValidationFailed, problem
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import staff_may_see
from aftersales.complaints.status import CLOCKED_STATES
from aftersales.complaints.status import State as ComplaintState
from aftersales.parts import services as parts_services
from aftersales.parts.models import Location, Transfer
from aftersales.parts.selectors import depot_for_outlet, stock_available, transfers_for_holder
from aftersales.parts.status import TransferState
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.services import _allow, _event, _lock
from aftersales.repairs.status import State


@transaction.atomic
def repair_order_wait_for_parts(
    *, actor: Actor, order: RepairOrder, source_kind: str = "", source_code: str = ""
) -> RepairOrder:
    """Ask for the parts the outlet lacks and wait for them; the complaint's clocks pause.

    For each work item whose part the outlet cannot promise in full, a transfer of the
    shortfall is requested from `source_kind:source_code` (default: the outlet's regional
    depot), held for this order. The order's `parts_expected_at` is the latest expected
    arrival. Errors: 409 `parts_in_stock` on `items` when nothing is short (approve instead);
    422 `depot_missing` on `source` when no depot serves the outlet and none is named; the
    transfer's own errors (409 `part_out_of_stock` on `items.<i>.part` when the source lacks it).
    """
    order = _lock(order)
    _allow(order, actor, "wait_for_parts")
    now = clock.now()
    if not source_kind:
        depot = depot_for_outlet(order.outlet)
        if depot is None:
            raise ValidationFailed({"source": problem("depot_missing", region=order.outlet.city_adcode)})
        source_kind, source_code = Location.DEPOT, depot.code
    items = list(order.items.select_related("part").order_by("position"))
    wanted: dict[int, int] = {}
    for item in items:
        wanted[item.part_id] = wanted.get(item.part_id, 0) + item.quantity
    transfers: list[Transfer] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.part_id in seen:
            continue
        seen.add(item.part_id)
        free = stock_available(location_kind=Location.OUTLET, location_code=order.outlet.code, part=item.part)
        short = wanted[item.part_id] - free
        if short <= 0:
            continue
        try:
            transfers.append(
                parts_services.transfer_request(
                    actor=actor,
                    part_number=item.part.number,
                    quantity=short,
                    source_kind=source_kind,
                    source_code=source_code,
                    destination_code=order.outlet.code,
                    holder=order.holder,
                )
            )
        except ValidationFailed as refusal:
            # The transfer names its own fields; the caller knows the part as the order's item.
            fields = {
                (f"items.{index}.part" if name == "part" else name): issue
                for name, issue in refusal.fields.items()
            }
            raise type(refusal)(fields, code=refusal.code) from refusal
    if not transfers:
        raise FieldConflict({"items": problem("parts_in_stock", number=order.number)}, code="parts_in_stock")
    expected = max(t.expected_arrival for t in transfers)
    order.state = State.WAITING_PARTS
    order.parts_expected_at = expected
    order.save(update_fields=["state", "parts_expected_at"])
    _event(
        order,
        actor,
        "waiting_for_parts",
        at=now,
        expected_arrival=expected.isoformat(),
        transfers=[
            {
                "number": t.number,
                "part": t.part.number,
                "quantity": t.quantity,
                "from": f"{t.source_kind}:{t.source_code}",
            }
            for t in transfers
        ],
    )
    complaint = Complaint.objects.get(pk=order.complaint_id)
    if complaint.state in CLOCKED_STATES and staff_may_see(actor, complaint):
        complaint_services.complaint_transition(
            actor=actor,
            complaint=complaint,
            action="wait_for_parts",
            reason=f"{order.number}: parts expected {timezone.localtime(expected):%Y-%m-%d %H:%M}",
        )
    return order


@transaction.atomic
def repair_order_parts_arrived(*, actor: Actor, order: RepairOrder) -> RepairOrder:
    """Every transfer the order waits on was received: back to quoted, and the complaint's clocks run.

    The paused time is added to each running deadline (complaints: `resume`). Errors: 409
    `transfer_not_received` on `transfers.<i>` naming a transfer still on its way.
    """
    order = _lock(order)
    _allow(order, actor, "parts_arrived")
    pending = [
        (index, t)
        for index, t in enumerate(transfers_for_holder(holder=order.holder))
        if t.state in (TransferState.REQUESTED, TransferState.SHIPPED)
    ]
    if pending:
        raise FieldConflict(
            {
                f"transfers.{index}": problem("transfer_not_received", transfer=t.number, state=t.state)
                for index, t in pending
            },
            code="transfer_not_received",
        )
    now = clock.now()
    waited_since = order.parts_expected_at
    order.state = State.QUOTED
    order.parts_expected_at = None
    order.save(update_fields=["state", "parts_expected_at"])
    _event(
        order,
        actor,
        "parts_arrived",
        at=now,
        expected_arrival=waited_since.isoformat() if waited_since else None,
    )
    complaint = Complaint.objects.get(pk=order.complaint_id)
    if complaint.state == ComplaintState.WAITING_PARTS and staff_may_see(actor, complaint):
        complaint_services.complaint_transition(
            actor=actor, complaint=complaint, action="resume", reason=f"{order.number}: parts arrived"
        )
    return order


@transaction.atomic
def transfer_receive_for_repairs(*, actor: Actor, transfer: Transfer) -> Transfer:
    """Receive a transfer at its outlet; a repair order waiting on it resumes once all its transfers are in.

    The order is locked before the transfer is received, so two parcels of one order taken
    in at once are counted one after the other and the last one resumes it.
    """
    order = None
    if transfer.holder.startswith("repair:"):
        order = (
            RepairOrder.objects.select_for_update(of=("self",))
            .filter(number=transfer.holder.removeprefix("repair:"))
            .first()
        )
    transfer = parts_services.transfer_receive(actor=actor, transfer=transfer)
    if (
        order is not None
        and order.state == State.WAITING_PARTS
        and all(
            t.state in (TransferState.RECEIVED, TransferState.CANCELLED)
            for t in transfers_for_holder(holder=order.holder)
        )
    ):
        repair_order_parts_arrived(actor=actor, order=order)
    return transfer
