"""Stock movements (receive, reserve, consume, release), transfer orders, low-stock alerts and
emergency modes.

Each movement is one conditional UPDATE on the stock row (`reserved + n <= on_hand`), so
two repairs racing for the last part cannot both get it: the database decides, the loser
gets 409 `part_out_of_stock` naming the part, and whatever the loser had already reserved in
the same call is rolled back with it. Rows are touched in part-number order so that two
multi-part reservations never wait on each other in a cycle.
"""

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, FieldProblem, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.network.models import Outlet, outlet_team
from aftersales.parts.models import (
    Component,
    Depot,
    DeviceModel,
    EmergencyMode,
    Location,
    LowStockAlert,
    Part,
    Reservation,
    Stock,
    Transfer,
)
from aftersales.parts.selectors import parts_by_number
from aftersales.parts.status import TransferState, transfer_allowed_actions, transfer_move_for


def _positive(quantity: int, field: str) -> int:
    if type(quantity) is not int or quantity <= 0:
        raise ValidationFailed({field: problem("quantity_not_positive")})
    return quantity


def _text_trouble(text: str, limit: int) -> FieldProblem | None:
    if not text.strip():
        return problem("required")
    if len(text) > limit:
        return problem("text_too_long", limit=limit, length=len(text))
    return text_problem(text)


def _location(kind: str) -> str:
    if kind not in Location.values:
        raise ValidationFailed({"location_kind": problem("invalid_value", detail=", ".join(Location.values))})
    return kind


@transaction.atomic
def stock_receive(
    *, actor: Actor, location_kind: str, location_code: str, part_number: str, quantity: int
) -> Stock:
    """`quantity` (> 0) of a part arrive at an outlet or depot. Returns the stock row after it."""
    _positive(quantity, "quantity")
    part = parts_by_number([part_number], field="part_number")[part_number]
    stock, _ = Stock.objects.get_or_create(
        location_kind=_location(location_kind), location_code=location_code, part=part
    )
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
    stock_check_low(stock_ids=[stock.pk], at=clock.now())
    stock.refresh_from_db()
    return stock


@transaction.atomic
def parts_reserve(
    *,
    actor: Actor,
    holder: str,
    location_code: str,
    lines: Sequence[tuple[str, int]],
    at: datetime | None = None,
    location_kind: str = Location.OUTLET,
) -> list[Reservation]:
    """Promise the parts of `lines` ((part number, quantity) pairs) at `location_code` to `holder`.

    The location is an outlet unless `location_kind` says depot (a region in emergency mode
    is served from its depot; a transfer promises its parts at its source).

    All or nothing. Errors: 422 `part_unknown` / `quantity_not_positive` on `lines.<i>`;
    409 `part_out_of_stock` on `lines.<i>` when the outlet has fewer than asked.
    """
    moment = at or clock.now()
    wanted: dict[str, int] = {}
    for index, (number, quantity) in enumerate(lines):
        _positive(quantity, f"lines.{index}.quantity")
        wanted[number] = wanted.get(number, 0) + quantity
    index_of = {number: index for index, (number, _) in reversed(list(enumerate(lines)))}
    parts = parts_by_number(list(wanted), field={n: f"lines.{i}.part" for n, i in index_of.items()})
    reservations = []
    for number in sorted(wanted):
        quantity = wanted[number]
        stock = Stock.objects.filter(
            location_kind=_location(location_kind), location_code=location_code, part=parts[number]
        ).first()
        taken = (
            stock is not None
            and Stock.objects.filter(pk=stock.pk, on_hand__gte=F("reserved") + quantity).update(
                reserved=F("reserved") + quantity
            )
            == 1
        )
        if not taken or stock is None:
            available = 0
            if stock is not None:
                stock.refresh_from_db()
                available = stock.available
            raise FieldConflict(
                {
                    f"lines.{index_of[number]}.part": problem(
                        "part_out_of_stock",
                        part=number,
                        outlet=location_code,
                        available=available,
                        wanted=quantity,
                    )
                },
                code="part_out_of_stock",
            )
        reservations.append(
            Reservation(stock=stock, holder=holder, quantity=quantity, created_at=moment, actor=actor.ref)
        )
    created = Reservation.objects.bulk_create(reservations)
    stock_check_low(stock_ids=[r.stock_id for r in created], at=moment)
    return created


def _held(holder: str) -> list[Reservation]:
    return list(
        Reservation.objects.select_for_update()
        .filter(holder=holder, state=Reservation.State.RESERVED)
        .select_related("stock__part")
        .order_by("stock__part__number", "pk")
    )


@transaction.atomic
def parts_consume(
    *, actor: Actor, holder: str, part_numbers: Sequence[str] | None = None, at: datetime | None = None
) -> list[Reservation]:
    """The holder's reserved parts were fitted: they leave the shelf. Returns the consumed reservations.

    `part_numbers` names the parts used (all reserved ones when None); reserved parts not
    named are released. A part named that was never reserved for the holder: 409
    `part_not_reserved` on `parts_used.<i>`, nothing changed.
    """
    moment = at or clock.now()
    held = _held(holder)
    reserved_numbers = {r.stock.part.number for r in held}
    used = reserved_numbers if part_numbers is None else set(part_numbers)
    for index, number in enumerate(part_numbers or ()):
        if number not in reserved_numbers:
            parts_by_number([number], field=f"parts_used.{index}")  # unknown: 422 part_unknown
            raise FieldConflict(
                {f"parts_used.{index}": problem("part_not_reserved", part=number)}, code="part_not_reserved"
            )
    consumed = []
    for reservation in held:
        if reservation.stock.part.number in used:
            Stock.objects.filter(pk=reservation.stock_id).update(
                on_hand=F("on_hand") - reservation.quantity, reserved=F("reserved") - reservation.quantity
            )
            reservation.state = Reservation.State.CONSUMED
            consumed.append(reservation)
        else:
            Stock.objects.filter(pk=reservation.stock_id).update(
                reserved=F("reserved") - reservation.quantity
            )
            reservation.state = Reservation.State.RELEASED
        reservation.closed_at = moment
        reservation.save(update_fields=["state", "closed_at"])
    stock_check_low(stock_ids=[r.stock_id for r in held], at=moment)
    return consumed


@transaction.atomic
def parts_release(*, actor: Actor, holder: str, at: datetime | None = None) -> list[Reservation]:
    """Give back everything reserved for `holder` (a cancelled or refused repair). Returns what was released."""
    moment = at or clock.now()
    held = _held(holder)
    for reservation in held:
        Stock.objects.filter(pk=reservation.stock_id).update(reserved=F("reserved") - reservation.quantity)
        reservation.state = Reservation.State.RELEASED
        reservation.closed_at = moment
        reservation.save(update_fields=["state", "closed_at"])
    stock_check_low(stock_ids=[r.stock_id for r in held], at=moment)
    return held


# --- low-stock alerts ------------------------------------------------------------------------------


def stock_check_low(*, stock_ids: Iterable[int], at: datetime) -> list[LowStockAlert]:
    """Raise an outlet's alert for each stock row whose free count crossed down to its part's threshold.

    Called in the transaction of every movement. An alert is raised once per crossing: the
    row's `low_since` is set by a conditional UPDATE (only the movement that finds it empty
    wins, whatever races with it), and cleared when the free count climbs above the
    threshold again, which re-arms it. The outlet's team is told in the app through a
    notification row written in the same transaction. Depots are not alerted here.
    """
    raised = []
    rows = (
        Stock.objects.filter(pk__in=set(stock_ids), location_kind=Location.OUTLET)
        .select_related("part")
        .order_by("pk")
    )
    for stock in rows:
        threshold = stock.part.low_stock_threshold
        if stock.available <= threshold and stock.low_since is None:
            if Stock.objects.filter(pk=stock.pk, low_since__isnull=True).update(low_since=at) == 1:
                raised.append(_raise_alert(stock, threshold, at))
        elif (
            stock.available > threshold
            and stock.low_since is not None
            and Stock.objects.filter(pk=stock.pk, low_since__isnull=False).update(low_since=None) == 1
        ):
            LowStockAlert.objects.filter(stock=stock, cleared_at__isnull=True).update(cleared_at=at)
    return raised


def _raise_alert(stock: Stock, threshold: int, at: datetime) -> LowStockAlert:
    from aftersales.notifications.models import Notification
    from aftersales.notifications.services import notification_record_and_send

    alert = LowStockAlert.objects.create(
        stock=stock,
        location_code=stock.location_code,
        part_number=stock.part.number,
        available=stock.available,
        threshold=threshold,
        raised_at=at,
    )
    # In the app only: the row is the delivery, so it is written with the movement.
    notification_record_and_send(
        recipient=f"team:{outlet_team(stock.location_code)}",
        channel=Notification.Channel.IN_APP,
        reason="low_stock",
        subject=f"低库存 Low stock: {stock.part.number} @ {stock.location_code}",
        body=(
            f"配件 {stock.part.number} 可用 {stock.available} 件(阈值 {threshold})。"
            f" Part {stock.part.number}: {stock.available} free (threshold {threshold})."
        ),
        complaint_id=None,
    )
    return alert


# --- transfer orders ---------------------------------------------------------------------------------

# A shipment between two outlets usually arrives within this many hours (depots carry their own).
OUTLET_TRANSFER_HOURS = 12
MAX_TRANSFER_QUANTITY = 500


def _transfer_number(at: datetime) -> str:
    return f"TR{clock.localdate(at):%Y%m%d}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def transfer_request(
    *,
    actor: Actor,
    part_number: str,
    quantity: int,
    source_kind: str,
    source_code: str,
    destination_code: str,
    expected_arrival: datetime | None = None,
    holder: str = "",
) -> Transfer:
    """Ask for `quantity` of a part to move from a depot or an outlet to outlet `destination_code`.

    The parts are promised at the source at once (all or nothing, like a repair's
    reservation), so two requests cannot both count on the last one. `expected_arrival`
    defaults to now plus the depot's `transit_hours` (or OUTLET_TRANSFER_HOURS between
    outlets). Errors: 422 `part_unknown` on `part`, `quantity_not_positive` / `value_too_large`
    on `quantity`, `outlet_unknown` / `depot_unknown` on `source` / `destination`,
    `transfer_to_itself` on `destination`, `date_in_past` on `expected_arrival`; 409
    `part_out_of_stock` on `part` when the source lacks them.
    """
    now = clock.now()
    _positive(quantity, "quantity")
    if quantity > MAX_TRANSFER_QUANTITY:
        raise ValidationFailed({"quantity": problem("value_too_large", limit=MAX_TRANSFER_QUANTITY)})
    part = parts_by_number([part_number], field="part")[part_number]
    _location(source_kind)
    if source_kind == Location.DEPOT:
        depot = Depot.objects.filter(code=source_code).first()
        if depot is None:
            raise ValidationFailed({"source": problem("depot_unknown", depot=source_code)})
        transit = timedelta(hours=depot.transit_hours)
    else:
        if not Outlet.objects.filter(code=source_code).exists():
            raise ValidationFailed({"source": problem("outlet_unknown", outlet=source_code)})
        transit = timedelta(hours=OUTLET_TRANSFER_HOURS)
    if not Outlet.objects.filter(code=destination_code).exists():
        raise ValidationFailed({"destination": problem("outlet_unknown", outlet=destination_code)})
    if source_kind == Location.OUTLET and source_code == destination_code:
        raise ValidationFailed({"destination": problem("transfer_to_itself")})
    if expected_arrival is not None and expected_arrival <= now:
        raise ValidationFailed({"expected_arrival": problem("date_in_past")})
    transfer = Transfer(
        number=_transfer_number(now),
        part=part,
        quantity=quantity,
        source_kind=source_kind,
        source_code=source_code,
        destination_code=destination_code,
        state=TransferState.REQUESTED,
        expected_arrival=expected_arrival or now + transit,
        holder=holder,
        requested_at=now,
        requested_by=actor.ref,
    )
    try:
        parts_reserve(
            actor=actor,
            holder=transfer.holder_ref,
            location_code=source_code,
            location_kind=source_kind,
            lines=[(part.number, quantity)],
            at=now,
        )
    except FieldConflict as shortage:
        issue = next(iter(shortage.fields.values()))
        raise FieldConflict({"part": issue}, code=shortage.code) from shortage
    transfer.save(force_insert=True)
    return transfer


def _transfer_lock(transfer: Transfer, action: str) -> Transfer:
    locked = Transfer.objects.select_for_update(of=("self",)).select_related("part").get(pk=transfer.pk)
    if transfer_move_for(locked.state, action) is None:
        raise FieldConflict(
            {
                "state": problem(
                    "transfer_transition_not_allowed",
                    action=action,
                    number=locked.number,
                    state=locked.state,
                    allowed=", ".join(transfer_allowed_actions(locked.state)) or "-",
                )
            },
            code="transfer_transition_not_allowed",
        )
    return locked


@transaction.atomic
def transfer_ship(*, actor: Actor, transfer: Transfer) -> Transfer:
    """The source sends the parts: they leave its shelf (the promise is consumed). 409 unless requested."""
    transfer = _transfer_lock(transfer, "ship")
    now = clock.now()
    parts_consume(actor=actor, holder=transfer.holder_ref, at=now)
    transfer.state = TransferState.SHIPPED
    transfer.shipped_at = now
    transfer.shipped_by = actor.ref
    transfer.save(update_fields=["state", "shipped_at", "shipped_by"])
    return transfer


@transaction.atomic
def transfer_receive(*, actor: Actor, transfer: Transfer) -> Transfer:
    """The destination outlet takes the parts in: they go on its shelf. 409 unless shipped."""
    transfer = _transfer_lock(transfer, "receive")
    now = clock.now()
    stock, _ = Stock.objects.get_or_create(
        location_kind=Location.OUTLET, location_code=transfer.destination_code, part=transfer.part
    )
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + transfer.quantity)
    stock_check_low(stock_ids=[stock.pk], at=now)
    transfer.state = TransferState.RECEIVED
    transfer.received_at = now
    transfer.received_by = actor.ref
    transfer.save(update_fields=["state", "received_at", "received_by"])
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    """Withdraw a transfer not yet shipped: the source's promise is released. 409 once shipped."""
    trouble = _text_trouble(reason, 500)
    if trouble is not None:
        raise ValidationFailed({"reason": trouble})
    transfer = _transfer_lock(transfer, "cancel")
    now = clock.now()
    parts_release(actor=actor, holder=transfer.holder_ref, at=now)
    transfer.state = TransferState.CANCELLED
    transfer.cancelled_at = now
    transfer.cancelled_by = actor.ref
    transfer.reason = reason.strip()
    transfer.save(update_fields=["state", "cancelled_at", "cancelled_by", "reason"])
    return transfer


# --- emergency modes ---------------------------------------------------------------------------------


@transaction.atomic
def emergency_declare(
    *,
    actor: Actor,
    region_adcode: str,
    starts_at: datetime,
    ends_at: datetime | None,
    reason_zh: str,
    reason_en: str,
) -> EmergencyMode:
    """Serve a region's repairs from its depot between `starts_at` and `ends_at` (open-ended when None).

    Errors: 422 `region_invalid` on `region` (2-6 digits), `depot_missing` on `region` when
    no depot serves it, `period_reversed` on `ends_at`, `required`/text problems on the reasons.
    """
    region = region_adcode.strip()
    if not (region.isascii() and region.isdigit() and 2 <= len(region) <= 6):
        raise ValidationFailed({"region": problem("region_invalid")})
    if not any(
        region.startswith(d.region_adcode) or d.region_adcode.startswith(region) for d in Depot.objects.all()
    ):
        raise ValidationFailed({"region": problem("depot_missing", region=region)})
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed({"ends_at": problem("period_reversed")})
    problems = {}
    for name, text in (("reason_zh", reason_zh), ("reason_en", reason_en)):
        trouble = _text_trouble(text, 200)
        if trouble is not None:
            problems[name] = trouble
    if problems:
        raise ValidationFailed(problems)
    return EmergencyMode.objects.create(
        region_adcode=region,
        starts_at=starts_at,
        ends_at=ends_at,
        reason_zh=reason_zh.strip(),
        reason_en=reason_en.strip(),
        created_at=clock.now(),
        actor=actor.ref,
    )


def part_set_threshold(*, actor: Actor, part: Part, threshold: int) -> Part:
    """Change the low-stock threshold of a part (0-1000). Errors: 422 on `threshold`."""
    if type(threshold) is not int or not 0 <= threshold <= 1000:
        raise ValidationFailed({"threshold": problem("value_too_large", limit=1000)})
    part.low_stock_threshold = threshold
    part.save(update_fields=["low_stock_threshold"])
    return part


# --- catalogue and opening stock (imports, the demo) ---------------------------------------------------


@transaction.atomic
def device_model_add(
    *, actor: Actor, code: str, name: str, parts: Sequence[tuple[str, str, str]]
) -> DeviceModel:
    """Add a device model (or find it by `code`) with its original parts ((number, component, name)).

    Existing part numbers are left as they are. Errors: 422 `invalid_value` on
    `parts.<i>.component` for a component outside Component.
    """
    for index, (_number, component, _name) in enumerate(parts):
        if component not in Component.values:
            raise ValidationFailed(
                {f"parts.{index}.component": problem("invalid_value", detail=", ".join(Component.values))}
            )
    model, _ = DeviceModel.objects.get_or_create(code=code.strip().lower(), defaults={"name": name})
    known = set(Part.objects.filter(number__in=[p[0] for p in parts]).values_list("number", flat=True))
    Part.objects.bulk_create(
        [
            Part(number=number, model=model, component=component, name=part_name)
            for number, component, part_name in parts
            if number not in known
        ]
    )
    return model


@transaction.atomic
def stock_load(*, actor: Actor, rows: Sequence[tuple[str, str, Part, int]]) -> int:
    """Opening stock: (location kind, location code, part, quantity >= 0) rows for places holding none yet.

    One INSERT for all; rows whose stock row exists are skipped (use stock_receive to add).
    Returns how many rows were created. Low-stock states are set as they stand, without alerts.
    """
    now = clock.now()
    for index, (kind, _code, _part, quantity) in enumerate(rows):
        _location(kind)
        if type(quantity) is not int or quantity < 0:
            raise ValidationFailed({f"rows.{index}.quantity": problem("quantity_not_positive")})
    created = Stock.objects.bulk_create(
        [
            Stock(
                location_kind=kind,
                location_code=code,
                part=part,
                on_hand=quantity,
                low_since=now if kind == Location.OUTLET and quantity <= part.low_stock_threshold else None,
            )
            for kind, code, part, quantity in rows
        ],
        ignore_conflicts=True,
    )
    return len(created)


@transaction.atomic
def depot_add(
    *, actor: Actor, code: str, name: str, region_adcode: str, lat: float, lon: float, transit_hours: int = 24
) -> Depot:
    """Add a regional depot serving the outlets whose adcodes start with `region_adcode` (or find it by code).

    Errors: 422 `region_invalid` on `region`, `coordinate_invalid` on `lat` / `lon`,
    `value_too_large` on `transit_hours` (1-720).
    """
    region = region_adcode.strip()
    if not (region.isascii() and region.isdigit() and 2 <= len(region) <= 6):
        raise ValidationFailed({"region": problem("region_invalid")})
    if not -90 <= lat <= 90:
        raise ValidationFailed({"lat": problem("coordinate_invalid", low=-90, high=90)})
    if not -180 <= lon <= 180:
        raise ValidationFailed({"lon": problem("coordinate_invalid", low=-180, high=180)})
    if type(transit_hours) is not int or not 1 <= transit_hours <= 720:
        raise ValidationFailed({"transit_hours": problem("value_too_large", limit=720)})
    depot, _ = Depot.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "region_adcode": region,
            "lat": lat,
            "lon": lon,
            "transit_hours": transit_hours,
        },
    )
    return depot
