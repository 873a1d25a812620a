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
