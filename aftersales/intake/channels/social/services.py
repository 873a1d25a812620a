"""A social platform's message, once its signature has been checked: handled once, answered.

`channel_message_receive` is the one entry every social adapter calls. It records the
delivery (the unique key that makes retries harmless), then either:
1. binds the sender's phone (`绑定 <phone>` / `bind <phone>`, then the six-digit code),
2. adds the text to the complaint the sender's conversation holds, while that is open, or
3. submits it to intake (`complaint_submit`) as a new complaint from the platform's user id,
and writes what to answer on the delivery row, all in one transaction.
"""

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import ANONYMOUS, customer_actor
from aftersales.accounts.models import CHANNEL_IDENTITY_KINDS
from aftersales.accounts.phones import phone_masked
from aftersales.accounts.services import customer_bind_channel_identity, otp_request
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_follow_up, tracking_url
from aftersales.intake.channels.social.models import ChannelConversation, ChannelDelivery
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission
from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.outbox import Envelope, NothingToSend, outbound_enqueue, outbox_message_deliver
from aftersales.notifications.services import notifications_suppressed

log = logging.getLogger("aftersales.channels")
security_log = logging.getLogger("aftersales.security")

# What the sender is told. Chinese: the platforms carry no language, and their users write Chinese.
REPLY_TEXT = {
    "created": "您的投诉已受理，工单号 {number}。查看进度：{link}",
    "created_unseen": "您的投诉已受理，工单号 {number}。",
    "added": "已补充到您的投诉 {number}。",
    "refused": "未能受理：{reason}",
    "welcome": "您好，这里是售后服务。请直接描述设备问题，我们会为您登记投诉并回复工单号。"
    "发送“绑定 手机号”可关联您的手机号。",
    "media_only": "已收到，请用文字简要描述问题。",
    "bind_code_sent": "验证码已发送至 {phone}，请在 5 分钟内回复 6 位验证码完成绑定。",
    "bind_done": "绑定成功：今后的消息将记入手机号 {phone} 名下。",
    "bind_failed": "绑定未成功：{reason}",
}

_BIND = re.compile(
    r"^\s*(?:绑定|綁定|bind)\s*[:：]?\s*(?P<phone>[+\d\s()\-０-９＋]{5,30})\s*$", re.IGNORECASE
)
_CODE = re.compile(r"^\s*(?:验证码|驗證碼|code)?\s*[:：]?\s*(?P<code>\d{6})\s*$", re.IGNORECASE)


class DeliveryReplayed(Exception):
    """A signed delivery id seen before, now carrying another message: a replay, not a retry."""


@dataclass(frozen=True)
class InboundMessage:
    """A message as every social adapter hands it over, after the signature checked out.

    `text` is what the customer wrote (a voice message's recognised text); empty for media
    only. `message_type` is the platform's (text, image, voice, event, ...). `reply_to` is
    where a reply that is not passive goes.
    """

    channel: str
    account: str
    sender_id: str
    key: str
    message_type: str
    text: str = ""
    delivery_id: str = ""
    media_id: str = ""
    reply_to: dict[str, Any] = field(default_factory=dict)
    # False for a platform whose reply goes out later through the API (Douyin).
    passive_reply: bool = True


@dataclass(frozen=True)
class DeliveryResult:
    delivery: ChannelDelivery
    # True when this delivery repeated a message already handled: nothing new was written.
    duplicate: bool

    @property
    def reply_text(self) -> str:
        return self.delivery.reply_text


def channel_message_receive(*, message: InboundMessage) -> DeliveryResult:
    """Handle `message` once: bind, join the open complaint, or open one through intake.

    Returns the delivery row (its `reply_text` is what to answer) and whether it was a
    retry of a message already handled. Raises DeliveryReplayed when the delivery id was
    used before for another message. Intake's refusals (text too long, ...) are answered,
    not raised: the platform would only retry them.
    """
    try:
        with transaction.atomic():
            return DeliveryResult(delivery=_handle(message), duplicate=False)
    except IntegrityError:
        earlier = ChannelDelivery.objects.filter(
            channel=message.channel, account=message.account, key=message.key
        ).first()
        if earlier is not None:
            log.info("%s message %s delivered again: answered as before", message.channel, message.key)
            return DeliveryResult(delivery=earlier, duplicate=True)
        if (
            message.delivery_id
            and ChannelDelivery.objects.filter(
                channel=message.channel, account=message.account, delivery_id=message.delivery_id
            ).exists()
        ):
            raise DeliveryReplayed(message.delivery_id) from None
        raise


def _handle(message: InboundMessage) -> ChannelDelivery:
    now = clock.now()
    # Inserted first: a concurrent retry of the same message waits here, then fails on the key.
    delivery = ChannelDelivery.objects.create(
        channel=message.channel,
        account=message.account,
        key=message.key,
        delivery_id=message.delivery_id,
        sender_id=message.sender_id,
        message_type=message.message_type,
        media_id=message.media_id,
        reply_to=message.reply_to,
        outcome=ChannelDelivery.Outcome.IGNORED,
        received_at=now,
    )
    conversation = _conversation_lock(message)
    outcome, complaint, reply = _answer(message, conversation)
    delivery.outcome = outcome
    delivery.complaint = complaint
    delivery.reply_text = reply
    if reply:
        delivery.reply_state = (
            ChannelDelivery.ReplyState.PASSIVE
            if message.passive_reply
            else ChannelDelivery.ReplyState.PENDING
        )
    delivery.save(update_fields=["outcome", "complaint", "reply_text", "reply_state"])
    if delivery.reply_state == ChannelDelivery.ReplyState.PENDING:
        outbound_enqueue(
            channel=delivery.channel,
            recipient=f"delivery:{delivery.pk}",
            reason="channel_reply",
            key=f"delivery:{delivery.pk}",
            complaint_id=delivery.complaint_id,
        )
    if message.media_id:
        from aftersales.intake.channels.social.tasks import media_fetch_task

        delivery_pk = delivery.pk
        transaction.on_commit(lambda: media_fetch_task.delay(delivery_pk))
    return delivery


def _conversation_lock(message: InboundMessage) -> ChannelConversation:
    """The sender's conversation row, created if new, locked until the transaction ends."""
    ChannelConversation.objects.bulk_create(
        [
            ChannelConversation(
                channel=message.channel,
                account=message.account,
                sender_id=message.sender_id,
                updated_at=clock.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return ChannelConversation.objects.select_for_update().get(
        channel=message.channel, account=message.account, sender_id=message.sender_id
    )


def _answer(message: InboundMessage, conversation: ChannelConversation) -> tuple[str, Complaint | None, str]:
    """(outcome, complaint, reply text) for one message."""
    text = message.text.strip()
    if message.message_type == "subscribe":
        return ChannelDelivery.Outcome.IGNORED, None, REPLY_TEXT["welcome"]
    if message.message_type == "event" or (not text and not message.media_id):
        return ChannelDelivery.Outcome.IGNORED, None, ""
    binding = _binding_step(message, conversation, text)
    if binding is not None:
        return ChannelDelivery.Outcome.BINDING, None, binding
    open_complaint = conversation.complaint
    if open_complaint is not None and not open_complaint.is_open:
        open_complaint = None
    if not text:
        # Media alone: kept with the open complaint, or the sender is asked to describe it.
        text = f"[{message.message_type}] {message.media_id}"
        if open_complaint is None:
            return ChannelDelivery.Outcome.IGNORED, None, REPLY_TEXT["media_only"]
    try:
        with transaction.atomic():
            if open_complaint is not None:
                follow_up = complaint_follow_up(
                    actor=customer_actor(open_complaint.customer_id),
                    complaint=open_complaint,
                    body=text,
                    channel=message.channel,
                )
                return (
                    ChannelDelivery.Outcome.ADDED,
                    follow_up.message.complaint,
                    REPLY_TEXT["added"].format(number=open_complaint.number),
                )
            # The reply to this message is the acknowledgement: no generic one besides it.
            with notifications_suppressed():
                result = complaint_submit(
                    actor=ANONYMOUS,
                    submission=Submission(channel=message.channel, text=text, sender_id=message.sender_id),
                )
    except ValidationFailed as failure:
        reasons = "；".join(message_text(p.code, "zh-hans", **p.params) for p in failure.fields.values())
        return ChannelDelivery.Outcome.REFUSED, None, REPLY_TEXT["refused"].format(reason=reasons)
    complaint = result.complaint
    if result.linked_to_existing and not result.caller_may_see:
        reply = REPLY_TEXT["created_unseen"].format(number=complaint.number)
    elif result.linked_to_existing:
        reply = REPLY_TEXT["added"].format(number=complaint.number)
    else:
        reply = REPLY_TEXT["created"].format(number=complaint.number, link=tracking_url(complaint))
    if result.caller_may_see:
        conversation.complaint = complaint
        conversation.updated_at = clock.now()
        conversation.save(update_fields=["complaint", "updated_at"])
    outcome = ChannelDelivery.Outcome.ADDED if result.linked_to_existing else ChannelDelivery.Outcome.CREATED
    return outcome, complaint, reply


def _binding_step(message: InboundMessage, conversation: ChannelConversation, text: str) -> str | None:
    """The reply to a phone-binding step, or None when the text is not one.

    `绑定 13800138000` sends a sign-in code to that mobile; the six-digit code sent back
    links the sender's platform id to the phone's customer (accounts.customer_bind_channel_identity).
    """
    asked = _BIND.match(text)
    if asked is not None:
        from aftersales.accounts.phones import mobile_normalise

        try:
            phone = mobile_normalise(asked.group("phone"))
            otp_request(phone=phone, client_address=f"{message.channel}:{message.sender_id}")
        except DomainError as refusal:
            return REPLY_TEXT["bind_failed"].format(reason=_reason(refusal))
        conversation.binding_phone = phone
        conversation.updated_at = clock.now()
        conversation.save(update_fields=["binding_phone", "updated_at"])
        return REPLY_TEXT["bind_code_sent"].format(phone=phone_masked(phone))
    code = _CODE.match(text)
    if code is None or not conversation.binding_phone:
        return None
    phone = conversation.binding_phone
    try:
        customer_bind_channel_identity(
            kind=CHANNEL_IDENTITY_KINDS[message.channel],
            value=message.sender_id,
            phone=phone,
            code=code.group("code"),
        )
    except DomainError as refusal:
        security_log.warning("%s phone binding refused for %s", message.channel, phone_masked(phone))
        return REPLY_TEXT["bind_failed"].format(reason=_reason(refusal))
    conversation.binding_phone = ""
    conversation.updated_at = clock.now()
    conversation.save(update_fields=["binding_phone", "updated_at"])
    return REPLY_TEXT["bind_done"].format(phone=phone_masked(phone))


def _reason(error: DomainError) -> str:
    if isinstance(error, ValidationFailed):
        return "；".join(message_text(p.code, "zh-hans", **p.params) for p in error.fields.values())
    return message_text(error.code, "zh-hans", **error.params)


def channel_reply_send(*, delivery_id: int) -> ChannelDelivery | None:
    """Send a pending reply now through its outbox row, at most once.

    None when there is nothing to claim (sent already, failed, or another worker holds it).
    The outbox retries a temporary failure later; a permanent one (window closed) is failed.
    """
    message = OutboxMessage.objects.filter(key=f"delivery:{delivery_id}").first()
    if message is None or outbox_message_deliver(message_id=message.pk) is None:
        return None
    return ChannelDelivery.objects.get(pk=delivery_id)


def delivery_envelope(message: OutboxMessage) -> Envelope:
    """The outbox's message for a "delivery:<id>" row: the reply written on the delivery."""
    delivery = ChannelDelivery.objects.filter(pk=int(message.recipient.split(":", 1)[1])).first()
    if delivery is None or not delivery.reply_text or not delivery.reply_to:
        raise NothingToSend("the reply or its address was erased")
    return Envelope(subject="", body=delivery.reply_text, reply_to=delivery.reply_to)


_REPLY_STATES = {
    OutboxMessage.State.QUEUED: ChannelDelivery.ReplyState.PENDING,
    OutboxMessage.State.SENDING: ChannelDelivery.ReplyState.SENDING,
    OutboxMessage.State.SENT: ChannelDelivery.ReplyState.SENT,
    OutboxMessage.State.FAILED: ChannelDelivery.ReplyState.FAILED,
    OutboxMessage.State.CANCELLED: ChannelDelivery.ReplyState.FAILED,
}


def delivery_outcome(message: OutboxMessage) -> None:
    """Mirror the outbox row's state on the delivery row (its admin and the platform's retries read it)."""
    ChannelDelivery.objects.filter(pk=int(message.recipient.split(":", 1)[1])).update(
        reply_state=_REPLY_STATES[OutboxMessage.State(message.state)],
        reply_attempts=message.attempts,
        reply_error=message.last_error[:200],
        replied_at=message.sent_at,
    )


def social_address(complaint: Complaint, sender_id: str) -> dict[str, Any] | None:
    """Where a later message about `complaint` reaches its customer on the complaint's platform.

    WeChat: a customer-service message to the openid (message/custom/send; the platform
    accepts it within 48 hours of the user's last message). Weibo and Douyin: in the
    conversation of the customer's last message, as the reply to it was sent.
    """
    if complaint.channel == "wechat":
        return {"to_user_id": sender_id, "api": "message/custom/send"}
    last = (
        ChannelDelivery.objects.filter(channel=complaint.channel, sender_id=sender_id)
        .exclude(reply_to={})
        .order_by("-received_at", "-pk")
        .first()
    )
    if last is not None:
        return dict(last.reply_to)
    return {"to_user_id": sender_id} if complaint.channel == "weibo" else None
