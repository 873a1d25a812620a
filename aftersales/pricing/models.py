"""The public repair price list and trade-in price table, each row in force from its date.

Rows are never edited: a new price is a new row with a later `effective_from`, so the
full history stays and a quote can always be rebuilt from the price in force on its date.
"""

from django.db import models

from aftersales.parts.models import DeviceModel, Part


class RepairPrice(models.Model):
    """The standard price of replacing one part: the part and the labour, in yuan (CNY)."""

    model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="repair_prices")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="prices")
    parts_price = models.DecimalField(max_digits=10, decimal_places=2)
    labour_price = models.DecimalField(max_digits=10, decimal_places=2)
    effective_from = models.DateField()
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "effective_from"], name="repair_price_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(parts_price__gte=0) & models.Q(labour_price__gte=0),
                name="repair_price_not_negative",
            ),
        ]
        # The price in force: a part's rows up to a date, latest first (prices_in_force).
        indexes = [models.Index(fields=["model", "part", "effective_from"], name="repair_price_lookup_idx")]


class Condition(models.TextChoices):
    LIKE_NEW = "like_new", "几乎全新 Like new"
    GOOD = "good", "良好 Good"
    FAIR = "fair", "一般 Fair"
    POOR = "poor", "较差 Poor"


class TradeInPrice(models.Model):
    """What the brand pays for a used handset of one model in one condition grade, in yuan (CNY)."""

    model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="trade_in_prices")
    condition = models.CharField(max_length=10, choices=Condition.choices)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    effective_from = models.DateField()
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model", "condition", "effective_from"], name="trade_in_price_one_per_day"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="trade_in_price_not_negative"),
        ]
        indexes = [models.Index(fields=["model", "condition", "effective_from"], name="trade_in_lookup_idx")]
