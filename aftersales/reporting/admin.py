from django.contrib import admin
from django.http import HttpRequest

from aftersales.reporting.models import OutletKpiReport


@admin.register(OutletKpiReport)
class OutletKpiReportAdmin(admin.ModelAdmin):
    list_display = (
        "outlet",
        "period_start",
        "period_end",
        "repair_orders_opened",
        "repair_orders_completed",
        "mean_turnaround_hours",
        "satisfaction_mean",
        "built_at",
    )
    list_filter = ("period_start",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
