"""Device models, their spare parts by part number, and stock per outlet and depot.

A stock row counts what is on the shelf (`on_hand`) and how much of it is promised to
repairs (`reserved`); what can still be promised is the difference. Check constraints keep
both non-negative and `reserved` within `on_hand`, so no code path can promise a part twice
or count one below zero, whatever races with it.
"""

from django.db import models
from django.db.models import F, Q

from aftersales.parts.status import TransferState


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
    # An outlet is alerted once when what it can still promise of this part falls to this many or fewer.
    low_stock_threshold = models.PositiveIntegerField(default=2)

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
    # Since when what can be promised is at or below the part's threshold (an outlet's alert is
    # raised when this is set, and re-armed when stock climbs back above and it is cleared).
    low_since = models.DateTimeField(null=True, blank=True)

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


class Depot(models.Model):
    """A regional depot (区域仓): holds stock for the outlets of its region and ships it to them.

    `region_adcode` is an administrative-division code prefix ("44": Guangdong, "4403":
    Shenzhen); an outlet belongs to the depot with the longest prefix of its district or
    city adcode (parts.selectors.depot_for_outlet).
    """

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    region_adcode = models.CharField(max_length=6)
    lat = models.FloatField()
    lon = models.FloatField()
    # How long a shipment from the depot to an outlet of its region usually takes.
    transit_hours = models.PositiveIntegerField(default=24)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class Transfer(models.Model):
    """Parts moving from a depot or an outlet to an outlet (调拨单), with its state (parts/status.py).

    Requesting promises the parts at the source (a reservation held by the transfer);
    shipping takes them off the source's shelf; receiving puts them on the destination's.
    """

    number = models.CharField(max_length=32, unique=True)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="transfers")
    quantity = models.PositiveIntegerField()
    source_kind = models.CharField(max_length=8, choices=Location.choices)
    source_code = models.CharField(max_length=40)
    # Always an outlet's code.
    destination_code = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=TransferState.choices, default=TransferState.REQUESTED)
    expected_arrival = models.DateTimeField()
    # What the parts are for: "repair:<number>" when a repair order waits on them, else "".
    holder = models.CharField(max_length=64, blank=True, default="")
    requested_at = models.DateTimeField()
    requested_by = models.CharField(max_length=40)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.CharField(max_length=40, blank=True, default="")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.CharField(max_length=40, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ("id",)
        indexes = [
            # Parts in transit to an outlet (stock_overview) and a repair's transfers (holder).
            models.Index(fields=["destination_code", "state"], name="transfer_destination_idx"),
            models.Index(fields=["holder"], name="transfer_holder_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holder_ref(self) -> str:
        """How this transfer names its reservation at the source."""
        return f"transfer:{self.number}"


class LowStockAlert(models.Model):
    """One alert raised when an outlet's free stock of a part fell to its threshold or below."""

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="alerts")
    location_code = models.CharField(max_length=40)
    part_number = models.CharField(max_length=40)
    available = models.IntegerField()
    threshold = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    # Set when stock climbed back above the threshold (the next fall raises a new alert).
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["location_code", "cleared_at"], name="low_stock_outlet_idx")]


class EmergencyMode(models.Model):
    """A region served from its depot for a while (自然灾害应急服务): repairs there take parts from the depot.

    `region_adcode` is a prefix of outlets' adcodes, like a depot's. In force from
    `starts_at` until `ends_at` (open-ended when null). The reason is shown on the
    timeline of each repair it serves.
    """

    region_adcode = models.CharField(max_length=6)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    reason_zh = models.CharField(max_length=200)
    reason_en = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=40)

    class Meta:
        ordering = ("-starts_at",)
