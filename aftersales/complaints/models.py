from django.conf import settings
from django.db import models
from django.db.models import Q

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.complaints.status import State
from aftersales.devices.models import Device


class ComplaintNumberSequence(models.Model):
    """A day's complaint numbering (services.complaint_number_issue). Numbers are never reused.

    SQLite: `last` is the day's counter, raised by one per complaint (one writer at a time).
    PostgreSQL: numbers come from the database sequence COMPLAINT_NUMBER_SEQUENCE, which never
    blocks; the day's row is written once, by its first complaint: `base` is the sequence
    value that became the day's first serial after `last` (the numbers issued by the counter
    before, e.g. by a bulk load), and the day's serial is `last + value - base + 1`.
    """

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
    base = models.BigIntegerField(null=True, blank=True)


# PostgreSQL: where the complaint numbers' serials come from (migration 0016).
COMPLAINT_NUMBER_SEQUENCE = "complaints_complaint_number_seq"


class Complaint(models.Model):
    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    # The identity it was filed under: a signed-in customer sees it once that identity is
    # verified (selectors.customer_may_see). Null only for complaints filed before identities.
    contact_identity = models.ForeignKey(
        CustomerIdentity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The e-mail address given with it: where its notifications go (else an SMS to the contact).
    email_identity = models.ForeignKey(
        CustomerIdentity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The archived or closed complaint this one follows up (a customer wrote again on it).
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    # The complaint this one repeats (complaint_mark_duplicate): the work goes on there.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    channel = models.CharField(max_length=16)
    language = models.CharField(max_length=8, default="zh-hans")
    city = models.CharField(max_length=50, blank=True, default="")
    subject = models.CharField(max_length=200)

    # Pre-diagnosis
    category = models.CharField(max_length=32)
    category_confidence = models.FloatField(default=0.0)
    priority = models.PositiveSmallIntegerField()  # 1 = most urgent
    level = models.CharField(max_length=2)  # L1 / L2 / L3
    triage_reasons = models.JSONField(default=list)
    triage_model = models.CharField(max_length=40, default="")
    # Other faults the text names: [{"category", "confidence", "clause_share"}] (triage.services).
    triage_alternatives = models.JSONField(default=list, blank=True)
    # Read on arrival without the model's sentence encoder; the worker's second reading
    # (services.complaint_second_reading) reads it with it and clears this.
    triage_second_reading_due = models.BooleanField(default=False, db_default=False)

    # Workflow
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACCEPTED)
    is_open = models.BooleanField(default=True)
    team = models.CharField(max_length=64)  # the team working it now
    # First-contact responsibility: the first staff member to handle it owns it until closed.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_complaints",
    )
    tracking_salt = models.CharField(max_length=16)
    event_count = models.PositiveIntegerField(default=0)
    contact_count = models.PositiveIntegerField(default=1)

    # Service-level clocks (all aware datetimes; None when not running)
    created_at = models.DateTimeField()
    # First human response to the customer, whatever the level (policy pack `first_response`).
    responded_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    # The response level's team takes the complaint up (restarts on escalation).
    level_responded_at = models.DateTimeField(null=True, blank=True)
    level_response_due_at = models.DateTimeField(null=True, blank=True)
    accept_due_at = models.DateTimeField(null=True, blank=True)
    # When it was last dispatched to an outlet (network.Dispatch): the inspection clock starts there.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    inspect_due_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    process_due_at = models.DateTimeField(null=True, blank=True)
    resolve_due_at = models.DateTimeField(null=True, blank=True)
    satisfaction_due_at = models.DateTimeField(null=True, blank=True)
    archive_due_at = models.DateTimeField(null=True, blank=True)
    # The earliest deadline not yet breached: what the sweeper looks for (sla.next_deadline).
    next_deadline_at = models.DateTimeField(null=True, blank=True)
    # The earliest deadline not yet met, breached ones included; None while paused or finished:
    # what the work queues sort on, most overdue first (sla.earliest_due).
    earliest_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    breaches = models.JSONField(default=list)

    resolved_at = models.DateTimeField(null=True, blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A team's queue: open complaints of one team, most overdue first, paused ones last
            # (complaint_queue; ascending with NULLs last is PostgreSQL's btree order).
            models.Index(
                fields=["team", "earliest_due_at", "id"],
                condition=Q(is_open=True),
                name="complaint_team_queue_idx",
            ),
            # The queue of every team at once, and the first-response team's queue, which also
            # lists other teams' complaints still awaiting a first response (complaint_queue).
            models.Index(
                fields=["earliest_due_at", "id"],
                condition=Q(is_open=True),
                name="complaint_open_queue_idx",
            ),
            # A queue narrowed to one state (desk "waiting": waiting on the customer; complaint_queue
            # with `state`): without it the open queue is read through to the few in that state.
            models.Index(
                fields=["state", "earliest_due_at", "id"],
                condition=Q(is_open=True),
                name="complaint_state_queue_idx",
            ),
            # The desk's "mine" queue: one owner's open complaints, most overdue first.
            models.Index(
                fields=["owner", "earliest_due_at", "id"],
                condition=Q(is_open=True),
                name="complaint_owner_queue_idx",
            ),
            # The worker's second readings still to make (few rows: they are cleared in seconds).
            models.Index(
                fields=["id"],
                condition=Q(triage_second_reading_due=True),
                name="complaint_second_reading_idx",
            ),
            # The SLA sweeper: every complaint whose next deadline has passed.
            models.Index(fields=["next_deadline_at"], name="complaint_sweep_idx"),
            # Duplicate linking: a customer's open complaints about a device.
            models.Index(fields=["customer", "is_open"], name="complaint_customer_idx"),
            models.Index(fields=["device", "is_open"], name="complaint_device_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Message(models.Model):
    """What the customer wrote, what staff answered, and internal notes.

    Timeline events reference a message by id and content hash, so erasing a
    customer's words later leaves the timeline's seals intact.
    """

    class Direction(models.TextChoices):
        IN = "in", "客户来信 From customer"
        OUT = "out", "回复客户 To customer"
        NOTE = "note", "内部备注 Internal note"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    channel = models.CharField(max_length=16)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    erased_at = models.DateTimeField(null=True, blank=True)


class TimelineEvent(models.Model):
    """One immutable entry of a complaint's history. Never edited or deleted by the application."""

    class Kind(models.TextChoices):
        CREATED = "created", "创建 Created"
        MESSAGE_IN = "message_in", "客户来信 Message in"
        MESSAGE_OUT = "message_out", "回复客户 Message out"
        NOTE = "note", "备注 Note"
        STATUS = "status", "状态变更 Status change"
        ASSIGNMENT = "assignment", "分配 Assignment"
        ESCALATION = "escalation", "升级 Escalation"
        TRIAGE = "triage", "预诊断 Pre-diagnosis"
        SLA_BREACH = "sla_breach", "超时 SLA breach"
        ATTACHMENT = "attachment", "附件 Attachment"
        INSPECTION = "inspection", "检测 Inspection"
        FOLLOW_UP = "follow_up", "后续投诉 Follow-up complaint"
        REPAIR = "repair", "维修 Repair"
        DELIVERY_FAILED = "delivery_failed", "投递失败 Delivery failed"
        ERASURE = "erasure", "个人信息删除 Personal data erased"
        DISPATCH = "dispatch", "派单 Dispatched to an outlet"
        CALL = "call", "热线通话 Hotline call"
        SATISFACTION = "satisfaction", "满意度评价 Satisfaction rating"
        DUPLICATE = "duplicate", "重复投诉 Duplicate linked"

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=40)  # "staff:12", "customer:7", "system"
    payload = models.JSONField(default=dict)
    # For message events: the message itself (its id and hash are also in the payload), so that a
    # timeline is read with its texts in one query. Erasing a message blanks it, never this row.
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "seq"], name="timeline_seq_unique")]
        ordering = ["complaint", "seq"]
