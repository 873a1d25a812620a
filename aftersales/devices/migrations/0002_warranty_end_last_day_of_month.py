"""Stored warranty ends moved to the warranty rule's reading: the last day of the 24th month
(purchase 2024-03-02 -> 2026-03-01), where they were one day later (purchase + 24 months)."""

from django.db import migrations
from django.utils import timezone



def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from aftersales.warranty.rules import rules_on, warranty_last_day

    Device = apps.get_model("devices", "Device")
    rules = rules_on(timezone.localdate())
    for device in Device.objects.exclude(purchase_date=None).only("pk", "purchase_date").iterator():
        Device.objects.filter(pk=device.pk).update(
            warranty_ends_on=warranty_last_day(device.purchase_date, rules=rules)
        )


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
