"""Replies that leave by the platform's API rather than in the webhook's response.

Douyin has no passive reply: a reply goes to `im/send/msg` with the conversation and message
ids of the customer's message. The sender is an interface; the console one prints the reply
(the demo), and a deployment sets AFTERSALES_CHANNEL_REPLY_SENDER to its own class.
"""

import logging
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from aftersales.notifications.models import OutboxMessage
    from aftersales.notifications.outbox import Envelope

log = logging.getLogger("aftersales.channels")


class ReplySendFailed(Exception):
    """The platform refused or could not be reached; `permanent` when retrying will not help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class ReplySender(Protocol):
    def send(self, *, channel: str, reply_to: dict[str, Any], text: str) -> None:
        """Deliver `text` to the address in `reply_to`; raise ReplySendFailed on failure."""


class ConsoleReplySender:
    sent: list[tuple[str, dict[str, Any], str]] = []

    def send(self, *, channel: str, reply_to: dict[str, Any], text: str) -> None:
        # Logged at WARNING so that it shows on the demo's console.
        log.warning("%s reply to %s: %s", channel, reply_to.get("to_user_id", "?"), text)
        ConsoleReplySender.sent.append((channel, reply_to, text))


def reply_sender() -> ReplySender:
    """The configured sender (settings.CHANNEL_REPLY_SENDER, a dotted path to a class)."""
    sender: ReplySender = import_string(settings.CHANNEL_REPLY_SENDER)()
    return sender


class SocialAdapter:
    """The outbox's adapter for WeChat, Weibo and Douyin: the text through the reply sender."""

    def send(self, *, envelope: "Envelope", message: "OutboxMessage") -> str:
        from aftersales.notifications.channels import SOCIAL_MAX, text_clip
        from aftersales.notifications.outbox import DeliveryFailed

        try:
            reply_sender().send(
                channel=message.channel, reply_to=envelope.reply_to, text=text_clip(envelope.body, SOCIAL_MAX)
            )
        except ReplySendFailed as failure:
            raise DeliveryFailed(str(failure), permanent=failure.permanent) from None
        return ""
