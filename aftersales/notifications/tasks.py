from celery import shared_task

from aftersales.notifications.services import care_guide_push_due, notify_customer, notify_owner


@shared_task(name="notifications.notify_owner", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_owner_task(complaint_id: int, reason: str) -> None:
    notify_owner(complaint_id=complaint_id, reason=reason)


@shared_task(
    name="notifications.notify_customer", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def notify_customer_task(complaint_id: int, reason: str) -> None:
    notify_customer(complaint_id=complaint_id, reason=reason)


@shared_task(name="notifications.care_guide_push")
def care_guide_push_task() -> int:
    """Beat, hourly: the care guides due (30 days after resolution by default); returns how many."""
    return len(care_guide_push_due())
