"""What complaints hold about a customer (subjects, message bodies, the search index) for the
privacy services (accounts/privacy/registry.py): export, erasure, nothing else.

Timeline events and ledger entries are kept as they are: they hold references and hashes only, so
the evidence ledger still verifies after erasure; each complaint gets an `erasure` event instead.
"""

import secrets
from datetime import datetime

from aftersales.accounts.actors import SYSTEM
from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
)
from aftersales.complaints import events
from aftersales.complaints.models import Complaint, Message
from aftersales.complaints.search import search_index_refresh


def _export(*, subject: DataSubject) -> ExportSections:
    complaints = (
        Complaint.objects.filter(pk__in=subject.complaint_ids).select_related("device").order_by("pk")
    )
    # Internal notes are staff's working notes, not part of the customer's copy (docs/privacy.md).
    messages = (
        Message.objects.filter(complaint_id__in=subject.complaint_ids, erased_at__isnull=True)
        .exclude(direction=Message.Direction.NOTE)
        .order_by("complaint_id", "created_at", "pk")
        .values_list("complaint__number", "direction", "channel", "body", "created_at")
    )
    return {
        "complaints": [
            {
                "number": complaint.number,
                "channel": complaint.channel,
                "subject": complaint.subject,
                "category": complaint.category,
                "state": complaint.state,
                "city": complaint.city,
                "device_imei": complaint.device.imei if complaint.device else None,
                "created_at": complaint.created_at,
                "resolved_at": complaint.resolved_at,
                "satisfaction_score": complaint.satisfaction_score,
            }
            for complaint in complaints
        ],
        "messages": [
            {"complaint": number, "direction": direction, "channel": channel, "text": body, "at": at}
            for number, direction, channel, body, at in messages
        ],
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    """Blank every message body and subject of the customer's complaints, void their tracking links,
    re-index what is left and write an `erasure` event on each timeline (rows locked in id order)."""
    total_messages = 0
    complaints = list(
        Complaint.objects.select_for_update().filter(pk__in=subject.complaint_ids).order_by("pk")
    )
    for complaint in complaints:
        erased = Message.objects.filter(complaint=complaint, erased_at__isnull=True).update(
            body="", erased_at=at
        )
        total_messages += erased
        complaint.subject = ""
        # A new salt: tracking links sent before no longer open the complaint.
        complaint.tracking_salt = secrets.token_hex(8)
        events.erasure_event(
            complaint=complaint, actor=SYSTEM, at=at, request_id=request_id, erased={"messages": erased}
        )
        complaint.save(update_fields=["subject", "tracking_salt", "event_count"])
    search_index_refresh(complaint_ids=[complaint.pk for complaint in complaints])
    return {"complaints": len(complaints), "messages": total_messages}


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="complaints", export=_export, erase=_erase))
