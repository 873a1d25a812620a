"""The records the ledger seals, read back as their canonical bytes (read-only)."""

from collections.abc import Iterable

from aftersales.complaints.events import canonical_bytes
from aftersales.complaints.models import TimelineEvent

TIMELINE_EVENT = "timeline_event"


def record_contents(subjects: Iterable[tuple[str, int]]) -> dict[tuple[str, int], bytes]:
    """{(kind, id): canonical bytes as stored now} for the subjects that still exist."""
    ids = [subject_id for kind, subject_id in subjects if kind == TIMELINE_EVENT]
    events = (
        TimelineEvent.objects.filter(pk__in=ids)
        .select_related("complaint")
        .only("id", "seq", "kind", "at", "actor", "payload", "complaint__number")
    )
    return {
        (TIMELINE_EVENT, event.pk): canonical_bytes(event, complaint_number=event.complaint.number)
        for event in events
    }


def first_unsealed_timeline_event(sealed_ids: object) -> tuple[int, str] | None:
    """The first timeline event (id, complaint number) whose id is not among `sealed_ids` (a subquery)."""
    return (
        TimelineEvent.objects.exclude(pk__in=sealed_ids)
        .order_by("pk")
        .values_list("pk", "complaint__number")
        .first()
    )
