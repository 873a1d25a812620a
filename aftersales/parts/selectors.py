"""Reads of device models, parts and stock."""

from django.db.models import QuerySet

from aftersales.common.errors import ValidationFailed, problem
from aftersales.parts.models import DeviceModel, Location, Part, Stock


def device_model_get(*, code: str, field: str = "model") -> DeviceModel:
    """The device model with this code; 422 `model_unknown` on `field` otherwise."""
    model = DeviceModel.objects.filter(code=code.strip().lower()).first()
    if model is None:
        raise ValidationFailed({field: problem("model_unknown", model=code)})
    return model


def parts_by_number(numbers: list[str], *, field: str | dict[str, str]) -> dict[str, Part]:
    """The parts with these numbers, by number, in one query.

    An unknown number: 422 `part_unknown` on `field` (or on the field `field` maps it to).
    """
    found = {p.number: p for p in Part.objects.filter(number__in=numbers).select_related("model")}
    unknown = [n for n in numbers if n not in found]
    if unknown:
        if isinstance(field, dict):
            raise ValidationFailed({field[n]: problem("part_unknown", part=n) for n in unknown})
        raise ValidationFailed({field: problem("part_unknown", part=unknown[0])})
    return found


def stock_at_outlet(*, outlet_code: str) -> QuerySet[Stock]:
    return (
        Stock.objects.filter(location_kind=Location.OUTLET, location_code=outlet_code)
        .select_related("part__model")
        .order_by("part__number")
    )


def device_models() -> QuerySet[DeviceModel]:
    """Every device model the brand services, by code (the choice when a repair order is opened)."""
    return DeviceModel.objects.order_by("code")


def parts_of_model(*, model_id: int) -> QuerySet[Part]:
    """The original parts of one device model, by part number (one query)."""
    return Part.objects.filter(model_id=model_id).order_by("number")
