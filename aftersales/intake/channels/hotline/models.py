from django.conf import settings
from django.db import models
from django.db.models import Q

from aftersales.accounts.models import Customer
from aftersales.complaints.models import Complaint


def recording_path(call: "Call", filename: str) -> str:
    """Where a recording is stored: by system and date, named by the call's row id (no phone number)."""
    return f"hotline/{call.system}/{call.started_at:%Y/%m}/call-{call.pk}{_extension(call.recording_type)}"


def _extension(content_type: str) -> str:
    return {
        "audio/x-wav": ".wav",
        "audio/mpeg": ".mp3",
        "audio/amr": ".amr",
        "audio/mp4": ".m4a",
        "audio/ogg": ".ogg",
        "audio/x-flac": ".flac",
    }.get(content_type, ".bin")


class Call(models.Model):
    """One call of the 400 hotline as the call-centre system reported it (seed 二).

    The recording is the call's electronic voucher: its SHA-256 is kept here and sealed into the
    complaint's timeline (complaints.events.call_event); the file and the transcript are personal
    data, erased with the customer (privacy.py). `customer_phone` is E.164, "" when withheld.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", "呼入 Inbound"
        OUTBOUND = "outbound", "呼出 Outbound"

    # The call-centre system that pushed it (settings.HOTLINE_SYSTEMS) and its id for the call.
    system = models.CharField(max_length=32)
    call_id = models.CharField(max_length=64)
    # What the push held, hashed: the same call id with other details is refused, not replayed.
    request_hash = models.CharField(max_length=64)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    queue = models.CharField(max_length=32)
    # The priority the queue gives (the pack's default less its boost): call-backs are listed by it.
    priority = models.PositiveSmallIntegerField()
    customer_phone = models.CharField(max_length=20, blank=True, default="")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # Whether this call opened the complaint (else it was attached to one, or to none).
    opened_complaint = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    # Outside the hotline's opening hours (the pack's hotline calendar): a call-back was created.
    after_hours = models.BooleanField(default=False)
    recording = models.FileField(upload_to=recording_path, blank=True, default="", max_length=200)
    recording_sha256 = models.CharField(max_length=64, blank=True, default="")
    recording_size = models.PositiveBigIntegerField(null=True, blank=True)
    recording_type = models.CharField(max_length=40, blank=True, default="")
    transcript = models.TextField(blank=True, default="")
    received_at = models.DateTimeField()
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "热线来电 Hotline call"
        verbose_name_plural = "热线来电 Hotline calls"
        constraints = [
            # call_receive: a retried push of the same call finds the first row (idempotent replay).
            models.UniqueConstraint(fields=["system", "call_id"], name="hotline_call_unique"),
        ]
        indexes = [
            # The caller lookup: a customer's calls, newest first.
            models.Index(fields=["customer", "-started_at"], name="hotline_call_customer_idx"),
            # A complaint's calls (the desk's complaint page).
            models.Index(fields=["complaint", "started_at"], name="hotline_call_complaint_idx"),
        ]

    def __str__(self) -> str:
        return f"call {self.system}:{self.call_id}"

    @property
    def duration_seconds(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds())


class CallBack(models.Model):
    """A call that came while the hotline was closed: someone must call the customer back.

    Due when the hotline next opens (plus the pack's `hotline.callback_within_minutes`);
    marked done by staff with a conditional update, so two agents cannot both close it.
    """

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="call_back")
    priority = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "待回电 Call-back"
        verbose_name_plural = "待回电 Call-backs"
        indexes = [
            # The open call-backs, most urgent queue first, then the earliest due (callbacks_open).
            models.Index(
                fields=["priority", "due_at", "id"],
                condition=Q(done_at__isnull=True),
                name="hotline_callback_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"call-back #{self.pk}"
