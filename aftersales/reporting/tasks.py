from celery import shared_task

from aftersales.reporting.daily import RECENT_DAYS, complaint_figures_refresh
from aftersales.reporting.services import outlet_kpi_report_due


@shared_task(name="reporting.outlet_kpi_report")
def outlet_kpi_report_task() -> int:
    """Beat: the outlet KPI reports of the last complete period (seed 四(四)); returns outlets reported."""
    return outlet_kpi_report_due()


@shared_task(name="reporting.complaint_figures")
def complaint_figures_task(days: int | None = RECENT_DAYS) -> int:
    """Beat: the dashboard's complaint figures of the last `days` days (None: all); returns days refreshed."""
    return complaint_figures_refresh(days=days)
