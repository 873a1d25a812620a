"""Timeline events: one small function per kind, each called inside the service's transaction.

Payloads hold references and hashes, not personal data, and serialise canonically
(`canonical_bytes`) so that each event can be sealed into a hash chain.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from aftersales.accounts.actors import Actor
from aftersales.common.sql import rows_insert
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.evidence.ledger import Record, ledger_append

Kind = TimelineEvent.Kind


_pending: ContextVar[list[TimelineEvent] | None] = ContextVar("pending_timeline_events", default=None)


@contextmanager
def batched(*, new_chain: bool = False) -> Iterator[None]:
    """Write the events appended inside the block with one INSERT when it ends without error.

    `new_chain`: the events are a complaint's first (it was numbered in this transaction), so
    its ledger chain has no head to read.
    """
    pending: list[TimelineEvent] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    rows_insert(pending)
    ledger_append(records=[ledger_record(event) for event in pending], new_chains=new_chain)


def _append(
    *,
    complaint: Complaint,
    kind: str,
    actor: Actor,
    at: datetime,
    payload: dict,
    message: Message | None = None,
) -> TimelineEvent:
    # The caller holds the complaint row locked and saves event_count with its own changes.
    complaint.event_count += 1
    event = TimelineEvent(
        complaint=complaint,
        seq=complaint.event_count,
        kind=kind,
        at=at,
        actor=actor.ref,
        payload=payload,
        message=message,
    )
    pending = _pending.get()
    if pending is None:
        event.save(force_insert=True)
        ledger_append(records=[ledger_record(event)])
    else:
        pending.append(event)
    return event


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def created_event(*, complaint: Complaint, actor: Actor, at: datetime) -> TimelineEvent:
    payload = {
        "number": complaint.number,
        "channel": complaint.channel,
        "customer": complaint.customer_id,
        "device": complaint.device_id,
        "state": complaint.state,
        "team": complaint.team,
    }
    if complaint.follows is not None:
        payload["follows"] = complaint.follows.number
    return _append(complaint=complaint, kind=Kind.CREATED, actor=actor, at=at, payload=payload)


def triage_event(
    *, complaint: Complaint, actor: Actor, at: datetime, revised_from: dict | None = None
) -> TimelineEvent:
    """The complaint's pre-diagnosis as it stands; `revised_from` ({"category", "confidence",
    "team"}) when the worker's second reading replaced the arrival reading."""
    payload = {
        "category": complaint.category,
        "confidence": round(complaint.category_confidence, 4),
        "priority": complaint.priority,
        "level": complaint.level,
        "reasons": complaint.triage_reasons,
        "alternatives": complaint.triage_alternatives,
        "model": complaint.triage_model,
    }
    if revised_from is not None:
        payload |= {"revised_from": revised_from, "team": complaint.team}
    return _append(complaint=complaint, kind=Kind.TRIAGE, actor=actor, at=at, payload=payload)


def category_event(
    *, complaint: Complaint, actor: Actor, at: datetime, previous: str, reason: str
) -> TimelineEvent:
    payload = {
        "category_from": previous,
        "category_to": complaint.category,
        "team": complaint.team,
        "reason": reason,
    }
    return _append(complaint=complaint, kind=Kind.TRIAGE, actor=actor, at=at, payload=payload)


def rules_reread_event(
    *,
    complaint: Complaint,
    actor: Actor,
    at: datetime,
    message: Message,
    priority_from: int,
    level_from: str,
    reasons: list[dict[str, str]],
) -> TimelineEvent:
    """A customer's later message fired the pack's rules and raised priority or level."""
    payload = {
        "message": message.pk,
        "priority_from": priority_from,
        "priority_to": complaint.priority,
        "level_from": level_from,
        "level_to": complaint.level,
        "reasons": reasons,
    }
    return _append(complaint=complaint, kind=Kind.TRIAGE, actor=actor, at=at, payload=payload)


def follow_up_event(
    *, complaint: Complaint, actor: Actor, at: datetime, follow_up: Complaint
) -> TimelineEvent:
    """On a complaint no longer open: the customer wrote again, and `follow_up` was opened for it
    or (another open complaint about the same device) took the message."""
    payload = {"follow_up": follow_up.number}
    return _append(complaint=complaint, kind=Kind.FOLLOW_UP, actor=actor, at=at, payload=payload)


def message_event(
    *,
    complaint: Complaint,
    actor: Actor,
    message: Message,
    linked_duplicate: bool = False,
    sender_verified: bool = True,
) -> TimelineEvent:
    kind = {
        Message.Direction.IN: Kind.MESSAGE_IN,
        Message.Direction.OUT: Kind.MESSAGE_OUT,
        Message.Direction.NOTE: Kind.NOTE,
    }[Message.Direction(message.direction)]
    payload: dict = {"message": message.pk, "sha256": content_hash(message.body), "channel": message.channel}
    if linked_duplicate:
        payload["linked_duplicate"] = True
    if not sender_verified:
        # Sent from an anonymous form that matched this customer by phone or IMEI only.
        payload["sender_verified"] = False
    return _append(
        complaint=complaint, kind=kind, actor=actor, at=message.created_at, payload=payload, message=message
    )


def status_event(
    *, complaint: Complaint, actor: Actor, at: datetime, action: str, from_state: str, reason: str
) -> TimelineEvent:
    payload = {"action": action, "from": from_state, "to": complaint.state, "reason": reason}
    return _append(complaint=complaint, kind=Kind.STATUS, actor=actor, at=at, payload=payload)


def assignment_event(
    *, complaint: Complaint, actor: Actor, at: datetime, previous_owner: int | None, reason: str
) -> TimelineEvent:
    payload = {
        "owner_from": previous_owner,
        "owner_to": complaint.owner_id,
        "team": complaint.team,
        "reason": reason,
    }
    return _append(complaint=complaint, kind=Kind.ASSIGNMENT, actor=actor, at=at, payload=payload)


def escalation_event(
    *, complaint: Complaint, actor: Actor, at: datetime, from_level: str, reason: str, automatic: bool
) -> TimelineEvent:
    payload = {
        "from_level": from_level,
        "to_level": complaint.level,
        "team": complaint.team,
        "reason": reason,
        "automatic": automatic,
    }
    return _append(complaint=complaint, kind=Kind.ESCALATION, actor=actor, at=at, payload=payload)


def inspection_event(*, complaint: Complaint, actor: Actor, at: datetime, findings: Message) -> TimelineEvent:
    """The device was inspected. The findings are staff's words and may describe the customer, so
    the payload references their message by id and hash (erasable), as message events do."""
    payload = {"message": findings.pk, "sha256": content_hash(findings.body)}
    return _append(
        complaint=complaint, kind=Kind.INSPECTION, actor=actor, at=at, payload=payload, message=findings
    )


def dispatch_event(
    *, complaint: Complaint, actor: Actor, at: datetime, team_from: str, facts: dict
) -> TimelineEvent:
    """The complaint went to an outlet's team. `facts`: the outlet's code, why it was chosen
    (its basis, distance, queue, capacity, the staff's reason) and that reason in words in
    each language (network/dispatch.py); no customer location."""
    payload = {
        **facts,
        "team_from": team_from,
        "team": complaint.team,
        "inspect_due_at": _iso(complaint.inspect_due_at) if complaint.inspect_due_at else None,
    }
    return _append(complaint=complaint, kind=Kind.DISPATCH, actor=actor, at=at, payload=payload)


def satisfaction_event(
    *, complaint: Complaint, actor: Actor, at: datetime, score: int, comment: Message | None
) -> TimelineEvent:
    """The customer rated the resolved complaint 1-5; their comment, if any, is referenced by id
    and hash (erasable with their other messages), never copied."""
    payload: dict = {"score": score}
    if comment is not None:
        payload |= {"message": comment.pk, "sha256": content_hash(comment.body)}
    return _append(
        complaint=complaint, kind=Kind.SATISFACTION, actor=actor, at=at, payload=payload, message=comment
    )


def sla_breach_event(
    *, complaint: Complaint, actor: Actor, at: datetime, deadline: str, due_at: datetime
) -> TimelineEvent:
    payload = {"deadline": deadline, "due_at": _iso(due_at), "level": complaint.level}
    return _append(complaint=complaint, kind=Kind.SLA_BREACH, actor=actor, at=at, payload=payload)


def repair_event(*, complaint_id: int, actor: Actor, at: datetime, step: str, payload: dict) -> TimelineEvent:
    """A step of a repair order (repairs/status.py) on its complaint's timeline.

    payload: the order's number and what the step recorded (ids, codes, hashes, amounts;
    no personal data). Locks the complaint row and saves its event count itself, so the
    repairs app writes the timeline without touching complaints otherwise.
    """
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    event = _append(
        complaint=complaint, kind=Kind.REPAIR, actor=actor, at=at, payload={"step": step, **payload}
    )
    complaint.save(update_fields=["event_count"])
    return event


def call_event(
    *, complaint: Complaint, actor: Actor, at: datetime, facts: dict, priority_from: int | None = None
) -> TimelineEvent:
    """A hotline call about the complaint (intake/channels/hotline). `facts`: the call's id, the
    queue, direction, duration in seconds and the recording's SHA-256 (the recording itself stays
    with the call, erasable); no phone number, name or transcript."""
    payload = dict(facts)
    if priority_from is not None:
        payload["priority_from"] = priority_from
        payload["priority_to"] = complaint.priority
    return _append(complaint=complaint, kind=Kind.CALL, actor=actor, at=at, payload=payload)


def attachment_event(
    *, complaint_id: int, actor: Actor, at: datetime, attachments: list[dict]
) -> TimelineEvent:
    """Files were attached to the complaint (intake.attachments): per file its id, kind, type,
    size and SHA-256, never its name. Locks the complaint row and saves its event count, like
    `repair_event`."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    event = _append(
        complaint=complaint, kind=Kind.ATTACHMENT, actor=actor, at=at, payload={"attachments": attachments}
    )
    complaint.save(update_fields=["event_count"])
    return event


def delivery_failure_event(
    *, complaint: Complaint, actor: Actor, at: datetime, channel: str, reference: str, reason: str
) -> TimelineEvent:
    """A message we sent the customer came back undelivered (`reference`: which message)."""
    payload = {"channel": channel, "reference": reference, "reason": reason}
    return _append(complaint=complaint, kind=Kind.DELIVERY_FAILED, actor=actor, at=at, payload=payload)


def erasure_event(
    *, complaint: Complaint, actor: Actor, at: datetime, request_id: int, erased: dict
) -> TimelineEvent:
    """The customer's personal data on this complaint was erased (accounts/privacy, PIPL art. 47).

    payload: the erasure request's id and how many of each thing were erased (counts only).
    """
    payload = {"request": request_id, "erased": erased}
    return _append(complaint=complaint, kind=Kind.ERASURE, actor=actor, at=at, payload=payload)


def duplicate_event(
    *,
    complaint: Complaint,
    actor: Actor,
    at: datetime,
    original: Complaint,
    duplicate: Complaint,
    reason: str,
) -> TimelineEvent:
    """Written on both complaints when `duplicate` is marked as repeating `original`.

    payload: both numbers, which of the two this event is on ("side"), the staff's reason.
    """
    side = "duplicate" if complaint.pk == duplicate.pk else "original"
    payload = {"original": original.number, "duplicate": duplicate.number, "side": side, "reason": reason}
    return _append(complaint=complaint, kind=Kind.DUPLICATE, actor=actor, at=at, payload=payload)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(event: TimelineEvent, *, complaint_number: str) -> bytes:
    """The event's content in one byte-exact form: sorted keys, no spaces, UTC time."""
    document = {
        "complaint": complaint_number,
        "seq": event.seq,
        "kind": event.kind,
        "at": _iso(event.at),
        "actor": event.actor,
        "payload": event.payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def ledger_record(event: TimelineEvent) -> Record:
    """The event as the evidence ledger seals it: one chain per complaint."""
    number = event.complaint.number
    return Record(
        chain=f"complaint:{number}",
        subject_kind="timeline_event",
        subject_id=event.pk,
        content=canonical_bytes(event, complaint_number=number),
    )
