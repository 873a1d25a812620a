"""Repair orders of a customer's complaints, for the privacy services (accounts/privacy/registry.py).

Erasure blanks what staff wrote in words (diagnosis, check notes, the reason an order was closed),
which may name or describe the customer; the structured record stays (checks' results, work items,
warranty decisions, prices, dates), so outlet statistics and warranty counts do not change.
"""

from datetime import datetime

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
)
from aftersales.repairs.models import DeviceCheck, RepairOrder


def _export(*, subject: DataSubject) -> ExportSections:
    orders = RepairOrder.objects.filter(complaint_id__in=subject.complaint_ids).select_related(
        "outlet", "complaint"
    )
    return {
        "repair_orders": [
            {
                "number": order.number,
                "complaint": order.complaint.number,
                "outlet": order.outlet.code,
                "state": order.state,
                "diagnosis": order.diagnosis,
                "quote_total": str(order.quote_total) if order.quote_total is not None else None,
                "created_at": order.created_at,
                "completed_at": order.completed_at,
                "returned_at": order.returned_at,
            }
            for order in orders.order_by("pk")
        ]
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    orders = RepairOrder.objects.filter(complaint_id__in=subject.complaint_ids)
    notes = DeviceCheck.objects.filter(order__in=orders).exclude(note="").update(note="")
    count = orders.update(diagnosis="", closed_reason="")
    return {"repair_orders": count, "check_notes": notes}


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="repairs", export=_export, erase=_erase))
