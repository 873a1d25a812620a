from celery import shared_task

from aftersales.notifications.services import notify_customer, notify_owner


@shared_task(name="notifications.notify_owner", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_owner_task(complaint_id: int, reason: str) -> None:
    notify_owner(complaint_id=complaint_id, reason=reason)


@shared_task(
    name="notifications.notify_customer", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def notify_customer_task(complaint_id: int, reason: str) -> None:
    notify_customer(complaint_id=complaint_id, reason=reason)
