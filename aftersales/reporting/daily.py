"""Keep the complaint figures (reporting.ComplaintFigures) the dashboard sums.

Day rows are computed from the complaints with the dashboard's own measures
(reporting.dashboard.measures), month rows from the day rows. The beat refreshes the recent
days every ten minutes, the days in which complaints still change (answered, resolved, scored,
reopened); once a night it refreshes every day, so nothing older goes stale for long.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.reporting.dashboard import DIMENSIONS, GROUP_COLUMNS, Period, complaints_opened, measures
from aftersales.reporting.models import MEASURES, ComplaintFigures

# Days refreshed by the frequent beat: complaints opened longer ago rarely change (the demo
# pack archives a resolved complaint after 7 days; a reopening within 30 is still caught).
RECENT_DAYS = 40


def complaint_figures_refresh(*, now: datetime | None = None, days: int | None = RECENT_DAYS) -> int:
    """Recompute the figures of the last `days` local days up to today (None: since the first
    complaint) and of the months they touch; returns the number of days refreshed."""
    now = now or clock.now()
    today = clock.localdate(now)
    if days is None:
        first = Complaint.objects.aggregate(first=Min("created_at"))["first"]
        if first is None:
            return 0
        start = clock.localdate(first)
    else:
        start = today - timedelta(days=days - 1)
    period = Period(start, today)
    with transaction.atomic():
        _refresh_days(period, now)
        _refresh_months(period, now)
    return (today - start).days + 1


def _refresh_days(period: Period, now: datetime) -> None:
    since, until = period.bounds()
    zone = timezone.get_current_timezone()
    columns = measures(now)
    rows: list[ComplaintFigures] = []
    for dimension in DIMENSIONS:
        column = GROUP_COLUMNS[dimension]
        grouped = (
            complaints_opened(since, until, dimension=dimension)
            .annotate(day=TruncDate("created_at", tzinfo=zone))
            .order_by()
            .values("day", column)
            .annotate(**columns)
        )
        for row in grouped:
            value = row[column]
            rows.append(
                _figures_row(
                    span=ComplaintFigures.Span.DAY,
                    start=row["day"],
                    dimension=dimension,
                    value="" if value is None else str(value),
                    sums=row,
                    now=now,
                )
            )
    ComplaintFigures.objects.filter(
        span=ComplaintFigures.Span.DAY, start__gte=period.start, start__lte=period.end
    ).delete()
    ComplaintFigures.objects.bulk_create(rows, batch_size=2000)


def _refresh_months(period: Period, now: datetime) -> None:
    first = period.start.replace(day=1)
    after = (period.end.replace(day=28) + timedelta(days=4)).replace(day=1)
    days = ComplaintFigures.objects.filter(span=ComplaintFigures.Span.DAY, start__gte=first, start__lt=after)
    grouped = (
        days.annotate(month=TruncMonth("start"))
        .order_by()
        .values("month", "dimension", "value")
        .annotate(**{name: Sum(name) for name in MEASURES})
    )
    rows = [
        _figures_row(
            span=ComplaintFigures.Span.MONTH,
            start=_as_date(row["month"]),
            dimension=row["dimension"],
            value=row["value"],
            sums=row,
            now=now,
        )
        for row in grouped
    ]
    ComplaintFigures.objects.filter(
        span=ComplaintFigures.Span.MONTH, start__gte=first, start__lt=after
    ).delete()
    ComplaintFigures.objects.bulk_create(rows, batch_size=2000)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _figures_row(
    *, span: str, start: date, dimension: str, value: str, sums: dict[str, Any], now: datetime
) -> ComplaintFigures:
    return ComplaintFigures(
        span=span,
        start=start,
        dimension=dimension,
        value=value[:64],
        built_at=now,
        **{name: sums[name] or 0 for name in MEASURES},
    )
