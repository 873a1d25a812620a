from django.contrib import admin

from aftersales.devices.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("imei", "model_name", "purchase_date", "warranty_ends_on", "customer")
    search_fields = ("imei", "model_name")
    raw_id_fields = ("customer",)
