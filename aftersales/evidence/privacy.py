"""Service-record PDFs of a customer's complaints, for the privacy services (accounts/privacy/registry.py).

A service record prints the customer's name, contacts and messages, so its PDF is the customer's
data: it is exported, and erasure deletes the file (after commit, by the privacy service) and
forgets its name. The row stays with its content and PDF hashes, which the ledger sealed, so the
chain still verifies. Wipe certificates name a device, not a person, and are kept.
"""

from datetime import datetime

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
)
from aftersales.evidence.models import ServiceRecord


def _records(subject: DataSubject):  # type: ignore[no-untyped-def]
    return ServiceRecord.objects.filter(complaint_id__in=subject.complaint_ids)


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "service_records": [
            {
                "complaint": record.complaint.number,
                "status": record.status,
                "generated_at": record.generated_at,
                "content_sha256": record.content_sha256,
                "pdf_sha256": record.pdf_sha256,
            }
            for record in _records(subject).select_related("complaint").order_by("pk")
        ]
    }


def _files(*, subject: DataSubject) -> list[StoredFile]:
    return [
        StoredFile(storage_name=record.file_name, export_name=f"service-records/{record.pk}.pdf")
        for record in _records(subject).exclude(file_name="").order_by("pk")
    ]


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    return {"service_record_files": _records(subject).exclude(file_name="").update(file_name="")}


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="evidence", export=_export, erase=_erase, files=_files)
    )
