from django.db import models

from aftersales.accounts.models import Customer


class Device(models.Model):
    """A handset known by its IMEI, owned by a customer."""

    imei = models.CharField(max_length=15, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="devices")
    model_name = models.CharField(max_length=100, blank=True, default="")
    purchase_date = models.DateField(null=True, blank=True)
    purchase_channel = models.CharField(max_length=50, blank=True, default="")
    warranty_ends_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.model_name or 'device'} {self.imei}"
