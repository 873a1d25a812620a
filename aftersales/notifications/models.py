from django.db import models


class Notification(models.Model):
    """A message the platform sent (or will send) to a staff member or a customer."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"
        IN_APP = "in_app", "In app"
        WECHAT = "wechat", "WeChat"
        WEIBO = "weibo", "Weibo"
        DOUYIN = "douyin", "Douyin"

    recipient = models.CharField(max_length=40)  # "staff:3", "customer:9", "team:agents"
    channel = models.CharField(max_length=8, choices=Channel.choices)
    complaint_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)


class OutboxMessage(models.Model):
    """One message to send, written in the same transaction as the change that calls for it.

    The transactional outbox (docs/channels.md, "Outbound"): a crash before commit loses the
    change and the message together; after commit the row waits, `queued`, until a worker
    drains it (`outbox_drain`), however long the worker is down. The worker claims a row
    (queued -> sending) with a conditional update before it calls the channel, so a retried
    task or a second worker never sends it twice. No address is copied here: `recipient`
    names whom (a customer, a staff member, a team, or a channel's own record of the message)
    and the address is read when the message is sent.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "待发送 Queued"
        SENDING = "sending", "发送中 Sending"
        SENT = "sent", "已发送 Sent"
        FAILED = "failed", "发送失败 Failed"
        CANCELLED = "cancelled", "无需发送 Nothing to send"

    # The sender's idempotency key: enqueueing the same key twice keeps one row.
    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8)  # email, sms, wechat, weibo, douyin, in_app
    # Whom, by reference: "customer:9", "staff:3", "team:agents", "mail:12" (e-mail channel's
    # SentMail), "delivery:7" (a social platform's ChannelDelivery).
    recipient = models.CharField(max_length=40)
    reason = models.CharField(max_length=40)  # which text: acknowledgement, reply, escalation, ...
    params = models.JSONField(default=dict, blank=True)  # the text's placeholders, no personal data
    language = models.CharField(max_length=8, default="zh-hans")
    complaint_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=9, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What the channel calls the message once sent (an e-mail's Message-ID).
    reference = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "发件箱消息 Outbox message"
        verbose_name_plural = "发件箱消息 Outbox messages"
        indexes = [
            # outbox_drain: the queued rows whose time has come, oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reason} #{self.pk} ({self.state})"
