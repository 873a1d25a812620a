from django.db import models

from aftersales.complaints.models import Complaint


class ChannelDelivery(models.Model):
    """One message a social platform delivered to us, and what we answered.

    The platforms retry a delivery they think failed (three times within about 15 s), and
    may deliver a retry while the first is still being handled. The unique key makes the
    second insert wait for the first and then fail, so a message is handled once and every
    retry gets the first answer (`reply_text`). The row is also the outbox of a reply that
    is not passive (Douyin, Weibo's API): `reply_state` moves pending -> sending -> sent or
    failed, claimed with a conditional update so that a retried task never sends twice.
    """

    class Outcome(models.TextChoices):
        CREATED = "created", "opened a complaint"
        ADDED = "added", "joined the sender's open complaint"
        BINDING = "binding", "phone binding step"
        IGNORED = "ignored", "nothing to do (event, unsupported type)"
        REFUSED = "refused", "intake refused the text"

    class ReplyState(models.TextChoices):
        NONE = "none", "no reply to send"
        PASSIVE = "passive", "answered in the response"
        PENDING = "pending", "waiting for the sender"
        SENDING = "sending", "claimed by a sender"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    channel = models.CharField(max_length=16)
    # Our account on the platform: the official account's gh_ id, the Weibo uid, the Douyin client key.
    account = models.CharField(max_length=128)
    # The platform's key for the message: WeChat MsgId (events: FromUserName:CreateTime),
    # Douyin server_message_id, Weibo sender_id:created_at:type/subtype:sha256(text).
    key = models.CharField(max_length=200)
    # The delivery's own id where the platform signs one: WeChat/Weibo "timestamp:nonce",
    # Douyin's Msg-Id header. Reused with another message, it is a replay.
    delivery_id = models.CharField(max_length=100, blank=True, default="")
    sender_id = models.CharField(max_length=128)
    message_type = models.CharField(max_length=32)
    media_id = models.CharField(max_length=200, blank=True, default="")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reply_text = models.TextField(blank=True, default="")
    # Where a reply that is not passive goes (Douyin: to_user_id, conversation_id, msg_id).
    reply_to = models.JSONField(default=dict, blank=True)
    reply_state = models.CharField(max_length=8, choices=ReplyState.choices, default=ReplyState.NONE)
    reply_attempts = models.PositiveSmallIntegerField(default=0)
    reply_error = models.CharField(max_length=200, blank=True, default="")
    received_at = models.DateTimeField()
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A message is handled once, however often it is delivered (channel_message_receive).
            models.UniqueConstraint(fields=["channel", "account", "key"], name="delivery_message_unique"),
            # A signed delivery id serves one message: the same one with another body is a replay.
            models.UniqueConstraint(
                fields=["channel", "account", "delivery_id"],
                condition=~models.Q(delivery_id=""),
                name="delivery_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery #{self.pk}"


class ChannelConversation(models.Model):
    """A platform user talking to one of our accounts: the complaint their messages join."""

    channel = models.CharField(max_length=16)
    account = models.CharField(max_length=128)
    sender_id = models.CharField(max_length=128)
    # The complaint the sender's next messages join while it is open.
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL)
    # E.164 phone awaiting its code while the sender binds their phone.
    binding_phone = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # channel_message_receive finds and locks the sender's conversation by these.
            models.UniqueConstraint(fields=["channel", "account", "sender_id"], name="conversation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} conversation #{self.pk}"
