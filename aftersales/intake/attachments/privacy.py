"""Uploaded photos and videos, for the privacy services (accounts/privacy/registry.py).

Export lists each file of the customer's complaints and adds the file itself; erasure blanks
the device's file names and deletes the files (the privacy service deletes what `_files`
lists), keeping type, size and SHA-256 so the timeline's record of each still verifies.
"""

from datetime import datetime

from django.db.models import QuerySet

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
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


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="attachments", export=_export, erase=_erase, files=_files)
    )
