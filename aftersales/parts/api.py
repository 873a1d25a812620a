"""Parts endpoints: public availability near a point, transfer orders, an outlet's stock, emergency modes."""

import math
import unicodedata
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.accounts.roles import Role
from aftersales.accounts.selectors import actor_from_request
from aftersales.common.errors import Forbidden, Unauthenticated, ValidationFailed, problem
from aftersales.parts import services
from aftersales.parts.models import Location, Transfer
from aftersales.parts.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    CancelIn,
    EmergencyIn,
    EmergencyOut,
    StockLineOut,
    TransferIn,
    TransferOut,
)
from aftersales.parts.selectors import (
    MAX_NEAR_KM,
    NEAR_KM,
    AvailabilityQuery,
    availability_near,
    stock_overview_for_actor,
    transfer_get_for_actor,
    transfer_may,
)
from aftersales.parts.status import transfer_allowed_actions

router = Router(tags=["parts"])


def _number(raw: str, field: str, low: float, high: float) -> float:
    """A decimal number from a query string (full-width digits allowed); 422 naming `field` otherwise."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if (
        not math.isfinite(value)
        or not low <= value <= high
        or not text.replace(".", "", 1).lstrip("+-").isdigit()
    ):
        raise ValidationFailed({field: problem("coordinate_invalid", low=low, high=high)})
    return value


@router.get("/availability", response=AvailabilityOut, auth=None)
def availability(request: HttpRequest, filters: Query[AvailabilityIn]):  # type: ignore[no-untyped-def]
    """Whether a model's parts are in stock at outlets near you ("in stock at 3 outlets near you").

    Public. Counts outlets within `radius_km` (default 50) of `lat`/`lon` whose free stock
    of the part is above zero, and lists the nearest few with yes/no; no stock counts.
    """
    query = AvailabilityQuery(
        model=filters.model,
        part=filters.part,
        lat=_number(filters.lat, "lat", -90, 90),
        lon=_number(filters.lon, "lon", -180, 180),
        radius_km=_number(filters.radius_km, "radius_km", 1, MAX_NEAR_KM)
        if filters.radius_km.strip()
        else NEAR_KM,
    )
    return availability_near(query=query)


def transfer_out(transfer: Transfer) -> dict[str, Any]:
    return {
        "number": transfer.number,
        "part": transfer.part.number,
        "quantity": transfer.quantity,
        "source": f"{transfer.source_kind}:{transfer.source_code}",
        "destination": transfer.destination_code,
        "state": transfer.state,
        "allowed_actions": transfer_allowed_actions(transfer.state),
        "expected_arrival": transfer.expected_arrival,
        "holder": transfer.holder,
        "requested_at": transfer.requested_at,
        "shipped_at": transfer.shipped_at,
        "received_at": transfer.received_at,
        "cancelled_at": transfer.cancelled_at,
        "reason": transfer.reason,
    }


@router.post("/transfers", response={201: TransferOut})
def request_transfer(request: HttpRequest, payload: TransferIn):  # type: ignore[no-untyped-def]
    """Ask for parts to move from a depot or an outlet to an outlet; they are promised at the source."""
    actor = actor_from_request(request)
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    kind, _, code = payload.source.strip().partition(":")
    if kind not in Location.values or not code:
        raise ValidationFailed({"source": problem("source_invalid")})
    destination = payload.destination.strip().lower()
    if not transfer_may(
        actor, action="request", source_kind=kind, source_code=code, destination_code=destination
    ):
        raise Forbidden(what="request parts for this outlet")
    transfer = services.transfer_request(
        actor=actor,
        part_number=payload.part.strip(),
        quantity=payload.quantity,
        source_kind=kind,
        source_code=code,
        destination_code=destination,
        expected_arrival=payload.expected_arrival,
    )
    return Status(201, transfer_out(transfer))


@router.get("/transfers/{number}", response=TransferOut)
def transfer_detail(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    return transfer_out(transfer_get_for_actor(actor=actor_from_request(request), number=number))


@router.post("/transfers/{number}/shipment", response=TransferOut)
def ship(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    actor = actor_from_request(request)
    transfer = transfer_get_for_actor(actor=actor, number=number, action="ship")
    return transfer_out(services.transfer_ship(actor=actor, transfer=transfer))


@router.post("/transfers/{number}/receipt", response=TransferOut)
def receive(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    """The parts are in: on the outlet's shelf; a repair order waiting only on them resumes."""
    from aftersales.repairs.waiting import transfer_receive_for_repairs

    actor = actor_from_request(request)
    transfer = transfer_get_for_actor(actor=actor, number=number, action="receive")
    return transfer_out(transfer_receive_for_repairs(actor=actor, transfer=transfer))


@router.post("/transfers/{number}/cancellation", response=TransferOut)
def cancel(request: HttpRequest, number: str, payload: CancelIn):  # type: ignore[no-untyped-def]
    actor = actor_from_request(request)
    transfer = transfer_get_for_actor(actor=actor, number=number, action="cancel")
    return transfer_out(services.transfer_cancel(actor=actor, transfer=transfer, reason=payload.reason))


@router.get("/outlets/{code}/stock", response=list[StockLineOut])
def outlet_stock(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    """An outlet's parts: on hand, reserved, free, in transit to it, and whether each is low."""
    return stock_overview_for_actor(actor=actor_from_request(request), outlet_code=code.strip().lower())


@router.post("/emergencies", response={201: EmergencyOut})
def declare_emergency(request: HttpRequest, payload: EmergencyIn):  # type: ignore[no-untyped-def]
    """Serve a region from its depot for a period (administrators)."""
    actor = actor_from_request(request)
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if actor.role != Role.ADMIN:
        raise Forbidden(what="declare an emergency mode")
    mode = services.emergency_declare(
        actor=actor,
        region_adcode=payload.region,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason_zh=payload.reason_zh,
        reason_en=payload.reason_en,
    )
    return Status(201, mode)
