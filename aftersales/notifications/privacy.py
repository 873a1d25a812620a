"""Notifications sent to a customer, for the privacy services (accounts/privacy/registry.py).

Erasure blanks their subject and body and keeps the rows (who, when, why: counts stay right),
and cancels the customer's outbox rows still waiting (they hold no address or text, but
nothing more may be sent to an erased customer); retention deletes notification and outbox
rows older than the pack's `notifications` period once they are settled.
"""

from datetime import datetime

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
    retention_purger_register,
)
from aftersales.notifications.models import Notification, OutboxMessage


def _export(*, subject: DataSubject) -> ExportSections:
    rows = (
        Notification.objects.filter(recipient=f"customer:{subject.customer_id}")
        .order_by("created_at", "pk")
        .values("channel", "reason", "subject", "body", "created_at", "sent_at")
    )
    queued = (
        OutboxMessage.objects.filter(recipient=f"customer:{subject.customer_id}")
        .order_by("created_at", "pk")
        .values("channel", "reason", "state", "created_at", "sent_at")
    )
    return {"notifications": list(rows), "outbound_messages": list(queued)}


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    blanked = Notification.objects.filter(recipient=f"customer:{subject.customer_id}").update(
        subject="", body=""
    )
    cancelled = OutboxMessage.objects.filter(
        recipient=f"customer:{subject.customer_id}", state=OutboxMessage.State.QUEUED
    ).update(state=OutboxMessage.State.CANCELLED, last_error="the customer was erased")
    return {"notifications": blanked, "outbound_messages_cancelled": cancelled}


def purge_notifications(*, cutoff: datetime, now: datetime) -> int:
    """Notifications created before `cutoff` that were sent (unsent ones wait for their worker),
    and outbox rows of that age that were sent, failed or cancelled."""
    deleted, _ = Notification.objects.filter(created_at__lt=cutoff, sent_at__isnull=False).delete()
    settled = [OutboxMessage.State.SENT, OutboxMessage.State.FAILED, OutboxMessage.State.CANCELLED]
    purged, _ = OutboxMessage.objects.filter(created_at__lt=cutoff, state__in=settled).delete()
    return deleted + purged


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="notifications", export=_export, erase=_erase))
    retention_purger_register("notifications", purge_notifications)
