from celery import shared_task

from aftersales.accounts.actors import SYSTEM
from aftersales.complaints.services import complaint_second_readings, complaint_sweep_deadlines


@shared_task(name="complaints.sweep_deadlines")
def sweep_deadlines_task() -> int:
    """Run by beat every SLA_SWEEP_SECONDS: escalations and archiving happen with no request arriving."""
    return complaint_sweep_deadlines()


@shared_task(name="complaints.second_readings")
def second_readings_task() -> int:
    """Run by beat every TRIAGE_SECOND_READING_SECONDS: the sentence encoder's reading of new complaints."""
    return complaint_second_readings(actor=SYSTEM)
