"""Device models, their spare parts by part number, and stock per outlet and depot.

A stock row counts what is on the shelf (`on_hand`) and how much of it is promised to
repairs (`reserved`); what can still be promised is the difference. Check constraints keep
both non-negative and `reserved` within `on_hand`, so no code path can promise a part twice
or count one below zero, whatever races with it.
"""

from django.db import models
from django.db.models import F, Q


class DeviceModel(models.Model):
    """A handset model the brand services, keyed by a stable code ("reno10")."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class Component(models.TextChoices):
    SCREEN = "screen", "屏幕 Screen"
    BATTERY = "battery", "电池 Battery"
    CAMERA = "camera", "摄像头 Camera"
    SPEAKER = "speaker", "扬声器 Speaker"
    MICROPHONE = "microphone", "麦克风 Microphone"
    CHARGING_PORT = "charging_port", "充电接口 Charging port"
    MAINBOARD = "mainboard", "主板 Mainboard"
    ANTENNA = "antenna", "天线 Antenna"
    BACK_COVER = "back_cover", "后盖 Back cover"


class Part(models.Model):
    """An original spare part: one part number, for one device model and component."""

    number = models.CharField(max_length=40, unique=True)
    model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="parts")
    component = models.CharField(max_length=20, choices=Component.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ("number",)

    def __str__(self) -> str:
        return self.number


class Location(models.TextChoices):
    OUTLET = "outlet", "网点 Outlet"
    DEPOT = "depot", "区域仓 Regional depot"


class Stock(models.Model):
    """How many of one part lie at one outlet or depot, and how many of them are promised."""

    location_kind = models.CharField(max_length=8, choices=Location.choices)
    # The outlet's code (network.Outlet.code) or the depot's code.
    location_code = models.CharField(max_length=40)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location_kind", "location_code", "part"], name="stock_one_row"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Parts promised to one holder (a repair order: "repair:<number>") at one location."""

    class State(models.TextChoices):
        RESERVED = "reserved", "已预留 Reserved"  # promised; still on the shelf
        CONSUMED = "consumed", "已使用 Consumed"  # fitted in the repair; left the stock
        RELEASED = "released", "已释放 Released"  # back to what can be promised

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations")
    holder = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=40)

    class Meta:
        ordering = ("id",)
        indexes = [
            # A holder's reservations (consume and release on completion and cancel).
            models.Index(fields=["holder", "state"], name="reservation_holder_idx"),
        ]
