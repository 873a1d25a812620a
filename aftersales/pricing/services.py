"""Publishing prices: each call adds a row in force from its date; earlier rows stay as history."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, ValidationFailed, problem
from aftersales.parts.models import Part
from aftersales.parts.selectors import device_model_get
from aftersales.pricing.models import Condition, RepairPrice, TradeInPrice


def _amount(value: Decimal, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value != round(value, 2):
        raise ValidationFailed({field: problem("price_invalid")})
    return value


@transaction.atomic
def repair_price_publish(
    *, actor: Actor, part: Part, parts_price: Decimal, labour_price: Decimal, effective_from: date
) -> RepairPrice:
    """The price of replacing `part` from `effective_from` on (yuan, two decimals, >= 0).

    A second price for the same part and day: 409 `price_exists` on `effective_from`.
    """
    _amount(parts_price, "parts_price")
    _amount(labour_price, "labour_price")
    if RepairPrice.objects.filter(part=part, effective_from=effective_from).exists():
        raise FieldConflict({"effective_from": problem("price_exists", date=effective_from.isoformat())})
    return RepairPrice.objects.create(
        model=part.model,
        part=part,
        parts_price=parts_price,
        labour_price=labour_price,
        effective_from=effective_from,
        created_at=clock.now(),
        actor=actor.ref,
    )


@transaction.atomic
def trade_in_price_publish(
    *, actor: Actor, model_code: str, condition: str, price: Decimal, effective_from: date
) -> TradeInPrice:
    """What a used `model_code` handset in `condition` is worth from `effective_from` on."""
    model = device_model_get(code=model_code)
    if condition not in Condition.values:
        raise ValidationFailed(
            {"condition": problem("condition_unknown", allowed=", ".join(Condition.values))}
        )
    _amount(price, "price")
    if TradeInPrice.objects.filter(model=model, condition=condition, effective_from=effective_from).exists():
        raise FieldConflict({"effective_from": problem("price_exists", date=effective_from.isoformat())})
    return TradeInPrice.objects.create(
        model=model,
        condition=condition,
        price=price,
        effective_from=effective_from,
        created_at=clock.now(),
        actor=actor.ref,
    )
