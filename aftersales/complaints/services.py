"""Every write to a complaint: one function per intent, each taking the actor.

Each service locks the complaint row, checks the workflow table, changes the row,
appends its timeline events in the same transaction and schedules side effects after
commit.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from stdnum import luhn

from aftersales.accounts.actors import SYSTEM, Actor, customer_actor
from aftersales.accounts.models import Customer, CustomerIdentity, User
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common import clock
from aftersales.common.errors import Conflict, Forbidden, TransitionNotAllowed, ValidationFailed, problem
from aftersales.common.sql import rows_insert
from aftersales.common.text import text_problem
from aftersales.complaints import events, sla
from aftersales.complaints.models import (
    COMPLAINT_NUMBER_SEQUENCE,
    Complaint,
    ComplaintNumberSequence,
    Message,
    TimelineEvent,
)
from aftersales.complaints.search import document_terms, search_index_refresh, search_index_write
from aftersales.complaints.status import CLOCKED_STATES, OPEN_STATES, State, allowed_actions, move_for
from aftersales.devices.models import Device
from aftersales.policy.pack import LEVELS, PolicyPack, current_pack
from aftersales.triage.services import TriageResult

DEADLINE_FIELDS = (*sla.WORKING_CLOCKS, sla.SATISFACTION, sla.ARCHIVE)

# Channels where the customer stands at an outlet's counter: the complaint stays with that outlet.
COUNTER_CHANNELS = frozenset({"store", "outlet"})


# --- numbers and tokens -------------------------------------------------------------


def complaint_number_issue(*, at: datetime, pack: PolicyPack) -> str:
    """Next number of the day: PREFIX-YYYYMMDD-NNNNN-C, C a Luhn check digit over the digits.

    Sortable by date, never reused, and a mistyped digit is caught by the check digit. Call it
    in the transaction that stores the complaint. On SQLite the day's counter row is raised in
    one upsert (the write transaction is the only writer anyway). On PostgreSQL the serial
    comes from a sequence, which never waits for another transaction: a counter row would be
    locked from its update to COMMIT and every intake of the day would queue on it. A number
    drawn by a transaction that then rolls back is not issued again, so PostgreSQL's serials
    can have gaps (docs/benchmarks.md, "Complaint numbers").
    """
    day = clock.localdate(at)
    serial = _serial_from_sequence(day) if connection.vendor == "postgresql" else _serial_from_counter(day)
    digits = f"{day:%Y%m%d}{serial:05d}"
    return f"{pack.number_prefix}-{day:%Y%m%d}-{serial:05d}-{luhn.calc_check_digit(digits)}"


def _serial_from_counter(day: date) -> int:
    table = connection.ops.quote_name(ComplaintNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        # SQLite >= 3.35 and PostgreSQL both take this upsert with RETURNING.
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        return int(cursor.fetchone()[0])


# Days whose numbering row this process has seen committed with its base (PostgreSQL).
_days_ready: set[date] = set()


def complaint_numbering_prepare(*, at: datetime) -> None:
    """PostgreSQL: make sure the day of `at` has its numbering row, in a statement of its own.

    Called before the write transaction (intake does): the row is then committed, and the
    transaction's number is one statement that reads it and locks nothing. Without it the
    day's first complaint writes the row in its own transaction, and other first complaints
    of that day wait for that COMMIT. Does nothing on SQLite, inside a transaction, or for a
    day this process has already seen ready.
    """
    day = clock.localdate(at)
    if connection.vendor != "postgresql" or connection.in_atomic_block or day in _days_ready:
        return
    table = connection.ops.quote_name(ComplaintNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last, base) VALUES (%s, 0, nextval('{COMPLAINT_NUMBER_SEQUENCE}')) "
            f"ON CONFLICT (day) DO UPDATE SET base = COALESCE({table}.base, EXCLUDED.base)",
            [day],
        )
    _days_ready.add(day)


def _serial_from_sequence(day: date) -> int:
    """The day's next serial from the sequence: one statement that locks nothing.

    1. Draw a value and read the day's row in one round trip.
    2. Without a base (no row, or a row the counter wrote: complaint_numbering_prepare was
       not called), this value becomes the day's base; a concurrent first one waits for that
       row's commit and takes the same base (COALESCE keeps the first).
    3. A value drawn before the base was set (a slower first complaint) is below it: draw
       again, and the new value is above it.
    """
    table = connection.ops.quote_name(ComplaintNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval('{COMPLAINT_NUMBER_SEQUENCE}'), day_row.last, day_row.base "
            f"FROM (SELECT 1) AS one LEFT JOIN {table} AS day_row ON day_row.day = %s",
            [day],
        )
        value, last, base = cursor.fetchone()
        if base is None:
            cursor.execute(
                f"INSERT INTO {table} (day, last, base) VALUES (%s, 0, %s) ON CONFLICT (day) "
                f"DO UPDATE SET base = COALESCE({table}.base, EXCLUDED.base) RETURNING last, base",
                [day, value],
            )
            last, base = cursor.fetchone()
        while value < base:
            cursor.execute(f"SELECT nextval('{COMPLAINT_NUMBER_SEQUENCE}')")
            value = cursor.fetchone()[0]
    return int(last + value - base + 1)


def tracking_token(complaint: Complaint) -> str:
    """The private token that lets its holder follow one complaint without signing in."""
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(
        key, f"track:{complaint.number}:{complaint.tracking_salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def tracking_url(complaint: Complaint) -> str:
    """The complaint's private tracking page, for whoever may follow it."""
    return f"{settings.PUBLIC_BASE_URL}/track/{complaint.number}/?token={tracking_token(complaint)}"


def tracking_token_matches(complaint: Complaint, token: str) -> bool:
    # Compared as bytes: a token with non-ASCII characters is simply wrong, never an error.
    return bool(token) and hmac.compare_digest(
        tracking_token(complaint).encode(), token.encode("utf-8", "replace")
    )


# --- opening and messages ------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintDraft:
    """What a new complaint's row holds before it has a customer, a device and a number.

    `columns`: its team, the first-response mark of a staff member opening it during a live
    conversation, and its deadlines (business-calendar arithmetic); `search_terms` the
    index terms of its subject and first message. Made by `complaint_draft` before the write
    transaction opens, so that the transaction only writes.
    """

    at: datetime
    level: str
    needs_human_triage: bool
    staff: bool
    columns: dict[str, Any]
    search_terms: frozenset[str]


def complaint_draft(
    *,
    actor: Actor,
    channel: str,
    subject: str,
    body: str,
    triage: TriageResult,
    at: datetime,
    pack: PolicyPack | None = None,
) -> ComplaintDraft:
    """The columns of a complaint opened at `at` with this triage that need no database.

    Only the triage's level and `needs_human_triage` are used (they come from the text alone);
    its priority and reasons may still change with the customer and are taken by `complaint_open`.
    """
    pack = pack or current_pack()
    columns: dict[str, Any] = {
        "team": pack.triage_team if triage.needs_human_triage else pack.levels[triage.level].team,
        "created_at": at,
        "response_due_at": sla.response_deadline(at, pack),
        "level_response_due_at": sla.level_response_deadline(at, triage.level, pack),
        **sla.stage_deadlines(at, pack),
    }
    if actor.is_staff and channel in pack.first_response.live_channels:
        # Opened while speaking with the customer: that conversation was the first response.
        columns["responded_at"] = at
    # The new row's facts: accepted, nothing met, breached or recorded but the first response
    # just given (when it was); its deadlines are the columns above (what _refresh_next_deadline
    # reads off a saved complaint).
    facts = sla.DeadlineFacts(
        state=State.ACCEPTED,
        responded="responded_at" in columns,
        level_responded=False,
        inspected=False,
        breaches=(),
        satisfaction_recorded=False,
    )
    deadlines = {name: columns.get(name) for name in DEADLINE_FIELDS}
    columns["next_deadline_at"] = sla.next_deadline(facts, deadlines)
    columns["earliest_due_at"] = sla.earliest_due(facts, deadlines)
    return ComplaintDraft(
        at=at,
        level=triage.level,
        needs_human_triage=triage.needs_human_triage,
        staff=actor.is_staff,
        columns=columns,
        search_terms=frozenset(document_terms([subject[:200], body])),
    )


# The timeline events every new complaint starts with: created, its first message, the triage.
OPENING_EVENTS = 3


def complaint_open(
    *,
    actor: Actor,
    customer: Customer,
    contact: CustomerIdentity | None,
    email: CustomerIdentity | None = None,
    device: Device | None,
    channel: str,
    language: str,
    subject: str,
    body: str,
    triage: TriageResult,
    at: datetime,
    follows: Complaint | None = None,
    draft: ComplaintDraft | None = None,
) -> Complaint:
    """Create a complaint in `accepted` with its number, deadlines and first timeline events.

    `contact` is the identity it is filed under, `email` where its notifications go;
    `follows` the archived or closed complaint it follows up. `draft` is `complaint_draft`
    of the same actor, text, triage and moment when the caller made it before its
    transaction; without it (or for another level or moment) it is made here.

    Writes, in this order: the number, the complaint row (once, with its owner and event
    count), the message, its search document, the opening events and their ledger entries.
    """
    pack = current_pack()
    if draft is None or (draft.at, draft.level, draft.needs_human_triage, draft.staff) != (
        at,
        triage.level,
        triage.needs_human_triage,
        actor.is_staff,
    ):
        draft = complaint_draft(
            actor=actor, channel=channel, subject=subject, body=body, triage=triage, at=at, pack=pack
        )
    # 首问负责制: a hotline agent logging a call owns the complaint from its first event.
    first_contact = actor.user if actor.is_staff and actor.user is not None else None
    complaint = Complaint(
        number=complaint_number_issue(at=at, pack=pack),
        customer=customer,
        contact_identity=contact,
        email_identity=email,
        follows=follows,
        device=device,
        channel=channel,
        language=language,
        city=customer.city,
        subject=subject[:200],
        category=triage.category,
        category_confidence=triage.confidence,
        priority=triage.priority,
        level=triage.level,
        triage_reasons=triage.reasons,
        triage_model=triage.model,
        triage_alternatives=triage.alternatives,
        triage_second_reading_due=triage.second_reading_due,
        tracking_salt=secrets.token_hex(8),
        owner=first_contact,
        # Inserted once, already counting the events written below.
        event_count=OPENING_EVENTS + (first_contact is not None),
        **draft.columns,
    )
    message = Message(
        complaint=complaint, direction=Message.Direction.IN, channel=channel, body=body, created_at=at
    )
    # Prepared INSERTs (common.sql): this runs for every complaint, and building the ORM's
    # statements cost more than running them.
    rows_insert([complaint])
    rows_insert([message])
    # The new complaint's document: what search_index_refresh would read back from these rows.
    terms = set(draft.search_terms)
    if customer.erased_at is None and customer.name:
        terms.update(document_terms([customer.name]))
    search_index_write({complaint.pk: " ".join(sorted(terms))}, new=True)
    saved_count, complaint.event_count = complaint.event_count, 0
    with events.batched(new_chain=True):
        events.created_event(complaint=complaint, actor=actor, at=at)
        if first_contact is not None:
            events.assignment_event(
                complaint=complaint, actor=actor, at=at, previous_owner=None, reason="first contact"
            )
        events.message_event(complaint=complaint, actor=actor, message=message)
        events.triage_event(complaint=complaint, actor=SYSTEM, at=at)
    assert complaint.event_count == saved_count, "the opening events and the saved count disagree"
    _after_commit_notify_customer(complaint, "acknowledgement")
    return complaint


@transaction.atomic
def complaint_add_customer_message(
    *,
    actor: Actor,
    complaint: Complaint,
    body: str,
    channel: str,
    linked_duplicate: bool = False,
    sender_verified: bool = True,
) -> Message:
    """The customer writes again on an open complaint.

    A complaint waiting on the customer resumes, but only on a message from a verified
    sender (the owner signed in or holding the tracking link, staff filing for them, the
    customer's own mail): `sender_verified` is False for a message from an anonymous form
    that only matched the customer's phone and device, which is recorded as such and leaves
    the state as it is (anyone who knows a phone number and an IMEI could otherwise restart
    the clocks the customer's answer is awaited on). The message is read by the pack's rules
    like a new complaint: when it names a danger or a threat, priority and level rise (they
    never fall), with the reason on the timeline.
    """
    complaint = _lock(complaint)
    _require_customer_access(actor, complaint)
    if not complaint.is_open:
        raise TransitionNotAllowed(
            action="add a message",
            number=complaint.number,
            state=complaint.state,
            allowed=", ".join(allowed_actions(complaint.state, actor.role)) or "-",
        )
    now = clock.now()
    message = _write_message(
        complaint,
        actor=actor,
        direction=Message.Direction.IN,
        channel=channel,
        body=body,
        at=now,
        linked_duplicate=linked_duplicate,
        sender_verified=sender_verified,
    )
    complaint.contact_count += 1
    changed = ["event_count", "contact_count"]
    if complaint.state == State.WAITING_CUSTOMER and sender_verified:
        changed += _apply_move(complaint, actor=actor, action="resume", reason=RESUME_REASON, at=now)
    changed += _reread_by_rules(complaint, message=message, at=now)
    complaint.save(update_fields=sorted(set(changed)))
    return message


class FollowUpOutcome(StrEnum):
    ADDED = "added"  # the complaint was open and took the message
    REOPENED = "reopened"  # a resolved complaint reopened with fresh clocks
    NEW_COMPLAINT = "new_complaint"  # an archived or closed one: a new complaint follows it
    JOINED = "joined"  # not open, but its device has another open complaint: the message went there


@dataclass(frozen=True)
class FollowUp:
    message: Message  # message.complaint is where it landed
    outcome: FollowUpOutcome


def complaint_follow_up(*, actor: Actor, complaint: Complaint, body: str, channel: str) -> FollowUp:
    """A customer writes on one of their complaints, whatever its state (policy pack `follow_ups`).

    Open: the message is added (complaint_add_customer_message). Not open, while the same
    customer has another open complaint about the same device: the message joins that one,
    read by the rules again, and the old one's timeline records where it went (one open
    complaint per device, as intake keeps it; README "How a complaint flows"). Otherwise,
    resolved, by the demo pack: the complaint reopens with fresh clocks and its owner is
    told. Archived or closed: a new complaint is opened for the same customer and device,
    pre-diagnosed like any other, following the old one; the old one's timeline records it
    and its owner is told.
    Errors: TransitionNotAllowed when the customer may not reopen, ValidationFailed on the body,
    Forbidden when `actor` may not write on `complaint`.
    """
    if complaint.is_open:
        message = complaint_add_customer_message(actor=actor, complaint=complaint, body=body, channel=channel)
        return FollowUp(message=message, outcome=FollowUpOutcome.ADDED)
    _require_customer_access(actor, complaint)
    effect = current_pack().follow_ups[complaint.state]
    with transaction.atomic():
        # 1. The device first, as intake locks it: a concurrent submission or follow-up about
        #    it waits here, and then finds the complaint this one opened or reopened.
        if complaint.device_id is not None:
            Device.objects.select_for_update().filter(pk=complaint.device_id).first()
            # 2. Another open complaint about the device takes the message.
            open_complaint = (
                Complaint.objects.filter(
                    customer_id=complaint.customer_id, device_id=complaint.device_id, is_open=True
                )
                .order_by("-created_at")
                .first()
            )
            if open_complaint is not None:
                return FollowUp(
                    message=_join_open_complaint(
                        actor=actor,
                        complaint=complaint,
                        open_complaint=open_complaint,
                        body=body,
                        channel=channel,
                    ),
                    outcome=FollowUpOutcome.JOINED,
                )
        # 3. Else as the pack says.
        if effect == "reopen":
            return FollowUp(
                message=_reopen_on_message(actor=actor, complaint=complaint, body=body, channel=channel),
                outcome=FollowUpOutcome.REOPENED,
            )
        return FollowUp(
            message=_open_follow_up(actor=actor, complaint=complaint, body=body, channel=channel),
            outcome=FollowUpOutcome.NEW_COMPLAINT,
        )


def _join_open_complaint(
    *, actor: Actor, complaint: Complaint, open_complaint: Complaint, body: str, channel: str
) -> Message:
    # The caller may write on `complaint` (checked above); the open one is the same customer's.
    message = complaint_add_customer_message(
        actor=customer_actor(complaint.customer_id), complaint=open_complaint, body=body, channel=channel
    )
    complaint = _lock(complaint)
    events.follow_up_event(complaint=complaint, actor=actor, at=message.created_at, follow_up=open_complaint)
    complaint.save(update_fields=["event_count"])
    return message


@transaction.atomic
def _reopen_on_message(*, actor: Actor, complaint: Complaint, body: str, channel: str) -> Message:
    complaint = _lock(complaint)
    _require_customer_access(actor, complaint)
    now = clock.now()
    changed = _apply_move(complaint, actor=actor, action="reopen", reason=FOLLOW_UP_REASON, at=now)
    message = _write_message(
        complaint, actor=actor, direction=Message.Direction.IN, channel=channel, body=body, at=now
    )
    complaint.contact_count += 1
    changed += ["contact_count", "event_count", *_reread_by_rules(complaint, message=message, at=now)]
    complaint.save(update_fields=sorted(set(changed)))
    _after_commit_notify_owner(complaint, "reopened")
    return message


@transaction.atomic
def _open_follow_up(*, actor: Actor, complaint: Complaint, body: str, channel: str) -> Message:
    from aftersales.triage.services import CustomerContext, triage_complaint, triage_text

    complaint = _lock(complaint)
    _require_customer_access(actor, complaint)
    text = _checked_text(body)
    customer = complaint.customer
    now = clock.now()
    follow_up = complaint_open(
        actor=customer_actor(customer.pk),
        customer=customer,
        contact=complaint.contact_identity,
        email=complaint.email_identity,
        device=complaint.device,
        channel=channel,
        language=complaint.language,
        subject=text.splitlines()[0][:60],
        body=text,
        # Under the lock: read without the sentence encoder; the worker's second reading adds it.
        triage=triage_complaint(
            text=text,
            context=CustomerContext(is_senior=customer.is_senior, is_vip=customer.is_vip),
            text_triage=triage_text(text=text, defer_encoder=True),
        ),
        at=now,
        follows=complaint,
    )
    events.follow_up_event(complaint=complaint, actor=actor, at=now, follow_up=follow_up)
    complaint.save(update_fields=["event_count"])
    _after_commit_notify_owner(complaint, "follow_up")
    return follow_up.messages.get()


# The reason recorded when a customer's message reopens a complaint (the words are the message's).
FOLLOW_UP_REASON = "customer wrote again"
# The reason recorded when the customer's reply ends a wait for them.
RESUME_REASON = "customer replied"


def _reread_by_rules(complaint: Complaint, *, message: Message, at: datetime) -> list[str]:
    """Raise priority and level as the pack's rules read the new message; never lower them."""
    from aftersales.triage.services import triage_rules

    pack = current_pack()
    reading = triage_rules(text=message.body, pack=pack)
    if not reading.reasons:
        return []
    priority_from, level_from = complaint.priority, complaint.level
    changed: list[str] = []
    if reading.priority < complaint.priority:
        complaint.priority = reading.priority
        changed.append("priority")
    if LEVELS.index(reading.level) > LEVELS.index(complaint.level) and complaint.state in CLOCKED_STATES:
        changed += _apply_move(
            complaint,
            actor=SYSTEM,
            action="escalate",
            reason="follow-up message: " + ", ".join(r["rule"] for r in reading.reasons),
            at=at,
            to_level=reading.level,
        )
    if not changed:
        return []
    events.rules_reread_event(
        complaint=complaint,
        actor=SYSTEM,
        at=at,
        message=message,
        priority_from=priority_from,
        level_from=level_from,
        reasons=reading.reasons,
    )
    return [*changed, "event_count"]


@transaction.atomic
def complaint_reply(*, actor: Actor, complaint: Complaint, body: str) -> Message:
    """A staff member answers the customer; the first answer meets the response deadline."""
    complaint = _lock(complaint)
    _require_staff(actor, complaint, "complaint.reply")
    now = clock.now()
    changed = _staff_acted(complaint, actor, now)
    message = _write_message(
        complaint, actor=actor, direction=Message.Direction.OUT, channel=complaint.channel, body=body, at=now
    )
    changed += _mark_responded(complaint, now)
    complaint.save(update_fields=sorted(set(changed + ["event_count"])))
    _after_commit_notify_customer(complaint, "reply")
    return message


@transaction.atomic
def complaint_add_note(*, actor: Actor, complaint: Complaint, body: str) -> Message:
    complaint = _lock(complaint)
    _require_staff(actor, complaint, "complaint.note")
    now = clock.now()
    changed = _staff_acted(complaint, actor, now)
    message = _write_message(
        complaint, actor=actor, direction=Message.Direction.NOTE, channel="internal", body=body, at=now
    )
    complaint.save(update_fields=sorted(set(changed + ["event_count"])))
    return message


@transaction.atomic
def complaint_record_delivery_failure(
    *, actor: Actor, complaint: Complaint, channel: str, reference: str, reason: str
) -> Complaint:
    """A message to the customer could not be delivered (a bounce): recorded on the timeline.

    `reference` names the message (an e-mail Message-ID), `reason` the report's status and
    diagnostic, cut to 500 characters. The complaint's state and clocks do not change.
    """
    complaint = _lock(complaint)
    events.delivery_failure_event(
        complaint=complaint,
        actor=actor,
        at=clock.now(),
        channel=channel,
        reference=reference[:255],
        reason=reason[:500],
    )
    complaint.save(update_fields=["event_count"])
    return complaint


# --- the workflow ----------------------------------------------------------------------


@transaction.atomic
def complaint_transition(*, actor: Actor, complaint: Complaint, action: str, reason: str = "") -> Complaint:
    """Take one move of the workflow table (status.MOVES) on behalf of `actor`."""
    complaint = _lock(complaint)
    if actor.is_staff:
        _require_staff(actor, complaint, "complaint.view_team")
    else:
        _require_customer_access(actor, complaint)
    now = clock.now()
    changed = _staff_acted(complaint, actor, now)
    changed += _apply_move(complaint, actor=actor, action=action, reason=reason, at=now)
    complaint.save(update_fields=sorted(set(changed)))
    return complaint


def complaint_escalate(*, actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    return complaint_transition(actor=actor, complaint=complaint, action="escalate", reason=reason)


@transaction.atomic
def complaint_record_inspection(*, actor: Actor, complaint: Complaint, findings: str) -> Complaint:
    """The outlet (or a technical team) has inspected the device: stops the inspection clock."""
    complaint = _lock(complaint)
    _require_staff(actor, complaint, "complaint.inspect")
    if complaint.state not in CLOCKED_STATES:
        raise TransitionNotAllowed(
            action="record inspection",
            number=complaint.number,
            state=complaint.state,
            allowed=", ".join(allowed_actions(complaint.state, actor.role)) or "-",
        )
    if not findings.strip():
        raise ValidationFailed({"findings": problem("required")})
    now = clock.now()
    changed = _staff_acted(complaint, actor, now) + ["inspected_at", "event_count"]
    complaint.inspected_at = now
    # Kept as an internal note, referenced by the event: erasure can blank it without touching the seal.
    note = Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.NOTE,
        channel="inspection",
        body=_checked_text(findings, field="findings"),
        author=actor.user,
        created_at=now,
    )
    search_index_refresh(complaint_ids=[complaint.pk])
    events.inspection_event(complaint=complaint, actor=actor, at=now, findings=note)
    changed += _refresh_next_deadline(complaint)
    complaint.save(update_fields=sorted(set(changed)))
    return complaint


# Without a savepoint: its caller's transaction (intake, the dispatch) fails whole if this fails.
@transaction.atomic(savepoint=False)
def complaint_hand_to_outlet(*, actor: Actor, complaint: Complaint, team: str, facts: dict) -> Complaint:
    """Give the complaint to an outlet's team and start that outlet's inspection clock.

    Called by network.services.complaint_dispatch, which chooses the outlet, checks who may
    dispatch and passes what the timeline records (`facts`, events.dispatch_event). The
    inspection clock (pack `stage_deadlines.inspect_within_hours`) runs from now, or from the
    end of the pause when the complaint waits on the customer; an earlier outlet's inspection
    and breach of that clock no longer count. An owner who cannot see the outlet's complaints
    hands ownership to the dispatching staff member (or to nobody: the next to act takes it).
    Errors: 409 `transition_not_allowed` when the complaint is not open.
    """
    from aftersales.accounts.actors import staff_actor
    from aftersales.complaints.selectors import staff_may_see

    complaint = _lock(complaint)
    if not complaint.is_open:
        raise TransitionNotAllowed(
            action="dispatch",
            number=complaint.number,
            state=complaint.state,
            allowed=", ".join(allowed_actions(complaint.state, actor.role)) or "-",
        )
    now = clock.now()
    team_from = complaint.team
    complaint.team = team
    complaint.dispatched_at = now
    # Paused: the shift on resuming (sla.shift_after_pause) then leaves the full time from the resume.
    complaint.inspect_due_at = sla.inspection_deadline(complaint.paused_at or now, current_pack())
    complaint.inspected_at = None
    complaint.breaches = [name for name in complaint.breaches if name != sla.INSPECT]
    changed = ["team", "dispatched_at", "inspect_due_at", "inspected_at", "breaches", "event_count"]
    events.dispatch_event(complaint=complaint, actor=actor, at=now, team_from=team_from, facts=facts)
    owner = complaint.owner
    if owner is not None and not staff_may_see(staff_actor(owner), complaint):
        successor = actor.user if actor.is_staff and staff_may_see(actor, complaint) else None
        complaint.owner = successor
        events.assignment_event(
            complaint=complaint,
            actor=actor,
            at=now,
            previous_owner=owner.pk,
            reason="dispatched to another outlet",
        )
        changed.append("owner")
    changed += _refresh_next_deadline(complaint)
    complaint.save(update_fields=sorted(set(changed)))
    return complaint


@transaction.atomic
def complaint_receive_at_counter(*, actor: Actor, complaint: Complaint) -> Complaint:
    """A complaint its customer brought to an outlet's counter is worked by that outlet's team.

    Only for a complaint the acting outlet staff member just opened at their counter: its
    channel is `store` or `outlet`, they own it (first contact) and nobody has moved it
    yet (accepted). Written on the timeline as an assignment to the outlet's team. Errors:
    403 otherwise.
    """
    complaint = _lock(complaint)
    user = actor.user
    if (
        not actor.is_staff
        or actor.role not in OUTLET_STAFF
        or user is None
        or not user.team
        or complaint.owner_id != user.pk
        or complaint.channel not in COUNTER_CHANNELS
        or complaint.state != State.ACCEPTED
    ):
        raise Forbidden(what="take this complaint at the counter")
    if complaint.team == user.team:
        return complaint
    now = clock.now()
    complaint.team = user.team
    events.assignment_event(
        complaint=complaint,
        actor=actor,
        at=now,
        previous_owner=complaint.owner_id,
        reason="walk-in at the counter",
    )
    complaint.save(update_fields=["team", "event_count"])
    return complaint


@transaction.atomic
def complaint_transfer_ownership(
    *, actor: Actor, complaint: Complaint, new_owner: User, reason: str
) -> Complaint:
    """Hand first-contact responsibility to another staff member, explicitly and on the record.

    The new owner must be able to see the complaint where it is: handing a complaint of a
    central team to outlet staff (or one outlet's complaint to another outlet) is refused
    with 409 `owner_outside_team`, naming both teams. The owner never changes the team:
    dispatching a complaint to an outlet is its own step.
    """
    complaint = _lock(complaint)
    _require_staff(actor, complaint, "complaint.transfer_ownership")
    is_owner = actor.user is not None and complaint.owner_id == actor.user.pk
    if not is_owner and not actor.may("complaint.transfer_any_ownership"):
        raise Forbidden(what="transfer a complaint you do not own")
    if not new_owner.is_active or not new_owner.is_staff_member:
        raise ValidationFailed({"owner": problem("staff_unknown", username=new_owner.username)})
    if not reason.strip():
        raise ValidationFailed({"reason": problem("required")})
    _check_reason(reason)
    _require_owner_may_see(complaint, new_owner)
    previous = complaint.owner_id
    complaint.owner = new_owner
    events.assignment_event(
        complaint=complaint, actor=actor, at=clock.now(), previous_owner=previous, reason=reason
    )
    complaint.save(update_fields=["owner", "event_count"])
    return complaint


# A rating's comment is a remark, not a letter: shorter than a message.
SATISFACTION_COMMENT_LIMIT = 500


@transaction.atomic
def complaint_record_satisfaction(
    *, actor: Actor, complaint: Complaint, score: int, comment: str = ""
) -> Complaint:
    """The customer rates the resolved complaint 1-5, once, with an optional comment.

    Only the complaint's own customer rates (signed in, or holding its tracking link): staff,
    the system and other customers get Forbidden (rate this complaint). Only while it is
    resolved (seed: the satisfaction check follows the solution): else TransitionNotAllowed.
    Once per resolution: a second rating is a Conflict (satisfaction_already_recorded); a
    reopened complaint starts without one. `score` outside 1-5 -> ValidationFailed on `score`;
    `comment` longer than SATISFACTION_COMMENT_LIMIT or unstorable -> ValidationFailed on
    `comment`. The comment is kept as the customer's message (erasable with the others) and
    referenced by the satisfaction event; the satisfaction-check clock stops.

    A complaint dispatched to an outlet also counts the score for that outlet (its latest
    dispatch; source "complaint:<number>", network.services.outlet_record_rating) in the same
    transaction: the outlet's Bayesian rating, which ranks it in dispatch and among its city's
    top three (seed 一(三), "based on users' ratings"), moves with its customers' scores. After
    a reopened complaint is resolved again at the same outlet, the new score replaces the old.
    """
    from aftersales.network.selectors import dispatch_current
    from aftersales.network.services import outlet_record_rating

    complaint = _lock(complaint)
    if actor.kind not in ("customer", "tracking"):
        raise Forbidden(what="rate this complaint")
    _require_customer_access(actor, complaint)
    if complaint.state != State.RESOLVED:
        raise TransitionNotAllowed(
            "satisfaction_not_resolved", number=complaint.number, state=complaint.state
        )
    if complaint.satisfaction_score is not None:
        raise Conflict(
            "satisfaction_already_recorded", number=complaint.number, score=complaint.satisfaction_score
        )
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed({"score": problem("satisfaction_score_range")})
    text = comment.strip()
    if len(text) > SATISFACTION_COMMENT_LIMIT:
        raise ValidationFailed(
            {"comment": problem("text_too_long", limit=SATISFACTION_COMMENT_LIMIT, length=len(text))}
        )
    now = clock.now()
    remark = None
    if text:
        remark = Message.objects.create(
            complaint=complaint,
            direction=Message.Direction.IN,
            channel="web",
            body=_checked_text(text, "comment"),
            created_at=now,
        )
    complaint.satisfaction_score = score
    events.satisfaction_event(complaint=complaint, actor=actor, at=now, score=score, comment=remark)
    changed = _refresh_next_deadline(complaint)
    complaint.save(update_fields=sorted({"satisfaction_score", "event_count", *changed}))
    if complaint.dispatched_at is not None:
        outlet = dispatch_current(complaint_id=complaint.pk)
        if outlet is not None:
            outlet_record_rating(
                actor=actor, outlet=outlet.outlet, source=f"complaint:{complaint.number}", score=score
            )
    return complaint


@transaction.atomic
def complaint_correct_category(
    *, actor: Actor, complaint: Complaint, category: str, reason: str = ""
) -> Complaint:
    """An agent sets the right fault category; the correction is kept as training data.

    A complaint waiting in the human-triage queue moves on to its level's team.
    """
    from aftersales.triage.services import triage_record_correction

    complaint = _lock(complaint)
    _require_staff(actor, complaint, "complaint.set_category")
    _check_reason(reason)
    pack = current_pack()
    if category not in pack.categories:
        raise ValidationFailed({"category": problem("category_unknown", allowed=", ".join(pack.categories))})
    now = clock.now()
    changed = _staff_acted(complaint, actor, now) + ["category", "team", "event_count"]
    first_message = complaint.messages.filter(direction=Message.Direction.IN).order_by("pk").first()
    if first_message is not None and category != complaint.category:
        triage_record_correction(
            complaint=complaint,
            message=first_message,
            predicted=complaint.category,
            corrected=category,
            model_version=complaint.triage_model,
            by=actor.user,
            at=now,
        )
    previous = complaint.category
    complaint.category = category
    if complaint.team == pack.triage_team:
        complaint.team = pack.levels[complaint.level].team
    events.category_event(complaint=complaint, actor=actor, at=now, previous=previous, reason=reason)
    complaint.save(update_fields=sorted(set(changed)))
    return complaint


# How many complaints one sweep of the worker reads again (the encoder costs 15-60 ms of CPU each).
SECOND_READING_BATCH = 50


def complaint_second_readings(*, actor: Actor, limit: int = SECOND_READING_BATCH) -> int:
    """The worker's sweep (beat, every TRIAGE_SECOND_READING_SECONDS): the second reading of up
    to `limit` complaints that were read on arrival without the sentence encoder, oldest first.

    Returns how many were read again. While the encoder is switched off
    (settings.TRIAGE_ENCODER) the marks are cleared: there is nothing to add. While it is
    on but cannot load, they wait (logged once by triage.encoder) and nothing is lost.
    """
    from aftersales.triage.encoder import encoder_available, encoder_enabled

    due = Complaint.objects.filter(triage_second_reading_due=True)
    if not encoder_enabled():
        due.update(triage_second_reading_due=False)
        return 0
    if not encoder_available():
        return 0
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(complaint_second_reading(actor=actor, complaint_id=pk) is not None for pk in ids)


def complaint_second_reading(*, actor: Actor, complaint_id: int) -> Complaint | None:
    """Read a complaint again with the model's sentence encoder, seconds after it arrived.

    Intake reads without the encoder (triage.encoder.deferred), so that no request waits
    for its tens of milliseconds of CPU; this is the reading with it (docs/triage.md, "The
    sentence encoder"). The reading is taken before the transaction; then, with the row
    locked and still marked due, the mark is cleared and, while no person has acted on the
    complaint (open, no owner, its category never corrected), the category, its confidence,
    the alternatives and the reading's model are replaced, and the complaint moves between
    the human-triage queue and its level's team as the new confidence says (pack
    `triage.min_confidence`). Priority and level are the pack's text rules' and do not
    change. A replaced reading writes a `triage` timeline event with `revised_from` (the
    arrival reading) in the same transaction. Returns the complaint, or None when it was
    not due (already read by another worker, or unknown).
    """
    from aftersales.triage.services import triage_read

    complaint = Complaint.objects.filter(pk=complaint_id, triage_second_reading_due=True).first()
    if complaint is None:
        return None
    first = complaint.messages.filter(direction=Message.Direction.IN).order_by("pk").first()
    text = f"{complaint.subject}\n{first.body if first is not None else ''}"
    reading = triage_read(text=text).reading
    pack = current_pack()
    with transaction.atomic():
        complaint = _lock(complaint)
        if not complaint.triage_second_reading_due:
            return None
        complaint.triage_second_reading_due = False
        changed = ["triage_second_reading_due"]
        untouched = (
            complaint.is_open
            and complaint.owner_id is None
            and not complaint.events.filter(
                kind=TimelineEvent.Kind.TRIAGE, payload__has_key="category_to"
            ).exists()
        )
        confident = reading.confidence >= pack.triage_min_confidence
        level_team = pack.levels[complaint.level].team
        team = complaint.team
        if complaint.team == pack.triage_team and confident:
            team = level_team
        elif complaint.team == level_team and not confident:
            team = pack.triage_team
        revised = (reading.category, round(reading.confidence, 4), team) != (
            complaint.category,
            round(complaint.category_confidence, 4),
            complaint.team,
        )
        if untouched and revised:
            previous = {
                "category": complaint.category,
                "confidence": round(complaint.category_confidence, 4),
                "team": complaint.team,
            }
            complaint.category = reading.category
            complaint.category_confidence = reading.confidence
            complaint.triage_alternatives = list(reading.alternatives)
            complaint.team = team
            events.triage_event(complaint=complaint, actor=actor, at=clock.now(), revised_from=previous)
            changed += ["category", "category_confidence", "triage_alternatives", "team", "event_count"]
        complaint.save(update_fields=changed)
    return complaint


@transaction.atomic
def complaint_mark_duplicate(
    *, actor: Actor, complaint: Complaint, original: Complaint, reason: str
) -> Complaint:
    """Mark `complaint` as repeating `original` of the same customer; the work goes on in `original`.

    Both rows are locked in id order; each gets a `duplicate` timeline event naming the
    other. An open `complaint` is closed by the workflow table's `close` move with the
    reason. Refused: linking a complaint to itself, to another customer's complaint, a
    complaint already linked (409 `duplicate_already`), or to a complaint that is itself a
    duplicate (409 `duplicate_of_duplicate`, naming the complaint to link to instead).
    Returns `complaint` as saved.
    """
    if complaint.pk == original.pk:
        raise ValidationFailed({"original": problem("duplicate_of_itself", number=complaint.number)})
    first, second = sorted((complaint, original), key=lambda c: c.pk)
    locked = {c.pk: c for c in (_lock(first), _lock(second))}
    complaint, original = locked[complaint.pk], locked[original.pk]
    _require_staff(actor, complaint, "complaint.link_duplicate")
    _require_staff(actor, original, "complaint.view_team")
    if not reason.strip():
        raise ValidationFailed({"reason": problem("required")})
    _check_reason(reason)
    if complaint.duplicate_of_id is not None:
        raise Conflict(
            "duplicate_already", number=complaint.number, original=_number_of(complaint.duplicate_of_id)
        )
    if original.duplicate_of_id is not None:
        raise Conflict(
            "duplicate_of_duplicate", original=original.number, root=_number_of(original.duplicate_of_id)
        )
    if complaint.customer_id != original.customer_id:
        raise Conflict("duplicate_other_customer", number=complaint.number, original=original.number)
    now = clock.now()
    changed = _staff_acted(complaint, actor, now) + ["duplicate_of", "event_count"]
    complaint.duplicate_of = original
    events.duplicate_event(
        complaint=complaint, actor=actor, at=now, original=original, duplicate=complaint, reason=reason
    )
    if complaint.is_open:
        changed += _apply_move(complaint, actor=actor, action="close", reason=reason, at=now)
    events.duplicate_event(
        complaint=original, actor=actor, at=now, original=original, duplicate=complaint, reason=reason
    )
    original.save(update_fields=["event_count"])
    complaint.save(update_fields=sorted(set(changed)))
    return complaint


def _number_of(complaint_id: int) -> str:
    return Complaint.objects.filter(pk=complaint_id).values_list("number", flat=True).first() or "-"


# --- service-level sweeps ------------------------------------------------------------------


def complaint_sweep_deadlines(*, now: datetime | None = None, batch: int = 500) -> int:
    """Act on every passed deadline: escalate on breach, notify, archive when due.

    Returns how many complaints were acted on. Safe to run from several workers at once:
    each complaint is re-read under lock and skipped if another sweeper got there first.
    """
    moment = now or clock.now()
    due_ids = list(
        Complaint.objects.filter(next_deadline_at__lte=moment)
        .order_by("next_deadline_at")
        .values_list("pk", flat=True)[:batch]
    )
    acted = 0
    for complaint_id in due_ids:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            if complaint.next_deadline_at is None or complaint.next_deadline_at > moment:
                continue  # another sweeper or a staff action got there first
            _act_on_passed_deadlines(complaint, moment)
            acted += 1
    return acted


def _act_on_passed_deadlines(complaint: Complaint, now: datetime) -> None:
    pack = current_pack()
    changed: list[str] = ["breaches", "event_count"]
    escalated = False
    for name in sla.watched_deadlines(sla.deadline_facts(complaint)):
        due_at = getattr(complaint, name)
        if due_at is None or due_at > now:
            continue
        if name == sla.ARCHIVE:
            changed += _apply_move(
                complaint, actor=SYSTEM, action="archive", reason="archive period over", at=now
            )
            break
        complaint.breaches = [*complaint.breaches, name]
        events.sla_breach_event(complaint=complaint, actor=SYSTEM, at=now, deadline=name, due_at=due_at)
        _after_commit_notify_owner(complaint, name)
        # One breach sweep raises the level once, even when several deadlines passed together.
        if name in sla.ESCALATING and not escalated and pack.level_above(complaint.level):
            reason = f"{sla.LABELS[name]['en']} deadline passed"
            changed += _apply_move(complaint, actor=SYSTEM, action="escalate", reason=reason, at=now)
            escalated = True
    changed += _refresh_next_deadline(complaint)
    complaint.save(update_fields=sorted(set(changed)))


@transaction.atomic
def complaint_record_call(
    *, actor: Actor, complaint: Complaint, at: datetime, facts: dict, raise_priority_by: int = 0
) -> Complaint:
    """A hotline call about `complaint` goes on its timeline (events.call_event); a call on a
    queue with a priority boost (the pack's `hotline.queues`, e.g. the senior-care line) raises
    the complaint's priority by that much, never past the most urgent (1), never lowering it.
    `facts` hold references only (call id, queue, direction, duration, recording hash)."""
    complaint = _lock(complaint)
    priority_from = None
    changed = ["event_count"]
    if raise_priority_by > 0 and complaint.priority > 1:
        priority_from = complaint.priority
        complaint.priority = max(1, complaint.priority - raise_priority_by)
        changed.append("priority")
    events.call_event(complaint=complaint, actor=actor, at=at, facts=facts, priority_from=priority_from)
    complaint.save(update_fields=changed)
    return complaint


# --- internals -------------------------------------------------------------------------------


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _require_staff(actor: Actor, complaint: Complaint, permission: str) -> None:
    from aftersales.complaints.selectors import staff_may_see

    if not actor.is_staff or not actor.may(permission) or not staff_may_see(actor, complaint):
        raise Forbidden(what=permission)


def _require_customer_access(actor: Actor, complaint: Complaint) -> None:
    if actor.kind == "system" or actor.is_staff:
        return
    if actor.customer_id != complaint.customer_id:
        raise Forbidden(what="complaint.access")
    if actor.kind == "tracking" and actor.complaint_id != complaint.pk:
        raise Forbidden(what="complaint.access")


def _write_message(
    complaint: Complaint,
    *,
    actor: Actor,
    direction: str,
    channel: str,
    body: str,
    at: datetime,
    linked_duplicate: bool = False,
    sender_verified: bool = True,
) -> Message:
    """Validate and store a message with its timeline event."""
    # Staff are told their reply or note is empty, not asked to describe a problem.
    empty_words: dict[str, str] = {Message.Direction.OUT: "reply_empty", Message.Direction.NOTE: "note_empty"}
    empty = empty_words.get(direction, "text_empty")
    text = _checked_text(body, empty=empty)
    message = Message.objects.create(
        complaint=complaint,
        direction=direction,
        channel=channel,
        body=text,
        author=actor.user if actor.is_staff else None,
        created_at=at,
    )
    search_index_refresh(complaint_ids=[complaint.pk])
    events.message_event(
        complaint=complaint,
        actor=actor,
        message=message,
        linked_duplicate=linked_duplicate,
        sender_verified=sender_verified,
    )
    return message


# A reason is a sentence or two for the timeline, not a message: messages carry the long words.
REASON_LIMIT = 500


def _check_reason(reason: str) -> None:
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed({"reason": problem("text_too_long", limit=REASON_LIMIT, length=len(reason))})
    found = text_problem(reason)
    if found is not None:
        raise ValidationFailed({"reason": found})


def _checked_text(body: str, field: str = "body", *, empty: str = "text_empty") -> str:
    """A message body as stored: stripped, not empty (else the message `empty`), within the
    pack's limit, storable."""
    text = body.strip()
    limit = current_pack().text_limit
    if not text:
        raise ValidationFailed({field: problem(empty)})
    if len(text) > limit:
        raise ValidationFailed({field: problem("text_too_long", limit=limit, length=len(text))})
    unstorable = text_problem(text)
    if unstorable is not None:
        raise ValidationFailed({field: unstorable})
    return text


def _require_owner_may_see(complaint: Complaint, new_owner: User) -> None:
    """Ownership and team stay consistent: an owner can always open the complaint it owns."""
    from aftersales.accounts.actors import staff_actor
    from aftersales.complaints.selectors import staff_may_see

    if not staff_may_see(staff_actor(new_owner), complaint):
        raise Conflict(
            "owner_outside_team",
            number=complaint.number,
            username=new_owner.username,
            owner_team=new_owner.team or "-",
            team=complaint.team,
        )


def _staff_acted(complaint: Complaint, actor: Actor, now: datetime) -> list[str]:
    """A staff member acts on the complaint: first contact, and the response level's team taking it up."""
    return _claim_first_contact(complaint, actor, now) + _mark_level_responded(complaint, actor, now)


def _mark_level_responded(complaint: Complaint, actor: Actor, now: datetime) -> list[str]:
    """Stop the level's clock when a member of its team (or of a higher level's team) acts."""
    if complaint.level_responded_at is not None or not actor.is_staff or actor.user is None:
        return []
    team = current_pack().teams.get(actor.user.team)
    if team is None or LEVELS.index(team.level) < LEVELS.index(complaint.level):
        return []
    complaint.level_responded_at = now
    return ["level_responded_at", *_refresh_next_deadline(complaint)]


def _claim_first_contact(complaint: Complaint, actor: Actor, now: datetime) -> list[str]:
    """首问负责制: the first staff member to act on a complaint becomes its owner."""
    if not actor.is_staff or complaint.owner_id is not None or actor.user is None:
        return []
    complaint.owner = actor.user
    events.assignment_event(
        complaint=complaint, actor=actor, at=now, previous_owner=None, reason="first contact"
    )
    return ["owner", "event_count"]


def _mark_responded(complaint: Complaint, now: datetime) -> list[str]:
    """A staff member answered the customer: the first-response clock stops, whoever answered."""
    if complaint.responded_at is not None:
        return []
    complaint.responded_at = now
    return ["responded_at", *_refresh_next_deadline(complaint)]


def _apply_move(
    complaint: Complaint, *, actor: Actor, action: str, reason: str, at: datetime, to_level: str | None = None
) -> list[str]:
    """Check the workflow table, apply the move and its clock effects; return changed fields."""
    move = move_for(complaint.state, action)
    if move is None or actor.role not in move.roles:
        raise TransitionNotAllowed(
            action=action,
            number=complaint.number,
            state=complaint.state,
            allowed=", ".join(allowed_actions(complaint.state, actor.role)) or "-",
        )
    if move.needs_reason and not reason.strip():
        raise ValidationFailed({"reason": problem("required")})
    _check_reason(reason)
    pack = current_pack()
    from_state = complaint.state
    changed = ["state", "is_open", "event_count"]
    if action == "escalate":
        changed += _raise_level(complaint, actor=actor, reason=reason, at=at, pack=pack, to_level=to_level)
    elif action in ("wait_for_customer", "wait_for_parts"):
        complaint.paused_at = at
        changed.append("paused_at")
    elif action == "resume":
        changed += _resume_clocks(complaint, at=at, pack=pack)
    elif action == "start_processing" and actor.is_staff:
        changed += _mark_responded(complaint, at)
    elif action == "resolve":
        complaint.resolved_at = at
        complaint.satisfaction_due_at = at + pack.stages.satisfaction_check_within
        complaint.archive_due_at = at + pack.stages.archive_after
        changed += ["resolved_at", "satisfaction_due_at", "archive_due_at"]
    elif action == "reopen":
        changed += _restart_clocks(complaint, at=at, pack=pack)
    elif action == "close":
        complaint.closed_at = at
        changed.append("closed_at")
    complaint.state = move.target
    complaint.is_open = move.target in OPEN_STATES
    changed += _refresh_next_deadline(complaint)
    events.status_event(
        complaint=complaint, actor=actor, at=at, action=action, from_state=from_state, reason=reason
    )
    return changed


def _raise_level(
    complaint: Complaint,
    *,
    actor: Actor,
    reason: str,
    at: datetime,
    pack: PolicyPack,
    to_level: str | None = None,
) -> list[str]:
    """One level up, or straight to `to_level` when a rule asks for it."""
    higher = to_level or pack.level_above(complaint.level)
    if higher is None:
        raise TransitionNotAllowed(
            action="escalate",
            number=complaint.number,
            state=complaint.state,
            level=complaint.level,
            allowed=", ".join(a for a in allowed_actions(complaint.state, actor.role) if a != "escalate"),
        )
    from_level = complaint.level
    complaint.level = higher
    complaint.team = pack.levels[higher].team
    # The higher level's team gets its own clock from now. The first response is not reset:
    # a customer already answered keeps that answer, and one still waiting keeps its deadline.
    complaint.level_responded_at = None
    complaint.level_response_due_at = sla.level_response_deadline(at, higher, pack)
    complaint.breaches = [name for name in complaint.breaches if name != sla.LEVEL_RESPONSE]
    events.escalation_event(
        complaint=complaint,
        actor=actor,
        at=at,
        from_level=from_level,
        reason=reason,
        automatic=actor.kind == "system",
    )
    _after_commit_notify_owner(complaint, "escalation")
    return ["level", "team", "level_responded_at", "level_response_due_at", "breaches"]


def _resume_clocks(complaint: Complaint, *, at: datetime, pack: PolicyPack) -> list[str]:
    paused_at = complaint.paused_at or at
    for name in sla.WORKING_CLOCKS:
        deadline = getattr(complaint, name)
        if deadline is not None:
            calendar = sla.calendar_of(name, complaint.level, pack)
            setattr(
                complaint,
                name,
                sla.shift_after_pause(deadline, paused_at=paused_at, resumed_at=at, calendar=calendar),
            )
    complaint.paused_at = None
    return ["paused_at", *sla.WORKING_CLOCKS]


def _restart_clocks(complaint: Complaint, *, at: datetime, pack: PolicyPack) -> list[str]:
    """A reopened complaint gets fresh response and stage clocks from the moment of reopening."""
    complaint.responded_at = None
    complaint.response_due_at = sla.response_deadline(at, pack)
    complaint.level_responded_at = None
    complaint.level_response_due_at = sla.level_response_deadline(at, complaint.level, pack)
    for name, due in sla.stage_deadlines(at, pack).items():
        setattr(complaint, name, due)
    # A complaint at an outlet gets the outlet's inspection clock afresh; one never dispatched waits for it.
    complaint.inspect_due_at = sla.inspection_deadline(at, pack) if complaint.dispatched_at else None
    complaint.accept_due_at = None
    complaint.inspected_at = None
    complaint.resolved_at = None
    complaint.satisfaction_due_at = None
    complaint.archive_due_at = None
    complaint.satisfaction_score = None
    complaint.breaches = []
    return [
        *DEADLINE_FIELDS,
        "responded_at",
        "level_responded_at",
        "inspected_at",
        "resolved_at",
        "satisfaction_score",
        "breaches",
    ]


# The derived deadline columns _refresh_next_deadline sets: save them with every clock change.
DEADLINE_KEYS = ["next_deadline_at", "earliest_due_at"]


def _refresh_next_deadline(complaint: Complaint) -> list[str]:
    """Recompute the sweeper's and the queues' deadline columns; returns their names to save."""
    deadlines = {name: getattr(complaint, name) for name in DEADLINE_FIELDS}
    facts = sla.deadline_facts(complaint)
    complaint.next_deadline_at = sla.next_deadline(facts, deadlines)
    complaint.earliest_due_at = sla.earliest_due(facts, deadlines)
    return list(DEADLINE_KEYS)


def _after_commit_notify_owner(complaint: Complaint, reason: str) -> None:
    """Queue the owner's notice in this transaction: the outbox's worker sends it after commit."""
    from aftersales.notifications.services import owner_notify

    owner_notify(complaint=complaint, reason=reason)


def _after_commit_notify_customer(complaint: Complaint, reason: str) -> None:
    """Queue the customer's notice in this transaction (on their channel, in their language):
    the outbox's worker sends it after commit."""
    from aftersales.notifications.services import customer_notify

    key = f"acknowledgement:{complaint.pk}" if reason == "acknowledgement" else ""
    customer_notify(complaint=complaint, reason=reason, key=key)
