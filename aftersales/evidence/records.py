"""The records the ledger seals, read back as their canonical bytes (read-only).

Three kinds: a complaint's timeline events (complaints/events.py), the receipts of issued
service records (service_record.receipt_bytes) and signed wipe certificates (their document).
"""

from collections.abc import Iterable

from aftersales.complaints.events import canonical_bytes
from aftersales.complaints.models import TimelineEvent
from aftersales.evidence.models import ServiceRecord, WipeCertificate
from aftersales.evidence.service_record import receipt_bytes

TIMELINE_EVENT = "timeline_event"
SERVICE_RECORD = "service_record"
WIPE_CERTIFICATE = "wipe_certificate"


def service_record_receipt(record: ServiceRecord, *, complaint_number: str) -> bytes:
    assert record.generated_at is not None
    return receipt_bytes(
        record_id=record.pk,
        complaint_number=complaint_number,
        content_hash=record.content_sha256,
        pdf_hash=record.pdf_sha256,
        generated_at=record.generated_at,
    )


def record_contents(subjects: Iterable[tuple[str, int]]) -> dict[tuple[str, int], bytes]:
    """{(kind, id): canonical bytes as stored now} for the subjects that still exist."""
    ids: dict[str, list[int]] = {TIMELINE_EVENT: [], SERVICE_RECORD: [], WIPE_CERTIFICATE: []}
    for kind, subject_id in subjects:
        if kind in ids:
            ids[kind].append(subject_id)
    contents: dict[tuple[str, int], bytes] = {}
    if ids[TIMELINE_EVENT]:
        events = (
            TimelineEvent.objects.filter(pk__in=ids[TIMELINE_EVENT])
            .select_related("complaint")
            .only("id", "seq", "kind", "at", "actor", "payload", "complaint__number")
        )
        for event in events:
            contents[(TIMELINE_EVENT, event.pk)] = canonical_bytes(
                event, complaint_number=event.complaint.number
            )
    if ids[SERVICE_RECORD]:
        records = ServiceRecord.objects.filter(
            pk__in=ids[SERVICE_RECORD], generated_at__isnull=False
        ).select_related("complaint")
        for record in records:
            contents[(SERVICE_RECORD, record.pk)] = service_record_receipt(
                record, complaint_number=record.complaint.number
            )
    if ids[WIPE_CERTIFICATE]:
        for pk, document in WipeCertificate.objects.filter(pk__in=ids[WIPE_CERTIFICATE]).values_list(
            "pk", "document"
        ):
            contents[(WIPE_CERTIFICATE, pk)] = document.encode()
    return contents


def first_unsealed_timeline_event(sealed_ids: object) -> tuple[int, str] | None:
    """The first timeline event (id, complaint number) whose id is not among `sealed_ids` (a subquery)."""
    return (
        TimelineEvent.objects.exclude(pk__in=sealed_ids)
        .order_by("pk")
        .values_list("pk", "complaint__number")
        .first()
    )
