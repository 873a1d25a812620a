"""Reads of warranty status: what anyone holding a device's IMEI may learn of its warranty."""

from datetime import date
from typing import TypedDict

from aftersales.common.errors import ValidationFailed, problem
from aftersales.devices.imei import valid_imei
from aftersales.devices.models import Device
from aftersales.warranty.rules import rules_on, warranty_last_day

# Longer than any IMEI however it is labelled and grouped ("IMEI1：35 209900 000777 9").
MAX_IMEI_INPUT = 64

IN_WARRANTY = "in_warranty"
EXPIRED = "expired"
UNKNOWN_DEVICE = "unknown_device"
PURCHASE_UNKNOWN = "purchase_date_unknown"
STATUSES = (IN_WARRANTY, EXPIRED, UNKNOWN_DEVICE, PURCHASE_UNKNOWN)


class PublicWarranty(TypedDict):
    """The public warranty status of one IMEI. No owner, phone, purchase date or channel:
    `warranty_until` is the last covered day (in or out of warranty), None when unknown."""

    imei: str
    status: str
    model: str
    warranty_until: date | None
    months: int
    rules_from: date
    checked_on: date


def imei_read(raw: str) -> str:
    """The 15-digit IMEI in `raw` (the one IMEI reader, devices/imei.py: full-width digits,
    labels and printed groupings accepted); 422 `imei_invalid` on `imei` otherwise."""
    imei = valid_imei(raw) if len(raw) <= MAX_IMEI_INPUT else None
    if imei is None:
        raise ValidationFailed({"imei": problem("imei_invalid")})
    return imei


def warranty_status_public(*, imei: str, on: date) -> PublicWarranty:
    """The warranty status on `on` of the device with this 15-digit IMEI (one query).

    Read like a warranty decision made that day: the rules in force on `on` (policy pack
    `warranty_rules`), covered from the purchase date to the last day of the
    `months_from_purchase`-th month inclusive (warranty/rules.py `warranty_last_day`).
    """
    rules = rules_on(on)
    row = Device.objects.filter(imei=imei).values_list("model_name", "purchase_date").first()
    answer = PublicWarranty(
        imei=imei,
        status=UNKNOWN_DEVICE,
        model="",
        warranty_until=None,
        months=rules.months_from_purchase,
        rules_from=rules.effective_from,
        checked_on=on,
    )
    if row is None:
        return answer
    model, purchase = row
    answer["model"] = model
    if purchase is None:
        answer["status"] = PURCHASE_UNKNOWN
        return answer
    last_day = warranty_last_day(purchase, rules=rules)
    answer["warranty_until"] = last_day
    answer["status"] = IN_WARRANTY if purchase <= on <= last_day else EXPIRED
    return answer
