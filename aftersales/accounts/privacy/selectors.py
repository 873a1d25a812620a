"""Reads for the privacy services: whose data, the holds in force, a customer's requests and exports."""

from datetime import date

from django.db.models import QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import (
    CHANNEL_IDENTITY_KINDS,
    Customer,
    CustomerIdentity,
    DataExport,
    ErasureRequest,
    LegalHold,
)
from aftersales.accounts.privacy.registry import DataSubject
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated


def data_subject_of(customer: Customer) -> DataSubject:
    """Every identifier of `customer` (identities, preferred contacts) and their complaints' ids."""
    from aftersales.complaints.models import Complaint

    phones = {customer.phone} if customer.phone else set()
    emails = {customer.email.lower()} if customer.email else set()
    channels: dict[str, set[str]] = {}
    kind_channel = {kind: channel for channel, kind in CHANNEL_IDENTITY_KINDS.items()}
    for kind, value in CustomerIdentity.objects.filter(customer=customer).values_list("kind", "value"):
        if value.startswith("erased:"):
            continue
        if kind == CustomerIdentity.Kind.PHONE:
            phones.add(value)
        elif kind == CustomerIdentity.Kind.EMAIL:
            emails.add(value.lower())
        elif kind in kind_channel:
            channels.setdefault(kind_channel[kind], set()).add(value)
    complaint_ids = tuple(
        Complaint.objects.filter(customer=customer).order_by("pk").values_list("pk", flat=True)
    )
    return DataSubject(
        customer_id=customer.pk,
        complaint_ids=complaint_ids,
        phones=tuple(sorted(phones)),
        emails=tuple(sorted(emails)),
        channel_ids={channel: tuple(sorted(values)) for channel, values in sorted(channels.items())},
    )


def legal_hold_active(*, customer_id: int, today: date) -> LegalHold | None:
    """The hold in force for the customer that ends last, or None."""
    return (
        LegalHold.objects.filter(customer_id=customer_id, released_at__isnull=True, ends_on__gte=today)
        .order_by("-ends_on", "-pk")
        .first()
    )


def _signed_in_customer(actor: Actor) -> int:
    if actor.kind != "customer" or actor.customer_id is None:
        raise Unauthenticated()
    return actor.customer_id


def erasure_requests_of(*, actor: Actor) -> QuerySet[ErasureRequest]:
    """The signed-in customer's erasure requests, newest first."""
    return ErasureRequest.objects.filter(customer_id=_signed_in_customer(actor)).order_by(
        "-requested_at", "-pk"
    )


def erasure_request_get_for_actor(*, actor: Actor, request_id: int) -> ErasureRequest:
    """The request if `actor` is its customer (signed in) or may erase any customer's data."""
    request = ErasureRequest.objects.filter(pk=request_id).first()
    if actor.is_staff:
        if not actor.may("privacy.erase_any"):
            raise Forbidden(what="privacy.erase_any")
        if request is None:
            raise NotFound(what="erasure request")
        return request
    customer_id = _signed_in_customer(actor)
    if request is None or request.customer_id != customer_id:
        raise NotFound(what="erasure request")
    return request


def data_export_get_for_actor(*, actor: Actor, export_id: int) -> DataExport:
    """The export if `actor` is the signed-in customer it belongs to ("not found" for anyone else's)."""
    customer_id = _signed_in_customer(actor)
    export = DataExport.objects.filter(pk=export_id, customer_id=customer_id).first()
    if export is None:
        raise NotFound(what="export")
    return export


def customer_get_for_admin(*, actor: Actor, customer_id: int, permission: str) -> Customer:
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may(permission):
        raise Forbidden(what=permission)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(what="customer")
    return customer


def customer_of_session(*, actor: Actor) -> Customer:
    """The signed-in customer's record (401 when not signed in)."""
    customer = Customer.objects.filter(pk=_signed_in_customer(actor)).first()
    if customer is None:
        raise Unauthenticated()
    return customer


def legal_hold_get_for_admin(*, actor: Actor, hold_id: int) -> LegalHold:
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("privacy.legal_hold"):
        raise Forbidden(what="privacy.legal_hold")
    hold = LegalHold.objects.filter(pk=hold_id).first()
    if hold is None:
        raise NotFound(what="legal hold")
    return hold
