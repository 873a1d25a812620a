"""Uploaded photos and videos, for the privacy services (accounts/privacy/registry.py).

Export lists each file of the customer's complaints and adds the file itself; erasure blanks
the device's file names and deletes the files (the privacy service deletes what `_files`
lists), keeping type, size and SHA-256 so the timeline's record of each still verifies.
Retention deletes the files of complaints archived longer than the pack's `attachments` period.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
    retention_purger_register,
)
from aftersales.intake.models import Attachment


def _attachments(subject: DataSubject) -> QuerySet[Attachment]:
    return Attachment.objects.filter(complaint_id__in=subject.complaint_ids)


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "attachments": list(
            _attachments(subject)
            .order_by("pk")
            .values(
                "token",
                "complaint_id",
                "channel",
                "kind",
                "name",
                "content_type",
                "size",
                "sha256",
                "uploaded_at",
            )
        )
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    erased = _attachments(subject).exclude(erased_at__isnull=False).update(name="", file="", erased_at=at)
    return {"attachments": erased}


def _files(*, subject: DataSubject) -> list[StoredFile]:
    return [
        StoredFile(storage_name=name, export_name=f"attachment-{token}-{original or kind}")
        for token, name, original, kind in _attachments(subject)
        .exclude(file="")
        .order_by("pk")
        .values_list("token", "file", "name", "kind")
    ]


def purge_attachments(*, cutoff: datetime, now: datetime) -> int:
    """Files of complaints archived or closed before `cutoff` (the pack's `attachments` period,
    counted from the archive: `closed_at`, else the archive deadline): deleted, names blanked."""
    from aftersales.intake.attachments.services import _delete_files

    old = (
        Attachment.objects.exclude(file="")
        .filter(complaint__state__in=["archived", "closed"])
        .annotate(archived_at=Coalesce("complaint__closed_at", "complaint__archive_due_at"))
        .filter(archived_at__lt=cutoff)
    )
    rows = list(old.values_list("pk", "file"))
    count = Attachment.objects.filter(pk__in=[pk for pk, _ in rows]).update(file="", name="", erased_at=now)
    names = [name for _, name in rows]
    transaction.on_commit(lambda: _delete_files(names))
    return count


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="attachments", export=_export, erase=_erase, files=_files)
    )
    retention_purger_register("attachments", purge_attachments)
