from datetime import date

from django.db import IntegrityError, transaction

from aftersales.accounts.models import Customer
from aftersales.common.models import fill_missing
from aftersales.devices.models import Device
from aftersales.policy.pack import current_pack


def warranty_end(purchase_date: date) -> date:
    """Purchase date plus the policy's warranty months (the last day of a short month if needed)."""
    months = current_pack().warranty_months
    year = purchase_date.year + (purchase_date.month - 1 + months) // 12
    month = (purchase_date.month - 1 + months) % 12 + 1
    for day in (purchase_date.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
