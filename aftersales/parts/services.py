"""Stock movements: receive, reserve, consume, release.

Each movement is one conditional UPDATE on the stock row (`reserved + n <= on_hand`), so
two repairs racing for the last part cannot both get it: the database decides, the loser
gets 409 `part_out_of_stock` naming the part, and whatever the loser had already reserved in
the same call is rolled back with it. Rows are touched in part-number order so that two
multi-part reservations never wait on each other in a cycle.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, ValidationFailed, problem
from aftersales.parts.models import Location, Reservation, Stock
from aftersales.parts.selectors import parts_by_number


def _positive(quantity: int, field: str) -> int:
    if type(quantity) is not int or quantity <= 0:
        raise ValidationFailed({field: problem("quantity_not_positive")})
    return quantity


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
) -> list[Reservation]:
    """Promise the parts of `lines` ((part number, quantity) pairs) at outlet `location_code` to `holder`.

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
            location_kind=Location.OUTLET, location_code=location_code, part=parts[number]
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
    return Reservation.objects.bulk_create(reservations)


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
    return held
