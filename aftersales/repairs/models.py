"""The repair order (维修单) for one device at one outlet, its device checks and work items,
and the service agreement texts a customer signs before work starts."""

from django.conf import settings
from django.db import models

from aftersales.complaints.models import Complaint
from aftersales.devices.models import Device
from aftersales.network.models import Outlet
from aftersales.parts.models import DeviceModel, Part
from aftersales.repairs.status import State


class ServiceAgreement(models.Model):
    """One version of the electronic service agreement, in Chinese and English.

    The version in force is the latest whose `effective_from` has passed. `sha256` is the
    hash of `canonical_text` (repairs.selectors.agreement_digest): what an acceptance records.
    Versions are added, never edited.
    """

    version = models.CharField(max_length=20, unique=True)
    effective_from = models.DateTimeField()
    text_zh = models.TextField()
    text_en = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ("effective_from",)

    def __str__(self) -> str:
        return self.version


class RepairOrder(models.Model):
    number = models.CharField(max_length=40, unique=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="repair_orders")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    device_model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="repair_orders")
    # The outlet's staff team (outlet-<code>): who may work the order.
    team = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    # The engineer responsible; their employee id is printed on the order.
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The day the customer reported the fault (the complaint's local date): warranty windows count to it.
    reported_on = models.DateField()
    # The day the customer says the screen was damaged, if they report damage.
    damage_date = models.DateField(null=True, blank=True)
    # The device was opened by a shop outside the authorised network (seen at inspection).
    unauthorised_repair = models.BooleanField(default=False)
    diagnosis = models.TextField(blank=True, default="")
    # The warranty rules version (its effective date) the items' decisions were made under.
    warranty_rules_from = models.DateField(null=True, blank=True)
    warranty_decided_at = models.DateTimeField(null=True, blank=True)

    # The quote the customer is shown: itemised lines (repairs.services._quote_lines), total in yuan.
    quote_lines = models.JSONField(default=list, blank=True)
    quote_total = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    quote_digest = models.CharField(max_length=64, blank=True, default="")
    quoted_on = models.DateField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=40, blank=True, default="")

    agreement = models.ForeignKey(
        ServiceAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreement_sha256 = models.CharField(max_length=64, blank=True, default="")
    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    agreement_accepted_by = models.CharField(max_length=40, blank=True, default="")

    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=500, blank=True, default="")

    # Where the parts come from: the outlet ("outlet:<code>") or, in a region's emergency mode,
    # its depot ("depot:<code>"); set on approval.
    served_from = models.CharField(max_length=48, blank=True, default="")
    # Waiting for parts: when they are expected (the latest transfer's expected arrival).
    parts_expected_at = models.DateTimeField(null=True, blank=True)

    # Walk-in lightning service (repairs.lightning): opened at the counter from the device read-out.
    walk_in = models.BooleanField(default=False)
    # The route the counter took: on_spot, express_replacement or regular ("" when not a walk-in).
    lightning_route = models.CharField(max_length=20, blank=True, default="")
    # The read-out as posted, validated (IMEI masked to its last 4 digits).
    readout = models.JSONField(default=dict, blank=True)
    # Express replacement: the replacement device is due by then (policy pack `lightning`).
    express_due_at = models.DateTimeField(null=True, blank=True)
    replacement_imei = models.CharField(max_length=15, blank=True, default="")

    class Meta:
        indexes = [
            # An outlet's repair orders by state (the outlet's work list).
            models.Index(fields=["team", "state"], name="repair_order_team_state_idx"),
            # An outlet's walk-in orders over a period (lightning_share).
            models.Index(fields=["outlet", "walk_in", "created_at"], name="repair_order_walk_in_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holder(self) -> str:
        """How the parts app names this order's reservations."""
        return f"repair:{self.number}"


class CheckKind(models.TextChoices):
    TOUCH = "touch", "触控测试 Touch test"  # passed + count: abnormal results in a row
    BATTERY_HEALTH = "battery_health", "电池健康度 Battery health"  # value: percent 0-100
    CHARGE_CURRENT = "charge_current", "充电电流 Charge current"  # value: mA 0-10000, passed
    CAMERA = "camera", "摄像头 Camera"  # passed
    AUDIO = "audio", "音频 Audio"  # passed
    SIGNAL = "signal", "信号 Signal"  # passed
    MOISTURE = "moisture", "进液指示 Moisture indicator"  # passed = false when the indicator is red
    VISIBLE_DAMAGE = "visible_damage", "外观损伤 Visible damage"  # passed = false when damage is seen


class DeviceCheck(models.Model):
    """The latest result of one kind of check on the order's device (recording again replaces it)."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    passed = models.BooleanField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    value = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField()
    actor = models.CharField(max_length=40)

    class Meta:
        ordering = ("order_id", "kind")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="device_check_one_per_kind")]


class WorkItem(models.Model):
    """One part to replace, with the warranty decision made for it when the order was diagnosed."""

    class Coverage(models.TextChoices):
        COVERED = "covered", "保修 Covered"
        NOT_COVERED = "not_covered", "不保修 Not covered"
        PARTIAL = "partial", "部分保修 Partially covered"

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField()
    coverage = models.CharField(max_length=12, choices=Coverage.choices)
    covers_parts = models.BooleanField()
    covers_labour = models.BooleanField()
    # Every rule applied and the facts it read: [{"rule", "effect", "facts", "zh-hans", "en"}].
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ("order_id", "position")
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="work_item_position")]
