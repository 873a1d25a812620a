from django.db import models

from aftersales.network.models import Outlet


class OutletKpiReport(models.Model):
    """An outlet's figures for one period (seed 四(四): the archive stage's outlet KPI report).

    Built by the scheduler from repair orders and complaints (reporting.services); counts only,
    so erasing a customer's personal data never changes it.
    """

    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()  # exclusive
    repair_orders_opened = models.PositiveIntegerField(default=0)
    repair_orders_completed = models.PositiveIntegerField(default=0)
    # Mean hours from an order's opening to its completion, over the orders completed in the period.
    mean_turnaround_hours = models.FloatField(null=True, blank=True)
    # Satisfaction scores (1-5) of the complaints behind the orders completed in the period.
    satisfaction_count = models.PositiveIntegerField(default=0)
    satisfaction_mean = models.FloatField(null=True, blank=True)
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outlet", "period_start", "period_end"], name="outlet_kpi_period")
        ]
        ordering = ["-period_start", "outlet_id"]


# Lower edges, in hours, of the first-response histogram kept with the complaint figures: quarter
# hours up to 4 h, half hours up to 12 h, 2 h up to 48 h, 12 h up to a week, then one open bucket.
# The p90 read from it is exact to within half a bucket (reporting.dashboard).
RESPONSE_BUCKETS: tuple[float, ...] = (
    *(i * 0.25 for i in range(16)),
    *(4 + i * 0.5 for i in range(16)),
    *(12 + i * 2.0 for i in range(18)),
    *(48 + i * 12.0 for i in range(10)),
    168.0,
)
STAGE_NAMES = ("response", "level_response", "acceptance", "inspection", "processing", "resolution")
# The additive counts and sums of one group of complaints, as reporting.dashboard defines them.
MEASURES: tuple[str, ...] = (
    "complaints",
    "responded",
    "response_hours_sum",
    "finished",
    "resolved",
    "cycle_count",
    "cycle_hours_sum",
    "ever_resolved",
    "reopened",
    "rated",
    "satisfied",
    "score_sum",
    *(f"sla_{name}_{part}" for name in STAGE_NAMES for part in ("counted", "met")),
    *(f"response_bucket_{i:02d}" for i in range(len(RESPONSE_BUCKETS))),
)


class ComplaintFigures(models.Model):
    """The dashboard's measures of the complaints opened on one local day (or in one month) that
    share one value of one dimension (channel, category, city, outlet, level).

    Built from the complaints by reporting.daily (every few minutes for recent days, on demand
    for all of them); the dashboard sums these rows instead of reading a million complaints.
    Each dimension splits the same complaints, so the rows of any one dimension sum to the total.
    """

    class Span(models.TextChoices):
        DAY = "day", "日 Day"
        MONTH = "month", "月 Month"

    span = models.CharField(max_length=5, choices=Span.choices)
    start = models.DateField()  # the local day, or the month's first day
    dimension = models.CharField(max_length=10)
    value = models.CharField(max_length=64)  # the code, city, outlet id or level; "" when none
    built_at = models.DateTimeField()

    complaints = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    response_hours_sum = models.FloatField(default=0.0)
    finished = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    cycle_count = models.PositiveIntegerField(default=0)
    cycle_hours_sum = models.FloatField(default=0.0)
    ever_resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    score_sum = models.PositiveIntegerField(default=0)
    for _name in (f"sla_{s}_{part}" for s in STAGE_NAMES for part in ("counted", "met")):
        locals()[_name] = models.PositiveIntegerField(default=0)
    for _index in range(len(RESPONSE_BUCKETS)):
        locals()[f"response_bucket_{_index:02d}"] = models.PositiveIntegerField(default=0)
    del _name, _index

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["span", "start", "dimension", "value"], name="complaint_figures_unique"
            )
        ]
        # The dashboard's one read: the rows of a span between two dates (report_compute).
        indexes = [models.Index(fields=["span", "start"], name="complaint_figures_period_idx")]
