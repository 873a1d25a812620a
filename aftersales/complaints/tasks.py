from celery import shared_task

from aftersales.complaints.services import complaint_sweep_deadlines


@shared_task(name="complaints.sweep_deadlines")
def sweep_deadlines_task() -> int:
    """Run by beat every SLA_SWEEP_SECONDS: escalations and archiving happen with no request arriving."""
    return complaint_sweep_deadlines()
