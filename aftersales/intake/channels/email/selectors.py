"""Reads of the e-mail channel: what a raw message holds, as `aftersales email parse` prints it."""

from typing import TypedDict

from django.db import DatabaseError

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.email.models import SentMail
from aftersales.intake.channels.email.services import mail_parse, mail_should_acknowledge


class AttachmentSummary(TypedDict):
    name: str
    content_type: str  # judged from the bytes
    bytes: int
    refused: str | None


# Keyed by "from", a Python keyword: a plain dict rather than a TypedDict.
MailSummaryDict = dict[str, object]


def parsed_mail_summary(raw: bytes) -> MailSummaryDict:
    """subject, from, reply_to, text, attachments, auto, acknowledge, complaint_number (and notes).

    `complaint_number` is the number the subject names, or that of the complaint whose mail
    In-Reply-To/References answers; only numbers of existing complaints. Writes nothing.
    """
    parsed = mail_parse(raw)
    attachments: list[AttachmentSummary] = [
        {"name": a.name, "content_type": a.content_type, "bytes": a.size, "refused": a.refused or None}
        for a in parsed.attachments
    ]
    return {
        "subject": parsed.subject,
        "from": parsed.from_address,
        "from_name": parsed.from_name,
        "reply_to": parsed.reply_to or None,
        "text": parsed.text,
        "attachments": attachments,
        "auto": parsed.auto,
        "acknowledge": mail_should_acknowledge(parsed),
        "complaint_number": _complaint_number(
            parsed.subject_numbers, [*parsed.in_reply_to, *parsed.references]
        ),
        "notes": list(parsed.notes),
    }


def _complaint_number(numbers: tuple[str, ...], message_ids: list[str]) -> str | None:
    try:
        return _known_complaint_number(numbers, message_ids)
    except DatabaseError:
        # No database to ask (parsing a file on a workstation): the subject's number as written.
        return numbers[0] if numbers else None


def _known_complaint_number(numbers: tuple[str, ...], message_ids: list[str]) -> str | None:
    if message_ids:
        sent = (
            SentMail.objects.filter(message_id__in=message_ids[-50:], complaint__isnull=False)
            .select_related("complaint")
            .order_by("-created_at")
            .first()
        )
        if sent is not None and sent.complaint is not None:
            return sent.complaint.number
    for number in numbers:
        if Complaint.objects.filter(number=number).exists():
            return number
    return numbers[0] if numbers else None
