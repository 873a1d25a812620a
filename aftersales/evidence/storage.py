"""Where generated documents (service-record and wipe-certificate PDFs) are kept: one place.

Every generated file is written by `generated_file_save` under `evidence/` in Django's default
storage (MEDIA_ROOT unless configured otherwise), named by the complaint or certificate it
belongs to, and recorded on its row (`ServiceRecord.file_name`, `WipeCertificate.file_name`).
Erasure deletes them through `generated_files_delete_for_customer`; the ledger keeps only
their hashes, so it still verifies after the files are gone.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from aftersales.evidence.models import ServiceRecord

ROOT = "evidence"


def service_record_file_name(*, complaint_number: str, record_id: int) -> str:
    return f"{ROOT}/records/{complaint_number}/{record_id}.pdf"


def wipe_certificate_file_name(*, certificate_id: str) -> str:
    return f"{ROOT}/wipes/{certificate_id}.pdf"


def generated_file_save(*, name: str, data: bytes) -> str:
    """Store `data` as `name` (replacing an earlier file of that name); returns the stored name."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def generated_file_read(name: str) -> bytes | None:
    """The stored bytes, or None when the file is gone (erased, or storage lost)."""
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return bytes(handle.read())


def generated_file_exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def generated_file_delete(name: str) -> bool:
    if name and default_storage.exists(name):
        default_storage.delete(name)
        return True
    return False


def generated_files_delete_for_customer(*, customer_id: int) -> int:
    """Delete every service-record PDF of the customer's complaints; returns how many files.

    Rows stay (with their hashes, which the ledger seals) and forget their file name. Wipe
    certificates name a device, not a person, and are kept (docs/evidence.md).
    """
    deleted = 0
    records = ServiceRecord.objects.filter(complaint__customer_id=customer_id).exclude(file_name="")
    for record in records:
        deleted += generated_file_delete(record.file_name)
    records.update(file_name="")
    return deleted
