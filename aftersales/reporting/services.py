"""Stored aggregates: the outlet KPI report of seed 四(四). Reads other apps' rows, writes only its own."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count

from aftersales.common import clock
from aftersales.policy.pack import current_pack
from aftersales.repairs.models import RepairOrder
from aftersales.reporting.models import OutletKpiReport


def period_before(today: date, period: str) -> tuple[date, date]:
    """The last complete period before `today`: (first day, first day after). `period`: month | week."""
    if period == "week":
        start_this = today - timedelta(days=today.weekday())
        return start_this - timedelta(days=7), start_this
    first_this = today.replace(day=1)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    return first_last, first_this


def outlet_kpi_report_build(*, period_start: date, period_end: date, now: datetime | None = None) -> int:
    """(Re)build every outlet's report for [period_start, period_end); returns the number of outlets.

    Days are the platform's local days. An outlet with no order in the period gets no row.
    """
    from django.utils import timezone

    now = now or clock.now()
    zone = timezone.get_current_timezone()
    start = datetime.combine(period_start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(period_end, datetime.min.time(), tzinfo=zone)
    opened = dict(
        RepairOrder.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("outlet_id")
        .annotate(n=Count("pk"))
        .values_list("outlet_id", "n")
    )
    completed: dict[int, list[tuple[datetime, datetime | None, int | None]]] = {}
    for outlet_id, created, done, score in RepairOrder.objects.filter(
        completed_at__gte=start, completed_at__lt=end
    ).values_list("outlet_id", "created_at", "completed_at", "complaint__satisfaction_score"):
        completed.setdefault(outlet_id, []).append((created, done, score))
    outlets = sorted(set(opened) | set(completed))
    with transaction.atomic():
        for outlet_id in outlets:
            done_rows = completed.get(outlet_id, [])
            hours = [
                (done - created).total_seconds() / 3600 for created, done, _ in done_rows if done is not None
            ]
            scores = [score for _, _, score in done_rows if score is not None]
            OutletKpiReport.objects.update_or_create(
                outlet_id=outlet_id,
                period_start=period_start,
                period_end=period_end,
                defaults={
                    "repair_orders_opened": opened.get(outlet_id, 0),
                    "repair_orders_completed": len(done_rows),
                    "mean_turnaround_hours": round(sum(hours) / len(hours), 2) if hours else None,
                    "satisfaction_count": len(scores),
                    "satisfaction_mean": round(sum(scores) / len(scores), 3) if scores else None,
                    "built_at": now,
                },
            )
    return len(outlets)


def outlet_kpi_report_due(*, now: datetime | None = None) -> int:
    """Build the last complete period's reports (the pack's `outlet_kpi_period`); reruns refresh them."""
    now = now or clock.now()
    start, end = period_before(clock.localdate(now), current_pack().privacy.archive_jobs.outlet_kpi_period)
    return outlet_kpi_report_build(period_start=start, period_end=end, now=now)
