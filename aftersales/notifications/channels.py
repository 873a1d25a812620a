"""The outbox's own channel adapters: e-mail (Django's e-mail backend), SMS (the gateway), in app.

The social platforms' adapters live with their channels (intake/channels/social/outbound.py).
Each adapter refuses what would be unsafe to send rather than repairing it silently:
a CR or LF in a subject, a sender name or an address would start a new header (header
injection, RFC 5322 section 2.2), so such a message fails for good and is never retried.
Overlong text is cut with an ellipsis to what the channel carries.
"""

import re
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.core.validators import validate_email

from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.outbox import DeliveryFailed, Envelope
from aftersales.notifications.sms import gateway

# Control characters other than tab and line breaks never belong in a message body.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")
SUBJECT_MAX = 200
BODY_MAX = 20_000
SMS_MAX = 500  # a long SMS: about seven concatenated parts of 70 Chinese characters
SOCIAL_MAX = 600  # WeChat's customer-service text is capped at 2048 bytes


def text_clip(text: str, limit: int) -> str:
    """`text` without control characters, cut to `limit` characters with an ellipsis."""
    text = _CONTROL.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header_refuse_line_breaks(name: str, value: str) -> None:
    """Raise DeliveryFailed (permanent) when a header value carries a line break."""
    if _LINE_BREAK.search(value):
        raise DeliveryFailed(f"header injection refused: line break in {name}", permanent=True)


class EmailAdapter:
    """Through Django's configured e-mail backend (EMAIL_BACKEND); returns the Message-ID."""

    def send(self, *, envelope: Envelope, message: OutboxMessage) -> str:
        address = envelope.address
        header_refuse_line_breaks("subject", envelope.subject)
        header_refuse_line_breaks("recipient", address)
        for name, value in envelope.headers.items():
            header_refuse_line_breaks(name, value)
        header_refuse_line_breaks("sender", settings.DEFAULT_FROM_EMAIL)
        try:
            validate_email(address)
        except ValidationError:
            raise DeliveryFailed("not an e-mail address", permanent=True) from None
        headers = dict(envelope.headers)
        if "Message-ID" not in headers:
            domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "aftersales.invalid"
            headers["Message-ID"] = make_msgid(idstring=f"outbox{message.pk}", domain=domain)
        mail = EmailMessage(
            subject=text_clip(envelope.subject, SUBJECT_MAX),
            body=text_clip(envelope.body, BODY_MAX),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
        )
        try:
            mail.send(fail_silently=False)
        except BadHeaderError as refused:
            raise DeliveryFailed(f"header injection refused: {refused}", permanent=True) from None
        except smtplib.SMTPRecipientsRefused as refused:
            raise DeliveryFailed(f"recipient refused: {refused}"[:255], permanent=True) from None
        return headers["Message-ID"].strip("<>")


class SmsAdapter:
    """Through the SMS gateway (notifications/sms.py; the console one logs the text)."""

    def send(self, *, envelope: Envelope, message: OutboxMessage) -> str:
        if not envelope.address:
            raise DeliveryFailed("no mobile number", permanent=True)
        gateway()(envelope.address, text_clip(envelope.body, SMS_MAX))
        return ""


class InAppAdapter:
    """Nothing leaves: the notification record written when the row is marked sent is the message."""

    def send(self, *, envelope: Envelope, message: OutboxMessage) -> str:
        return ""
