"""Intake: the one service every channel calls to turn a customer's words into a complaint."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum

from aftersales.accounts.actors import Actor, customer_actor
from aftersales.accounts.models import CHANNEL_IDENTITY_KINDS, Customer
from aftersales.accounts.services import client_hash, customer_identify
from aftersales.common import clock
from aftersales.common.errors import Conflict, ValidationFailed, problem
from aftersales.common.sql import rows_insert
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import customer_may_see, staff_may_see
from aftersales.complaints.services import (
    COUNTER_CHANNELS,
    ComplaintDraft,
    complaint_add_customer_message,
    complaint_draft,
    complaint_numbering_prepare,
    complaint_open,
    tracking_token,
)
from aftersales.devices.models import Device
from aftersales.devices.services import device_register
from aftersales.intake.models import IdempotencyKey
from aftersales.intake.submission import CleanSubmission, Submission, validate_submission
from aftersales.network.selectors import city_location, outlet_index_warm
from aftersales.network.services import Location, complaint_dispatch_on_intake
from aftersales.policy.pack import PolicyPack, current_pack
from aftersales.triage.services import CustomerContext, TextTriage, triage_complaint, triage_text


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    # False when the message was added to the customer's open complaint about the same device.
    created: bool
    linked_to_existing: bool
    # True when an Idempotency-Key matched an earlier request: nothing new was written.
    replayed: bool
    # Whether the caller may see the complaint: they opened it, own it (signed in) or are
    # staff who may. A message that joined someone's open complaint from an anonymous form
    # gives its sender no access: knowing a phone number and an IMEI proves nothing.
    caller_may_see: bool

    @property
    def tracking_token(self) -> str | None:
        """The complaint's private tracking token, only for a caller who may see it."""
        return tracking_token(self.complaint) if self.caller_may_see else None


# The longest Idempotency-Key kept (the column's length); a longer one is refused, never cut:
# two keys that differ only past the limit would otherwise replay each other's answer.
IDEMPOTENCY_KEY_LIMIT = IdempotencyKey._meta.get_field("key").max_length or 100


def complaint_submit(
    *, actor: Actor, submission: Submission, idempotency_key: str = "", client_address: str = ""
) -> IntakeResult:
    """Validate, find or create customer and device, then open a complaint or add to the open one.

    All of it happens in one transaction: a failure leaves nothing behind. With an
    idempotency key, a retry of the same request by the same caller returns the first result:
    the key is scoped to the staff user, the signed-in customer, or for anyone else the client
    address (`client_address`, hashed as sign-in limits count it), so the same key and body
    from another caller is a request of its own. Raises ValidationFailed on the submission's
    fields, and on `Idempotency-Key` (idempotency_key_too_long) for a key over
    IDEMPOTENCY_KEY_LIMIT characters; Conflict(idempotency_conflict) for a key reused with
    another body.
    """
    if len(idempotency_key) > IDEMPOTENCY_KEY_LIMIT:
        raise ValidationFailed(
            {
                "Idempotency-Key": problem(
                    "idempotency_key_too_long", limit=IDEMPOTENCY_KEY_LIMIT, length=len(idempotency_key)
                )
            }
        )
    pack = current_pack()
    clean = validate_submission(submission, pack, contact_required=actor.kind != "customer")
    # Only a request with a key is compared with an earlier one.
    fingerprint = submission.fingerprint() if idempotency_key else ""
    scope = _idempotency_scope(actor, client_address) if idempotency_key else ""
    if idempotency_key:
        earlier = _replay(scope, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier
    # Everything that needs no lock happens before the write transaction: on SQLite that
    # transaction holds the database's only write lock, and on PostgreSQL its row locks
    # last until COMMIT. The model and the pack's text rules read the text, and the new
    # complaint's team, deadlines and search terms are worked out, before it opens.
    plan = _plan(actor=actor, clean=clean, pack=pack)
    if plan.location is not None:
        # Likewise the finder's index, built here on the first located complaint, not under the lock.
        outlet_index_warm()
    try:
        with transaction.atomic():
            record = None
            if idempotency_key:
                # Inserted first: a concurrent retry blocks on the unique key, then replays.
                record = IdempotencyKey(
                    scope=scope, key=idempotency_key, request_hash=fingerprint, created_at=plan.at
                )
                rows_insert([record])
            result = _open_or_link(actor=actor, clean=clean, plan=plan)
            if record is not None:
                record.complaint = result.complaint
                record.linked_to_existing = result.linked_to_existing
                record.caller_may_see = result.caller_may_see
                record.save(update_fields=["complaint", "linked_to_existing", "caller_may_see"])
            return result
    except IntegrityError:
        if idempotency_key:
            earlier = _replay(scope, idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        raise


@dataclass(frozen=True)
class _IntakePlan:
    """What intake works out before its write transaction (no database)."""

    at: datetime
    text: TextTriage
    draft: ComplaintDraft
    # Where to dispatch from: the customer's point, else the seat of the city they named.
    location: Location | None


def _plan(*, actor: Actor, clean: CleanSubmission, pack: PolicyPack) -> _IntakePlan:
    at = clock.now()
    complaint_numbering_prepare(at=at)
    # Without the sentence encoder, if the model has one: the worker's second reading adds it.
    text = triage_text(text=_triage_text(clean), pack=pack, defer_encoder=True)
    # Team and deadlines depend on the level, which only the text decides.
    provisional = triage_complaint(
        text=_triage_text(clean), context=CustomerContext(), pack=pack, text_triage=text
    )
    draft = complaint_draft(
        actor=actor,
        channel=clean.submission.channel,
        subject=clean.subject,
        body=clean.text,
        triage=provisional,
        at=at,
        pack=pack,
    )
    submission = clean.submission
    location = None
    if submission.lat is not None and submission.lon is not None:
        location = Location(lat=submission.lat, lon=submission.lon)
    elif submission.city.strip() and submission.channel not in COUNTER_CHANNELS:
        # A complaint made at a counter stays with that counter's outlet (repairs.lightning).
        point = city_location(city=submission.city)
        location = Location(lat=point[0], lon=point[1]) if point is not None else None
    return _IntakePlan(at=at, text=text, draft=draft, location=location)


def _idempotency_scope(actor: Actor, client_address: str) -> str:
    """Whose keys a key is among: the staff user's, the customer's, or the client address's."""
    if actor.is_staff and actor.user is not None:
        return f"staff:{actor.user.pk}"
    if actor.kind == "customer" and actor.customer_id is not None:
        return f"customer:{actor.customer_id}"
    return f"client:{client_hash(client_address or 'unknown')}"


def _replay(scope: str, key: str, fingerprint: str) -> IntakeResult | None:
    record = IdempotencyKey.objects.select_related("complaint").filter(scope=scope, key=key).first()
    if record is None or record.complaint is None:
        return None
    if record.request_hash != fingerprint:
        raise Conflict("idempotency_conflict")
    # The key is this caller's own: a replay answers what their first request was told.
    return IntakeResult(
        complaint=record.complaint,
        created=not record.linked_to_existing,
        linked_to_existing=record.linked_to_existing,
        replayed=True,
        caller_may_see=record.caller_may_see,
    )


def _triage_text(clean: CleanSubmission) -> str:
    return f"{clean.subject}\n{clean.text}"


def _open_or_link(*, actor: Actor, clean: CleanSubmission, plan: _IntakePlan) -> IntakeResult:
    pack = current_pack()
    submission = clean.submission
    signed_in = actor.customer_id if actor.kind == "customer" else None
    match = customer_identify(
        phone=clean.phone,
        mobile=clean.phone_is_mobile,
        email=clean.email,
        name=submission.name.strip(),
        language=submission.language,
        city=submission.city.strip(),
        signed_in=signed_in,
        channel_identity=(CHANNEL_IDENTITY_KINDS[submission.channel], submission.sender_id.strip())
        if submission.sender_id.strip()
        else None,
    )
    customer = match.customer
    device = None
    if clean.imei:
        device = device_register(
            imei=clean.imei,
            customer=customer,
            model_name=submission.device_model.strip(),
            purchase_date=submission.purchase_date,
            purchase_channel=submission.purchase_channel.strip(),
        )
        # One open complaint per device: concurrent submissions about it queue here, and the
        # second one finds the complaint the first one opened.
        device = Device.objects.select_for_update().get(pk=device.pk)
    acting = actor if actor.is_staff else customer_actor(customer.pk)
    if device is not None and pack.link_duplicates:
        open_complaint = (
            Complaint.objects.filter(customer=customer, device=device, is_open=True)
            .order_by("-created_at")
            .first()
        )
        if open_complaint is not None:
            complaint_add_customer_message(
                actor=acting,
                complaint=open_complaint,
                body=clean.text,
                channel=submission.channel,
                linked_duplicate=True,
                sender_verified=actor.is_staff or signed_in == customer.pk,
            )
            open_complaint.refresh_from_db()
            return IntakeResult(
                complaint=open_complaint,
                created=False,
                linked_to_existing=True,
                replayed=False,
                caller_may_see=_may_see(actor, open_complaint),
            )
    now = plan.at
    context = CustomerContext(
        is_senior=customer.is_senior,
        is_vip=customer.is_vip,
        recent_contacts=0
        if match.created
        else _recent_contacts(customer=customer, device=device, since=now - pack.repeat_contact.within),
    )
    triage = triage_complaint(text=_triage_text(clean), context=context, pack=pack, text_triage=plan.text)
    complaint = complaint_open(
        actor=acting,
        customer=customer,
        contact=match.contact,
        email=match.email,
        device=device,
        channel=submission.channel,
        language=submission.language,
        subject=clean.subject,
        body=clean.text,
        triage=triage,
        at=now,
        draft=plan.draft,
    )
    # The outlets are read from the finder's in-memory index; the writes join this transaction.
    if plan.location is not None:
        dispatch = complaint_dispatch_on_intake(complaint=complaint, location=plan.location)
        complaint = dispatch.complaint if dispatch is not None else complaint
    return IntakeResult(
        complaint=complaint, created=True, linked_to_existing=False, replayed=False, caller_may_see=True
    )


def _may_see(actor: Actor, complaint: Complaint) -> bool:
    """Whether the caller of intake may see a complaint its message joined."""
    if actor.is_staff:
        return actor.may("complaint.view_team") and staff_may_see(actor, complaint)
    return actor.kind == "customer" and customer_may_see(actor, complaint)


def _recent_contacts(*, customer: Customer, device: Device | None, since: datetime) -> int:
    """Contacts in the repeat window about this device (or, without one, from this customer).

    Counted on the complaint rows (each keeps its contact count), found through the
    device or customer index, rather than by scanning messages.
    """
    complaints = Complaint.objects.filter(created_at__gte=since)
    complaints = (
        complaints.filter(device=device) if device is not None else complaints.filter(customer=customer)
    )
    return complaints.aggregate(total=Sum("contact_count"))["total"] or 0
