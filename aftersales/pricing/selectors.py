"""The prices in force on a date, for quotes and for the public price pages."""

from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.db.models import Q

from aftersales.common.errors import ValidationFailed, problem
from aftersales.parts.models import DeviceModel, Part
from aftersales.parts.selectors import device_model_get
from aftersales.pricing.models import Condition, RepairPrice, TradeInPrice


def prices_in_force(*, parts: Iterable[Part], on: date) -> dict[int, RepairPrice]:
    """The price in force on `on` for each part that has one, by part id (one query)."""
    ids = {p.pk for p in parts}
    latest: dict[int, RepairPrice] = {}
    for row in RepairPrice.objects.filter(part_id__in=ids, effective_from__lte=on).order_by("effective_from"):
        latest[row.part_id] = row
    return latest


class PublicPrice(TypedDict):
    part: str
    component: str
    name: str
    parts_price: str
    labour_price: str
    total: str
    effective_from: date


def prices_public(*, model_code: str, on: date) -> list[PublicPrice]:
    """A model's repair price list in force on `on`, by part number. 422 `model_unknown` on `model`."""
    model = device_model_get(code=model_code)
    parts = list(model.parts.order_by("number"))
    prices = prices_in_force(parts=parts, on=on)
    return [
        PublicPrice(
            part=part.number,
            component=part.component,
            name=part.name,
            parts_price=f"{price.parts_price:.2f}",
            labour_price=f"{price.labour_price:.2f}",
            total=f"{price.parts_price + price.labour_price:.2f}",
            effective_from=price.effective_from,
        )
        for part in parts
        if (price := prices.get(part.pk)) is not None
    ]


class PublicTradeIn(TypedDict):
    model: str
    condition: str
    price: str
    effective_from: date


def trade_in_public(*, model_code: str, condition: str | None, on: date) -> list[PublicTradeIn]:
    """A model's trade-in prices in force on `on`, per condition grade (or the one asked)."""
    model = device_model_get(code=model_code)
    if condition is not None and condition not in Condition.values:
        raise ValidationFailed(
            {"condition": problem("condition_unknown", allowed=", ".join(Condition.values))}
        )
    rows = TradeInPrice.objects.filter(model=model, effective_from__lte=on)
    if condition is not None:
        rows = rows.filter(condition=condition)
    latest: dict[str, TradeInPrice] = {}
    for row in rows.order_by("effective_from"):
        latest[row.condition] = row
    return [
        PublicTradeIn(
            model=model.code,
            condition=grade,
            price=f"{in_force.price:.2f}",
            effective_from=in_force.effective_from,
        )
        for grade in Condition.values
        if (in_force := latest.get(grade)) is not None
    ]


def models_with_prices(*, on: date) -> list[tuple[str, str]]:
    """(code, name) of every device model with a repair or trade-in price in force on `on`, by code."""
    priced = RepairPrice.objects.filter(effective_from__lte=on).values("model_id")
    traded = TradeInPrice.objects.filter(effective_from__lte=on).values("model_id")
    return list(
        DeviceModel.objects.filter(Q(pk__in=priced) | Q(pk__in=traded))
        .order_by("code")
        .values_list("code", "name")
    )
