"""Replies that leave by the platform's API rather than in the webhook's response.

Douyin has no passive reply: a reply goes to `im/send/msg` with the conversation and message
ids of the customer's message. The sender is an interface; the console one prints the reply
(the demo), and a deployment sets AFTERSALES_CHANNEL_REPLY_SENDER to its own class.
"""

import logging
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

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
    sender: ReplySender = import_string(settings.CHANNEL_REPLY_SENDER)()
    return sender
