"""Mail to and from a customer, for the privacy services (accounts/privacy/registry.py).

Erasure blanks senders, recipients, Message-IDs, subjects, bodies and attachment names and deletes the
attachment files (the service deletes what `_files` lists); sizes, types and SHA-256 stay, so the
evidence that an attachment existed still verifies. Retention blanks sent mail and deletes
attachment files after the pack's periods.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
    retention_purger_register,
)
from aftersales.intake.channels.email.models import MailAttachment, ReceivedMail, SentMail


def _received(subject: DataSubject) -> QuerySet[ReceivedMail]:
    return ReceivedMail.objects.filter(
        Q(complaint_id__in=subject.complaint_ids) | Q(sender__in=subject.emails)
    )


def _sent(subject: DataSubject) -> QuerySet[SentMail]:
    return SentMail.objects.filter(
        Q(complaint_id__in=subject.complaint_ids) | Q(recipient__in=subject.emails)
    )


def _attachments(subject: DataSubject) -> QuerySet[MailAttachment]:
    return MailAttachment.objects.filter(
        Q(received__in=_received(subject)) | Q(complaint_id__in=subject.complaint_ids)
    )


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "mail_received": list(
            _received(subject).order_by("pk").values("id", "sender", "received_at", "outcome", "size")
        ),
        "mail_attachments": list(
            _attachments(subject)
            .order_by("pk")
            .values("received_id", "name", "content_type", "size", "sha256")
        ),
        "mail_sent": list(
            _sent(subject)
            .order_by("pk")
            .values("recipient", "subject", "body", "created_at", "sent_at", "state")
        ),
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    attachments = _attachments(subject).update(name="", declared_type="", file="")
    received = _received(subject).update(sender="", message_id="")
    sent = _sent(subject).update(recipient="", subject="", body="", in_reply_to="", references="")
    return {"mail_received": received, "mail_attachments": attachments, "mail_sent": sent}


def _files(*, subject: DataSubject) -> list[StoredFile]:
    return [
        StoredFile(storage_name=name, export_name=f"mail-{received}-{pk}-{original or 'attachment'}")
        for pk, received, name, original in _attachments(subject)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "received_id", "file", "name")
    ]


def purge_attachments(*, cutoff: datetime, now: datetime) -> int:
    """Attachment files of complaints archived or closed before `cutoff` (the archive moment:
    `closed_at`, else the archive deadline the sweeper archived it at)."""
    from aftersales.accounts.privacy.services import _delete_files

    old = (
        MailAttachment.objects.exclude(file="")
        .filter(complaint__state__in=["archived", "closed"])
        .annotate(archived_at=Coalesce("complaint__closed_at", "complaint__archive_due_at"))
        .filter(archived_at__lt=cutoff)
    )
    names = list(old.values_list("file", flat=True))
    count = MailAttachment.objects.filter(pk__in=list(old.values_list("pk", flat=True))).update(
        file="", name=""
    )
    transaction.on_commit(lambda: _delete_files(names))
    return count


def purge_sent_mail(*, cutoff: datetime, now: datetime) -> int:
    """Sent mail older than `cutoff`: recipient, subject and body blanked; the Message-ID stays for threads."""
    return (
        SentMail.objects.filter(created_at__lt=cutoff, state__in=["sent", "failed", "bounced"])
        .exclude(recipient="", body="")
        .update(recipient="", subject="", body="")
    )


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="email", export=_export, erase=_erase, files=_files)
    )
    retention_purger_register("mail_attachments", purge_attachments)
    retention_purger_register("sent_mail", purge_sent_mail)
