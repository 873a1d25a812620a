from datetime import date

from django.db import IntegrityError, transaction

from aftersales.accounts.models import Customer
from aftersales.common import clock
from aftersales.common.models import fill_missing
from aftersales.devices.models import Device
from aftersales.warranty.rules import rules_on, warranty_last_day


def warranty_end(purchase_date: date, *, on: date | None = None) -> date:
    """The last day of the warranty of a device bought on `purchase_date`, as the warranty rules
    in force on `on` (default: today) read it: the last day of the 24th month under the default
    pack (policy pack `warranty_rules`, warranty/rules.py `warranty_last_day`), so the date stored
    on the device is the one a warranty decision reaches (2024-03-02 -> 2026-03-01)."""
    day = on if on is not None else clock.localdate(clock.now())
    return warranty_last_day(purchase_date, rules=rules_on(day))


def device_register(
    *,
    imei: str,
    customer: Customer,
    model_name: str = "",
    purchase_date: date | None = None,
    purchase_channel: str = "",
) -> Device:
    """The device with this IMEI, created for `customer` if new; missing facts are filled in.

    Two first reports of one IMEI at the same moment make one device: the loser of the
    insert race re-reads the winner's row.
    """
    device = Device.objects.filter(imei=imei).first()
    if device is None:
        try:
            with transaction.atomic():
                return Device.objects.create(
                    imei=imei,
                    customer=customer,
                    model_name=model_name,
                    purchase_date=purchase_date,
                    purchase_channel=purchase_channel,
                    warranty_ends_on=warranty_end(purchase_date) if purchase_date else None,
                )
        except IntegrityError:
            device = Device.objects.get(imei=imei)
    if device.customer_id != customer.pk:
        # Someone else's device (or someone who knows its IMEI): what they say of it is not
        # written onto the owner's record.
        return device
    changed = fill_missing(
        device,
        {"model_name": model_name, "purchase_date": purchase_date, "purchase_channel": purchase_channel},
    )
    if "purchase_date" in changed and purchase_date:
        device.warranty_ends_on = warranty_end(purchase_date)
        changed.append("warranty_ends_on")
    if changed:
        device.save(update_fields=changed)
    return device
