"""WeChat, Weibo and Douyin deliveries and conversations of a customer, for the privacy services.

Erasure replaces the platform user id and the message key (which may contain it) with a marker,
blanks the replies and their addresses, and deletes the conversations.
"""

from datetime import datetime

from django.db.models import Q, QuerySet

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    personal_data_source_register,
)
from aftersales.intake.channels.social.models import ChannelConversation, ChannelDelivery


def _senders(subject: DataSubject) -> Q:
    match = Q(pk__in=[])
    for channel, ids in subject.channel_ids.items():
        match |= Q(channel=channel, sender_id__in=ids)
    return match


def _deliveries(subject: DataSubject) -> QuerySet[ChannelDelivery]:
    return ChannelDelivery.objects.filter(Q(complaint_id__in=subject.complaint_ids) | _senders(subject))


def _conversations(subject: DataSubject) -> QuerySet[ChannelConversation]:
    return ChannelConversation.objects.filter(Q(complaint_id__in=subject.complaint_ids) | _senders(subject))


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "channel_messages": list(
            _deliveries(subject)
            .order_by("pk")
            .values("channel", "sender_id", "message_type", "outcome", "reply_text", "received_at")
        )
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    deliveries = 0
    for delivery in _deliveries(subject).order_by("pk"):
        delivery.sender_id = ""
        delivery.key = f"erased:{delivery.pk}"
        delivery.delivery_id = ""
        delivery.media_id = ""
        delivery.reply_text = ""
        delivery.reply_to = {}
        delivery.save(update_fields=["sender_id", "key", "delivery_id", "media_id", "reply_text", "reply_to"])
        deliveries += 1
    conversations, _ = _conversations(subject).delete()
    return {"channel_messages": deliveries, "conversations": conversations}


def register() -> None:
    personal_data_source_register(PersonalDataSource(name="social_channels", export=_export, erase=_erase))
