from django.db import models

from aftersales.complaints.models import Complaint


class IdempotencyKey(models.Model):
    """Remembers a client's Idempotency-Key so that a retried submission returns the first result.

    A key belongs to the caller that sent it (`scope`): a staff user, a signed-in customer, or an
    anonymous client address. The same key from another caller is another request, so a replay
    never hands one caller's answer (a tracking token) to another.
    """

    # `staff:<user id>`, `customer:<customer id>` or `client:<keyed hash of the address>`.
    scope = models.CharField(max_length=80, default="")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    complaint = models.ForeignKey(Complaint, null=True, on_delete=models.CASCADE)
    linked_to_existing = models.BooleanField(default=False)
    # What the first request was allowed to see, so that a replay answers the same.
    caller_may_see = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One first request per key and caller; a concurrent retry waits on it, then replays.
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_caller"),
        ]


class Attachment(models.Model):
    """A photo or video a customer (app, web form) or the store counter sent about a complaint.

    Uploaded first (`token` is its public id, random and unguessable), then named in a
    submission, which attaches it to the complaint (`complaint`, `attached_at`). The type is
    judged from the bytes (intake.attachments.judging), never from the name. Mail attachments
    keep their own rows with their mail (email_channel.MailAttachment); the complaint's one
    list (intake.attachments.selectors) shows both.
    """

    class Kind(models.TextChoices):
        PHOTO = "photo", "照片 Photo"
        VIDEO = "video", "视频 Video"

    token = models.CharField(max_length=32, unique=True)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The name the sender's device gave it (shown to staff, blanked on erasure); the stored
    # file is named by its token, never by this.
    name = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100)  # judged from the bytes
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/", max_length=200, blank=True)
    # Who uploaded it: "staff:<id>" or "customer:<id>" may only attach their own uploads;
    # "anonymous" uploads are attached by whoever holds the token.
    uploaded_by = models.CharField(max_length=40)
    # Keyed hash of the uploader's client address (accounts.services.client_hash): how many
    # uploads one address has waiting is limited, whoever they are.
    client = models.CharField(max_length=64, blank=True, default="")
    uploaded_at = models.DateTimeField()
    attached_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "附件 Attachment"
        verbose_name_plural = "附件 Attachments"
        indexes = [
            # The complaint's attachments, in upload order (selectors.complaint_attachments).
            models.Index(fields=["complaint", "uploaded_at"], name="attachment_complaint_idx"),
            # Unclaimed uploads: those past their time (services.attachments_purge_unclaimed) and
            # an address's uploads waiting (services.attachment_upload).
            models.Index(
                fields=["client", "uploaded_at"],
                condition=models.Q(complaint__isnull=True),
                name="attachment_unclaimed_idx",
            ),
        ]
