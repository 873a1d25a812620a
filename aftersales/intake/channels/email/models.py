"""What the e-mail channel keeps: mail received, mail sent (outbox and thread index), mailbox positions."""

from django.db import models

from aftersales.complaints.models import Complaint


class ReceivedMail(models.Model):
    """One raw message taken in, by its digest, so that a message fetched or piped twice counts once."""

    class Outcome(models.TextChoices):
        OPENED = "opened", "新投诉 New complaint"
        JOINED = "joined", "并入投诉 Joined a complaint"
        DELIVERY_FAILURE = "delivery_failure", "退信 Delivery failure"
        IGNORED = "ignored", "未受理 Not taken in"
        QUARANTINED = "quarantined", "隔离 Quarantined"

    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the raw bytes
    message_id = models.CharField(max_length=255, blank=True, default="")
    source = models.CharField(max_length=64)  # "imap:<mailbox>" or "endpoint"
    sender = models.CharField(max_length=254, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=64, blank=True, default="")
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()


class MailAttachment(models.Model):
    """An attachment of a received mail: stored when its type (by content) and size are allowed."""

    received = models.ForeignKey(ReceivedMail, on_delete=models.CASCADE, related_name="attachments")
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)  # judged from the bytes
    declared_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="mail/%Y/%m/", blank=True)
    refused = models.CharField(max_length=32, blank=True, default="")  # why it was not stored


class SentMail(models.Model):
    """Mail we send: the outbox row written with the change, and the Message-ID replies refer to."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送 Pending"
        SENDING = "sending", "发送中 Sending"
        SENT = "sent", "已发送 Sent"
        FAILED = "failed", "发送失败 Failed"
        BOUNCED = "bounced", "退信 Bounced"

    message_id = models.CharField(max_length=255, unique=True)  # without angle brackets
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, default="acknowledgement")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    in_reply_to = models.CharField(max_length=255, blank=True, default="")
    references = models.TextField(blank=True, default="")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The loop guard: acknowledgements to one address within the last hour.
            models.Index(fields=["recipient", "created_at"], name="sentmail_recipient_idx"),
        ]


class MailboxPosition(models.Model):
    """How far the poller has read one IMAP folder: UIDs are valid only within one UIDVALIDITY."""

    mailbox = models.CharField(max_length=255, unique=True)  # "user@host:port/folder"
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)
