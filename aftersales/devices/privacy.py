"""A customer's devices, for the privacy services (accounts/privacy/registry.py).

The device record stays (a handset's IMEI, model and warranty end belong to the handset, which may
change hands, and warranty statistics count it); erasure blanks where the customer bought it.
"""

from datetime import datetime

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
)
from aftersales.devices.models import Device


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "devices": list(
            Device.objects.filter(customer_id=subject.customer_id)
            .order_by("pk")
            .values("imei", "model_name", "purchase_date", "purchase_channel", "warranty_ends_on")
        )
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    return {"devices": Device.objects.filter(customer_id=subject.customer_id).update(purchase_channel="")}


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="devices", export=_export, erase=_erase))
