"""The outbound service: every message that leaves the platform goes through one outbox.

`outbound_enqueue` writes an `OutboxMessage` row inside the caller's transaction (the
transactional-outbox pattern: the change and its message commit or roll back together).
`outbox_drain` is what the worker runs (Celery beat every OUTBOX_DRAIN_SECONDS, and once
after a commit that enqueued something). Steps of a drain:
1. rows left `sending` longer than OUTBOX_SENDING_LEASE_SECONDS (a worker died mid-send) are
   marked failed, never sent again: whether they left is unknown, and a duplicate is worse;
2. up to `limit` due `queued` rows are locked (`SELECT ... FOR UPDATE SKIP LOCKED` on
   PostgreSQL, so two workers take disjoint batches) and each is claimed queued -> sending
   with a conditional update (the guard that also holds on SQLite, which has no row locks);
3. each claimed row is built (address and text read now, in the recipient's language) and
   handed to its channel's adapter, outside any transaction;
4. sent: the row is marked sent with the channel's reference and the notification record is
   written; a temporary failure goes back to queued with an exponential backoff; a permanent
   one, or the last attempt, is marked failed and, for a message to a customer, a
   "delivery failed" event is written on the complaint's timeline in the same transaction.

Who may be written to is pluggable: a *recipient kind* (the prefix of `recipient`: customer,
staff, team, or a channel's own record such as the e-mail channel's "mail") turns a row into
an `Envelope`; a *channel adapter* (email, sms, in_app, and the social platforms registered by
intake/channels/social) sends an envelope. Apps register theirs in `AppConfig.ready`.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F

from aftersales.common import clock
from aftersales.common.sql import row_insert_unless_taken
from aftersales.notifications.models import Notification, OutboxMessage

log = logging.getLogger("aftersales.outbound")

State = OutboxMessage.State


class DeliveryFailed(Exception):
    """The channel did not take the message; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class NothingToSend(Exception):
    """The message has no one to go to any more (customer erased, contact gone): cancelled."""


@dataclass(frozen=True)
class Envelope:
    """One message as its channel sends it, built when it is sent.

    `address`: an e-mail address or an E.164 phone; `reply_to`: where a social platform's
    message goes (its user and conversation ids); `headers`: e-mail threading
    (Message-ID, In-Reply-To, References). `record_as`: the Notification recipient to record
    the sent text under ("" when the channel keeps its own record).
    """

    subject: str
    body: str
    address: str = ""
    reply_to: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    record_as: str = ""


class ChannelAdapter(Protocol):
    def send(self, *, envelope: Envelope, message: OutboxMessage) -> str:
        """Send `envelope`; return the channel's reference for it ("" if none).

        Raises DeliveryFailed (permanent or not); any other exception counts as temporary.
        """


@dataclass(frozen=True)
class RecipientKind:
    """How rows whose `recipient` starts with `<name>:` are built and followed up.

    `envelope(message)` raises NothingToSend or DeliveryFailed; `outcome(message)`, when
    given, runs in the transaction that records the row's final or retry state (a channel
    mirroring it on its own record). `customer_facing`: a permanent failure goes on the
    complaint's timeline.
    """

    envelope: Callable[[OutboxMessage], Envelope]
    outcome: Callable[[OutboxMessage], None] | None = None
    customer_facing: bool = True


_ADAPTERS: dict[str, ChannelAdapter] = {}
_RECIPIENT_KINDS: dict[str, RecipientKind] = {}


def channel_adapter_register(channel: str, adapter: ChannelAdapter) -> None:
    _ADAPTERS[channel] = adapter


def recipient_kind_register(name: str, kind: RecipientKind) -> None:
    _RECIPIENT_KINDS[name] = kind


def channel_adapter(channel: str) -> ChannelAdapter | None:
    return _ADAPTERS.get(channel)


# --- enqueue ------------------------------------------------------------------------------------


def outbound_enqueue(
    *,
    channel: str,
    recipient: str,
    reason: str,
    key: str = "",
    params: dict[str, Any] | None = None,
    language: str = "zh-hans",
    complaint_id: int | None = None,
) -> OutboxMessage:
    """Queue one message in the caller's transaction; returns its row.

    `recipient` is a reference ("customer:9", "staff:3", "team:agents", "mail:12",
    "delivery:7"), never an address. `key` makes the call idempotent: a second call with the
    same key returns the first row and queues nothing (default: a fresh key, one message per
    call). `params` fill the text's placeholders and must hold no personal data. Raises
    ValueError for a channel or recipient kind nobody registered (a programming error).
    After commit the worker is nudged once (at most once a second per process); if the
    broker is down nothing is lost, the beat's next drain sends it.
    """
    if channel not in _ADAPTERS:
        raise ValueError(f"outbound: no adapter for channel {channel!r}")
    if recipient.split(":", 1)[0] not in _RECIPIENT_KINDS:
        raise ValueError(f"outbound: unknown recipient kind in {recipient!r}")
    now = clock.now()
    key = key or f"{reason}:{uuid.uuid4().hex}"
    message = OutboxMessage(
        key=key[:200],
        channel=channel,
        recipient=recipient[:40],
        reason=reason[:40],
        params=params or {},
        language=language,
        complaint_id=complaint_id,
        next_attempt_at=now,
        created_at=now,
    )
    # A key already queued is not inserted again (no savepoint: the caller's transaction goes on).
    if not row_insert_unless_taken(message, unique=["key"]):
        return OutboxMessage.objects.get(key=key[:200])
    _nudge_after_commit()
    return message


_last_nudge = [0.0]


def _nudge_after_commit() -> None:
    if not settings.OUTBOX_NUDGE:
        return
    from celery import current_app

    # Eager (tests, CELERY_TASK_ALWAYS_EAGER): every commit drains at once, nothing to spare.
    if not current_app.conf.task_always_eager:
        if time.monotonic() - _last_nudge[0] < 1.0:
            return
        _last_nudge[0] = time.monotonic()
    # robust: a broker outage must not fail a change already committed; the beat drains later.
    transaction.on_commit(_drain_later, robust=True)


def _drain_later() -> None:
    from aftersales.notifications.tasks import outbox_drain_task

    outbox_drain_task.delay()


# --- drain --------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled


def outbox_drain(*, limit: int = 50) -> DrainResult:
    """Send the due queued messages, at most `limit`; returns what became of them."""
    now = clock.now()
    result = DrainResult()
    result.failed += _interrupted_fail(now)
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=State.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        claimed = [pk for pk in due if _claim(pk, now)]
    for pk in claimed:
        state = _deliver(pk)
        if state == State.SENT:
            result.sent += 1
        elif state == State.QUEUED:
            result.retried += 1
        elif state == State.FAILED:
            result.failed += 1
        else:
            result.cancelled += 1
    return result


def outbox_message_deliver(*, message_id: int) -> str | None:
    """Send one queued message now, whatever its next attempt time; returns its new state.

    None when the row is not queued (sent, failed, or another worker holds it): nothing sent.
    """
    if not _claim(message_id, clock.now()):
        return None
    return _deliver(message_id)


def _claim(pk: int, now: datetime) -> bool:
    return (
        OutboxMessage.objects.filter(pk=pk, state=State.QUEUED).update(
            state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def _deliver(pk: int) -> str:
    message = OutboxMessage.objects.get(pk=pk)
    kind = _RECIPIENT_KINDS.get(message.recipient.split(":", 1)[0])
    adapter = _ADAPTERS.get(message.channel)
    try:
        if kind is None or adapter is None:
            raise DeliveryFailed(f"no sender for {message.channel} / {message.recipient}", permanent=True)
        envelope = kind.envelope(message)
        reference = adapter.send(envelope=envelope, message=message)
    except NothingToSend as nothing:
        return _finish(message, kind, State.CANCELLED, error=str(nothing))
    except DeliveryFailed as failure:
        last = failure.permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        return _finish(message, kind, State.FAILED if last else State.QUEUED, error=str(failure))
    except Exception as exc:  # a channel's unexpected error is a temporary failure
        log.warning("outbox %s: %s attempt %s failed", message.pk, message.channel, message.attempts)
        last = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        error = f"{type(exc).__name__}: {exc}"
        return _finish(message, kind, State.FAILED if last else State.QUEUED, error=error)
    return _finish(message, kind, State.SENT, reference=reference, envelope=envelope)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: OUTBOX_RETRY_SECONDS doubled per attempt, at most an hour."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def _finish(
    message: OutboxMessage,
    kind: RecipientKind | None,
    state: str,
    *,
    error: str = "",
    reference: str = "",
    envelope: Envelope | None = None,
) -> str:
    now = clock.now()
    message.state = state
    message.last_error = error[:255]
    fields = ["state", "last_error"]
    if state == State.SENT:
        message.sent_at, message.reference = now, reference[:255]
        fields += ["sent_at", "reference"]
    elif state == State.QUEUED:
        message.next_attempt_at = now + backoff(message.attempts)
        fields.append("next_attempt_at")
    with transaction.atomic():
        # Conditional: a row the lease sweep already failed is not written back.
        updated = OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING).update(
            **{name: getattr(message, name) for name in fields}
        )
        if updated != 1:
            return str(OutboxMessage.objects.values_list("state", flat=True).get(pk=message.pk))
        if state == State.SENT and envelope is not None and envelope.record_as:
            Notification.objects.create(
                recipient=envelope.record_as,
                channel=message.channel,
                complaint_id=message.complaint_id,
                reason=message.reason,
                subject=envelope.subject[:200],
                body=envelope.body,
                created_at=message.created_at,
                sent_at=now,
            )
        if state == State.FAILED:
            log.warning(
                "outbox %s: %s %s failed for good: %s", message.pk, message.channel, message.reason, error
            )
            if kind is None or kind.customer_facing:
                _timeline_failure(message, error)
        if kind is not None and kind.outcome is not None:
            kind.outcome(message)
    return state


def _timeline_failure(message: OutboxMessage, error: str) -> None:
    """The "delivery failed" event on the message's complaint (complaints.services)."""
    if message.complaint_id is None:
        return
    from aftersales.accounts.actors import SYSTEM
    from aftersales.complaints.models import Complaint
    from aftersales.complaints.services import complaint_record_delivery_failure

    complaint = Complaint.objects.filter(pk=message.complaint_id).first()
    if complaint is not None:
        complaint_record_delivery_failure(
            actor=SYSTEM,
            complaint=complaint,
            channel=message.channel,
            reference=message.reference or f"outbox:{message.pk}",
            reason=error or "undelivered",
        )


def _interrupted_fail(now: datetime) -> int:
    """Step 1: rows a dead worker left `sending` are failed, not resent (see the module doc)."""
    cutoff = now - timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS)
    stale = list(
        OutboxMessage.objects.filter(state=State.SENDING, claimed_at__lt=cutoff).values_list("pk", flat=True)[
            :100
        ]
    )
    failed = 0
    for pk in stale:
        message = OutboxMessage.objects.get(pk=pk)
        kind = _RECIPIENT_KINDS.get(message.recipient.split(":", 1)[0])
        error = "interrupted while sending; not sent again so that it never arrives twice"
        if _finish(message, kind, State.FAILED, error=error) == State.FAILED:
            failed += 1
    return failed
