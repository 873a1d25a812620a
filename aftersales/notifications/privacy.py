"""Notifications sent to a customer, for the privacy services (accounts/privacy/registry.py).

Erasure blanks their subject and body and keeps the rows (who, when, why: counts stay right);
retention deletes rows older than the pack's `notifications` period.
"""

from datetime import datetime

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
    retention_purger_register,
)
from aftersales.notifications.models import Notification


def _export(*, subject: DataSubject) -> ExportSections:
    rows = (
        Notification.objects.filter(recipient=f"customer:{subject.customer_id}")
        .order_by("created_at", "pk")
        .values("channel", "reason", "subject", "body", "created_at", "sent_at")
    )
    return {"notifications": list(rows)}


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    blanked = Notification.objects.filter(recipient=f"customer:{subject.customer_id}").update(
        subject="", body=""
    )
    return {"notifications": blanked}


def purge_notifications(*, cutoff: datetime, now: datetime) -> int:
    """Notifications created before `cutoff` that were sent (unsent ones wait for their worker)."""
    deleted, _ = Notification.objects.filter(created_at__lt=cutoff, sent_at__isnull=False).delete()
    return deleted


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="notifications", export=_export, erase=_erase))
    retention_purger_register("notifications", purge_notifications)
