from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts.actors import staff_actor
from aftersales.devices.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("imei", "model_name", "purchase_date", "warranty_ends_on", "customer")
    search_fields = ("imei", "model_name")
    raw_id_fields = ("customer",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Device]:
        # Outlet staff see a device only through a complaint dispatched to their outlet.
        from aftersales.complaints.selectors import narrow_to_staff_view

        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return narrow_to_staff_view(staff_actor(request.user), queryset, through="device_id")  # type: ignore[arg-type]
