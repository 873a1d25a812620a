"""Hotline calls of a customer, for the privacy services (accounts/privacy/registry.py).

Erasure blanks the caller's number and the transcript and deletes the recording file (the
service deletes what `_files` lists once the transaction commits); the recording's SHA-256,
size and type stay, so the sealed timeline event that cites the hash still verifies.
Retention (`recordings` in the pack) deletes recording files older than its period.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
    retention_purger_register,
)
from aftersales.intake.channels.hotline.models import Call


def _calls(subject: DataSubject) -> QuerySet[Call]:
    return Call.objects.filter(
        Q(customer_id=subject.customer_id)
        | Q(complaint_id__in=subject.complaint_ids)
        | Q(customer_phone__in=[phone for phone in subject.phones if phone])
    )


def _export(*, subject: DataSubject) -> ExportSections:
    return {
        "hotline_calls": [
            {**row, "started_at": row["started_at"].isoformat(), "ended_at": row["ended_at"].isoformat()}
            for row in _calls(subject)
            .order_by("pk")
            .values(
                "id",
                "direction",
                "queue",
                "customer_phone",
                "started_at",
                "ended_at",
                "transcript",
                "recording_sha256",
            )
        ]
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    calls = _calls(subject).update(
        customer_phone="", transcript="", recording="", customer=None, erased_at=at
    )
    return {"hotline_calls": calls}


def _files(*, subject: DataSubject) -> list[StoredFile]:
    return [
        StoredFile(storage_name=name, export_name=f"call-{pk}.{name.rsplit('.', 1)[-1]}")
        for pk, name in _calls(subject).exclude(recording="").order_by("pk").values_list("pk", "recording")
    ]


def purge_recordings(*, cutoff: datetime, now: datetime) -> int:
    """Recording files of calls that started before `cutoff` (the hash stays)."""
    from aftersales.accounts.privacy.services import _delete_files

    old = Call.objects.exclude(recording="").filter(started_at__lt=cutoff)
    names = list(old.values_list("recording", flat=True))
    count = Call.objects.filter(pk__in=list(old.values_list("pk", flat=True))).update(recording="")
    transaction.on_commit(lambda: _delete_files(names))
    return count


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="hotline", export=_export, erase=_erase, files=_files)
    )
    retention_purger_register("recordings", purge_recordings)
