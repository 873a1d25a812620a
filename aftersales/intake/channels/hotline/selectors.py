"""Reads of the hotline: the caller's history for the agent's screen, calls, call-backs, recordings.

Every read checks the actor first (one access function per kind of object) and lists only
what the actor may see of the complaints (complaints.selectors.complaints_visible_to_staff).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Customer, CustomerIdentity, PersonalDataAccess
from aftersales.accounts.phones import phone_normalise
from aftersales.accounts.privacy.services import access_record
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated
from aftersales.complaints.models import Complaint, Message
from aftersales.complaints.selectors import complaints_visible_to_staff, staff_may_see
from aftersales.devices.models import Device
from aftersales.evidence.service_record import mask_imei, mask_name, mask_phone
from aftersales.intake.channels.hotline.models import Call, CallBack

# How many of each kind the screen pop lists, newest first.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class CallerHistory:
    """What the agent's screen shows when `phone` (E.164) calls. `customer` is None for an
    unknown number; `masked` says the name, phones and IMEIs were masked for the actor's role."""

    phone: str
    masked: bool
    customer: Customer | None
    complaints: list[Complaint]
    messages: list[Message]
    calls: list[Call]
    devices: list[Device]


def _require_staff(actor: Actor, permission: str) -> None:
    if actor.kind == "anonymous":
        raise Unauthenticated("staff_sign_in_required")
    if not actor.is_staff or not actor.may(permission):
        raise Forbidden(what=permission)


def caller_history_allowed(*, actor: Actor) -> None:
    """Raise Unauthenticated for nobody, Forbidden for anyone without `customer.lookup`."""
    _require_staff(actor, "customer.lookup")


def caller_history(*, actor: Actor, phone: str, reason: str = "") -> CallerHistory:
    """The caller's whole history across channels, for staff with `customer.lookup`.

    `phone` in any written form (phones.phone_normalise): ValidationFailed(phone: phone_invalid)
    when it is no phone number at all; a valid number nobody called or wrote from gives an empty
    history. Outlet staff see only their team's complaints, and names, phones and IMEIs masked
    (`customer.unmasked`). The read is written to the access log. A fixed number of queries.
    """
    _require_staff(actor, "customer.lookup")
    number = phone_normalise(phone, field="phone")
    masked = not actor.may("customer.unmasked")
    identity = (
        CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.PHONE, value=number)
        .select_related("customer")
        .first()
    )
    customer = identity.customer if identity is not None else None
    visible = complaints_visible_to_staff(actor)
    complaints: list[Complaint] = []
    messages: list[Message] = []
    devices: list[Device] = []
    if customer is not None:
        complaints = list(
            visible.filter(customer=customer)
            .select_related("device")
            .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
        )
        messages = list(
            Message.objects.filter(complaint__in=visible.filter(customer=customer))
            .exclude(direction=Message.Direction.NOTE)
            .select_related("complaint")
            .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
        )
        devices = list(Device.objects.filter(customer=customer).order_by("pk")[:HISTORY_LIMIT])
        if masked:
            # Outlet staff: only the devices their team's complaints are about.
            seen = {complaint.device_id for complaint in complaints}
            devices = [device for device in devices if device.pk in seen]
    same_caller = Q(customer_phone=number)
    if customer is not None:
        same_caller |= Q(customer=customer)
    calls_query = Call.objects.filter(same_caller)
    if masked:
        calls_query = calls_query.filter(complaint__in=visible)
    calls = list(calls_query.select_related("complaint").order_by("-started_at", "-pk")[:HISTORY_LIMIT])
    if customer is not None:
        access_record(
            actor=actor,
            customer_ids=[customer.pk],
            purpose=PersonalDataAccess.Purpose.CUSTOMER_LOOKUP,
            subject=f"customer:{customer.pk}",
            reason=reason,
        )
    return CallerHistory(
        phone=number,
        masked=masked,
        customer=customer,
        complaints=complaints,
        messages=messages,
        calls=calls,
        devices=devices,
    )


def shown_phone(phone: str, *, masked: bool) -> str:
    return mask_phone(phone) if masked and phone else phone


def shown_name(name: str, *, masked: bool) -> str:
    return mask_name(name) if masked else name


def shown_imei(imei: str, *, masked: bool) -> str:
    return mask_imei(imei) if masked else imei


def call_get_for_recording(*, actor: Actor, call_id: int) -> Call:
    """The call whose recording `actor` may play: staff with `hotline.recording` who may see its
    complaint (a call with no complaint: any such staff). NotFound for anyone else's probe."""
    _require_staff(actor, "hotline.recording")
    call = Call.objects.select_related("complaint").filter(pk=call_id).exclude(recording="").first()
    if call is None or (call.complaint is not None and not staff_may_see(actor, call.complaint)):
        raise NotFound(what="call")
    return call


def complaint_calls(*, actor: Actor, complaint: Complaint) -> list[Call]:
    """The calls about `complaint`, oldest first, for staff who may see it."""
    if not actor.is_staff or not staff_may_see(actor, complaint):
        return []
    return list(Call.objects.filter(complaint=complaint).select_related("agent").order_by("started_at", "pk"))


def call_backs_open(*, actor: Actor, limit: int = 100) -> QuerySet[CallBack]:
    """Open call-backs, the most urgent queue first, then the earliest due."""
    _require_staff(actor, "hotline.call_back")
    return (
        CallBack.objects.filter(done_at__isnull=True)
        .select_related("call", "call__complaint")
        .order_by("priority", "due_at", "pk")[:limit]
    )
