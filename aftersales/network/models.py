"""The service network: outlets, their phone numbers, live queues and ratings.

An outlet is keyed by its stable `code` (the import key); its staff team is
`outlet-<code>` (User.team and Complaint.team). Outlets are revoked, never deleted:
complaints and the outlet's own history refer to them.
"""

from django.db import models

from aftersales.complaints.models import Complaint


class Outlet(models.Model):
    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", "授权服务中心 Authorised service centre"
        BRAND_STORE = "brand_store", "品牌体验店 Brand store"
        PARTNER = "partner", "合作网点 Partner outlet"

    class Authorisation(models.TextChoices):
        PENDING = "pending", "待授权 Pending"
        AUTHORISED = "authorised", "已授权 Authorised"
        SUSPENDED = "suspended", "暂停 Suspended"
        REVOKED = "revoked", "已撤销 Revoked"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    # The name folded for look-ups (width, case, spaces, Traditional characters): the verify check.
    name_key = models.CharField(max_length=200, db_index=True)
    brand = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address = models.CharField(max_length=300)
    province = models.CharField(max_length=50)
    province_adcode = models.CharField(max_length=6)
    # The top outlets of a city are looked up by its name or its adcode.
    city = models.CharField(max_length=50, db_index=True)
    city_adcode = models.CharField(max_length=6, db_index=True)
    district = models.CharField(max_length=50, blank=True, default="")
    district_adcode = models.CharField(max_length=6, blank=True, default="")
    lat = models.FloatField()
    lon = models.FloatField()
    # The zone its opening hours are written in (Asia/Urumqi for outlets keeping Xinjiang time).
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    # Canonical opening hours (network/hours.py); empty when unknown: then never open now.
    hours = models.CharField(max_length=400, blank=True, default="")
    # 统一社会信用代码 of the business running the outlet; the verify check looks it up.
    uscc = models.CharField("USCC", max_length=18, db_index=True)
    authorisation = models.CharField(max_length=12, choices=Authorisation.choices)
    authorised_from = models.DateField(null=True, blank=True)
    authorised_until = models.DateField(null=True, blank=True)
    # Codes from the policy pack's network.specialities, sorted.
    specialities = models.JSONField(default=list, blank=True)
    capacity_per_day = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    # Staff only: never leaves through the public API.
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def team(self) -> str:
        return outlet_team(self.code)


def outlet_team(code: str) -> str:
    """The staff team of the outlet with this code (User.team, Complaint.team)."""
    return f"outlet-{code}"


class OutletPhone(models.Model):
    """A published phone number, kept as written; `e164` only when it is a valid number."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="phones")
    position = models.PositiveSmallIntegerField()
    raw = models.CharField(max_length=40)
    # The verify check finds an outlet by any spelling of its number through these two.
    e164 = models.CharField(max_length=20, blank=True, default="", db_index=True)
    digits = models.CharField(max_length=40, db_index=True)
    valid = models.BooleanField()

    class Meta:
        ordering = ("outlet_id", "position")
        constraints = [models.UniqueConstraint(fields=["outlet", "position"], name="outlet_phone_position")]


class OutletQueue(models.Model):
    """One lane of an outlet's walk-in queue. Tickets are numbered per lane; urgent is served first."""

    class Lane(models.TextChoices):
        URGENT = "urgent", "加急 Urgent"
        NORMAL = "normal", "普通 Normal"

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="queues")
    lane = models.CharField(max_length=8, choices=Lane.choices)
    waiting = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "lane"], name="outlet_queue_lane")]


class OutletRating(models.Model):
    """One satisfaction score given to an outlet, by its source (a complaint): a new score replaces it."""

    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="ratings")
    source = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "source"], name="outlet_rating_source")]


class OutletEvent(models.Model):
    """What happened to an outlet, who did it and when; written with the change it records."""

    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    at = models.DateTimeField()
    actor = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ("outlet_id", "at", "id")


class NetworkVersion(models.Model):
    """One row whose token changes with every change to where outlets are or what they offer.

    The finder's in-memory index is rebuilt when the token it was built at is no longer
    the one stored. A fresh random token rather than a counter: a rolled-back change
    followed by another change can never bring back a token already seen.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()


class Dispatch(models.Model):
    """One hand-over of a complaint to an outlet, automatic or by staff; the latest is in force.

    What the choice rested on is kept (distance, queue, capacity, the weighed candidates),
    never where the customer was: the location is used for the choice and not stored.
    """

    class Basis(models.TextChoices):
        NEAREST = "nearest", "最近 Nearest"
        NEAREST_WITH_SPECIALITY = "nearest_with_speciality", "最近的专长网点 Nearest with the speciality"
        SHORTER_QUEUE = "shorter_queue", "排队更短 Shorter queue than nearer outlets"
        NEARER_FULL = "nearer_full", "更近的网点已满 Nearer outlets full today"
        STAFF = "staff", "人工指定 Chosen by staff"

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="dispatches")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="dispatches")
    at = models.DateTimeField()
    actor = models.CharField(max_length=64)
    automatic = models.BooleanField()
    basis = models.CharField(max_length=24, choices=Basis.choices)
    # The staff member's reason (required on a re-dispatch); empty for an automatic first dispatch.
    reason = models.CharField(max_length=500, blank=True, default="")
    # The speciality of the outlet that serves the complaint's category, if it offers one.
    speciality = models.CharField(max_length=40, blank=True, default="")
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    waiting = models.PositiveIntegerField()
    capacity_left = models.IntegerField(null=True, blank=True)
    cost = models.FloatField(null=True, blank=True)
    # The candidates weighed: [{"outlet", "distance_m", "waiting", "capacity_left", "speciality", "cost"}].
    candidates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("complaint_id", "at", "id")
        indexes = [
            # Capacity taken today: the dispatches to the candidate outlets since local midnight.
            models.Index(fields=["outlet", "at"], name="dispatch_outlet_day_idx"),
            # A complaint's dispatches, the latest first (dispatch_current).
            models.Index(fields=["complaint", "at"], name="dispatch_complaint_idx"),
        ]
