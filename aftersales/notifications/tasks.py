from celery import shared_task

from aftersales.notifications.outbox import outbox_drain
from aftersales.notifications.services import care_guide_push_due, customer_notify, owner_notify


@shared_task(name="notifications.outbox_drain", ignore_result=True)
def outbox_drain_task() -> int:
    """Beat, every OUTBOX_DRAIN_SECONDS, and once after a commit that queued a message.

    Owns no retry: a failed message waits in the outbox for its next attempt time, so a
    Celery retry or a second worker finds nothing left to claim. Returns how many it handled.
    """
    return outbox_drain(limit=100).handled


@shared_task(name="notifications.care_guide_push")
def care_guide_push_task() -> int:
    """Beat, hourly: queue the care guides due (30 days after resolution by default); returns how many."""
    return len(care_guide_push_due())


# Messages a broker may still hold from before the outbox: they queue their notice instead.
@shared_task(name="notifications.notify_owner")
def notify_owner_task(complaint_id: int, reason: str) -> None:
    from aftersales.complaints.models import Complaint

    complaint = Complaint.objects.select_related("owner").filter(pk=complaint_id).first()
    if complaint is not None:
        owner_notify(complaint=complaint, reason=reason)


@shared_task(name="notifications.notify_customer")
def notify_customer_task(complaint_id: int, reason: str) -> None:
    from aftersales.complaints.models import Complaint

    complaint = (
        Complaint.objects.select_related("customer", "contact_identity").filter(pk=complaint_id).first()
    )
    if complaint is not None:
        key = f"acknowledgement:{complaint_id}" if reason == "acknowledgement" else ""
        customer_notify(complaint=complaint, reason=reason, key=key)
