from celery import shared_task

from aftersales.reporting.services import outlet_kpi_report_due


@shared_task(name="reporting.outlet_kpi_report")
def outlet_kpi_report_task() -> int:
    """Beat: the outlet KPI reports of the last complete period (seed 四(四)); returns outlets reported."""
    return outlet_kpi_report_due()
