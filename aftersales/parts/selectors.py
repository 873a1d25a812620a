"""Reads of device models, parts, stock, depots, transfers and emergency modes."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF, Role
from aftersales.common import clock
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed, problem
from aftersales.network.geo import haversine_km
from aftersales.network.models import Outlet
from aftersales.network.selectors import in_force
from aftersales.parts.models import (
    Component,
    Depot,
    DeviceModel,
    EmergencyMode,
    Location,
    LowStockAlert,
    Part,
    Stock,
    Transfer,
)
from aftersales.parts.status import TransferState


def device_model_get(*, code: str, field: str = "model") -> DeviceModel:
    """The device model with this code; 422 `model_unknown` on `field` otherwise."""
    model = DeviceModel.objects.filter(code=code.strip().lower()).first()
    if model is None:
        raise ValidationFailed({field: problem("model_unknown", model=code)})
    return model


def device_model_name(code: str) -> str:
    """The model's display name in the catalogue ("reno10" -> "Reno10"); the code itself when
    the catalogue has no such model (a terminal may report one not serviced here). One query."""
    name = DeviceModel.objects.filter(code=code.strip().lower()).values_list("name", flat=True).first()
    return name or code


def parts_by_number(numbers: list[str], *, field: str | dict[str, str]) -> dict[str, Part]:
    """The parts with these numbers, by number, in one query.

    An unknown number: 422 `part_unknown` on `field` (or on the field `field` maps it to).
    """
    found = {p.number: p for p in Part.objects.filter(number__in=numbers).select_related("model")}
    unknown = [n for n in numbers if n not in found]
    if unknown:
        if isinstance(field, dict):
            raise ValidationFailed({field[n]: problem("part_unknown", part=n) for n in unknown})
        raise ValidationFailed({field: problem("part_unknown", part=unknown[0])})
    return found


def stock_at_outlet(*, outlet_code: str) -> QuerySet[Stock]:
    return (
        Stock.objects.filter(location_kind=Location.OUTLET, location_code=outlet_code)
        .select_related("part__model")
        .order_by("part__number")
    )


def stock_available(*, location_kind: str, location_code: str, part: Part) -> int:
    """What can still be promised of `part` at one outlet or depot (0 without a stock row)."""
    stock = Stock.objects.filter(location_kind=location_kind, location_code=location_code, part=part).first()
    return stock.available if stock is not None else 0


def stock_overview(*, outlet_code: str) -> list[dict[str, Any]]:
    """An outlet's parts: on hand, reserved, free, in transit to it and whether it is low. Two queries.

    Shape: [{"part", "name", "component", "model", "model_name", "on_hand", "reserved", "available",
    "in_transit", "low"}], by part number; a part only in transit has a row with zeros on the shelf.
    """
    rows: dict[str, dict[str, Any]] = {}
    for stock in stock_at_outlet(outlet_code=outlet_code):
        rows[stock.part.number] = {
            "part": stock.part.number,
            "name": stock.part.name,
            "component": stock.part.component,
            "model": stock.part.model.code,
            "model_name": stock.part.model.name,
            "on_hand": stock.on_hand,
            "reserved": stock.reserved,
            "available": stock.available,
            "in_transit": 0,
            "low": stock.low_since is not None,
        }
    moving = (
        Transfer.objects.filter(destination_code=outlet_code, state=TransferState.SHIPPED)
        .values("part__number", "part__name", "part__component", "part__model__code", "part__model__name")
        .annotate(quantity=Sum("quantity"))
    )
    for line in moving:
        row = rows.setdefault(
            line["part__number"],
            {
                "part": line["part__number"],
                "name": line["part__name"],
                "component": line["part__component"],
                "model": line["part__model__code"],
                "model_name": line["part__model__name"],
                "on_hand": 0,
                "reserved": 0,
                "available": 0,
                "in_transit": 0,
                "low": False,
            },
        )
        row["in_transit"] = line["quantity"]
    return [rows[number] for number in sorted(rows)]


def low_stock_alerts(*, outlet_code: str, open_only: bool = True) -> QuerySet[LowStockAlert]:
    alerts = LowStockAlert.objects.filter(location_code=outlet_code)
    return alerts.filter(cleared_at__isnull=True) if open_only else alerts


# --- regions: depots and emergency modes ------------------------------------------------------------


def outlet_adcodes(outlet: Outlet) -> list[str]:
    """The outlet's administrative-division codes, most precise first."""
    return [code for code in (outlet.district_adcode, outlet.city_adcode, outlet.province_adcode) if code]


def _longest_prefix(prefix: str, adcodes: list[str]) -> int:
    """How specific `prefix` is for these adcodes: its length when one of them starts with it, else -1."""
    return len(prefix) if any(code.startswith(prefix) for code in adcodes) else -1


def depot_for_outlet(outlet: Outlet) -> Depot | None:
    """The depot of the outlet's region: the longest `region_adcode` prefix of its adcodes."""
    adcodes = outlet_adcodes(outlet)
    best: Depot | None = None
    for depot in Depot.objects.all():
        score = _longest_prefix(depot.region_adcode, adcodes)
        if score >= 0 and (best is None or score > len(best.region_adcode)):
            best = depot
    return best


def emergency_for_outlet(outlet: Outlet, *, at: datetime) -> EmergencyMode | None:
    """The emergency mode in force for the outlet's region at `at` (the most specific, latest one)."""
    adcodes = outlet_adcodes(outlet)
    in_force_now = EmergencyMode.objects.filter(starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )
    found = [mode for mode in in_force_now if _longest_prefix(mode.region_adcode, adcodes) >= 0]
    found.sort(key=lambda mode: (len(mode.region_adcode), mode.starts_at), reverse=True)
    return found[0] if found else None


def transfer_get(*, number: str) -> Transfer:
    transfer = Transfer.objects.select_related("part").filter(number=number).first()
    if transfer is None:
        raise NotFound(what="transfer order")
    return transfer


def transfers_for_holder(*, holder: str) -> list[Transfer]:
    return list(Transfer.objects.filter(holder=holder).select_related("part").order_by("id"))


# --- public availability -------------------------------------------------------------------------

# The public answer counts outlets within this many kilometres unless asked for fewer.
NEAR_KM = 50.0
MAX_NEAR_KM = 300.0
NEAREST_LISTED = 5


@dataclass(frozen=True)
class AvailabilityQuery:
    model: str
    part: str  # a part number, a component ("screen") or "" for every part of the model
    lat: float
    lon: float
    radius_km: float = NEAR_KM


def availability_near(*, query: AvailabilityQuery, now: datetime | None = None) -> dict[str, Any]:
    """Whether the model's parts are in stock at outlets near a point: counts of outlets, never of parts.

    Shape: {"model", "radius_km", "parts": [{"part", "component", "name", "outlets_in_stock",
    "nearest": [{"outlet", "name", "distance_km", "in_stock"}]}]}. `nearest` lists the closest
    authorised outlets within the radius with yes/no only: a customer never learns how many
    of a part an outlet holds. Errors: 422 `model_unknown` on `model`, `part_unknown` on `part`.
    Three queries whatever the number of parts and outlets.
    """
    moment = now or clock.now()
    model = device_model_get(code=query.model)
    parts = list(model.parts.order_by("number"))
    wanted = query.part.strip()
    if wanted:
        folded = wanted.upper()
        parts = [p for p in parts if p.number.upper() == folded or p.component == wanted.lower()]
        if not parts:
            raise ValidationFailed({"part": problem("part_unknown", part=wanted)})
    # A box around the point first (a degree of latitude is ~111 km), the exact distance after.
    dlat = query.radius_km / 111.0
    dlon = query.radius_km / (111.0 * max(0.05, math.cos(math.radians(query.lat))))
    outlets = {
        outlet.code: outlet
        for outlet in Outlet.objects.filter(
            lat__gte=query.lat - dlat,
            lat__lte=query.lat + dlat,
            lon__gte=query.lon - dlon,
            lon__lte=query.lon + dlon,
        ).only(
            "code",
            "name",
            "lat",
            "lon",
            "authorisation",
            "authorised_from",
            "authorised_until",
        )
        if in_force(outlet, clock.localdate(moment))
    }
    distance = {
        code: haversine_km(query.lat, query.lon, outlet.lat, outlet.lon) for code, outlet in outlets.items()
    }
    near = sorted(
        (code for code, km in distance.items() if km <= query.radius_km), key=lambda c: (distance[c], c)
    )
    in_stock = set(
        Stock.objects.filter(
            location_kind=Location.OUTLET,
            location_code__in=near,
            part__in=parts,
            on_hand__gt=F("reserved"),
        ).values_list("part_id", "location_code")
    )
    answer = []
    for part in parts:
        stocked = [code for code in near if (part.pk, code) in in_stock]
        answer.append(
            {
                "part": part.number,
                "component": part.component,
                "component_label": Component(part.component).label,
                "name": part.name,
                "outlets_in_stock": len(stocked),
                "nearest": [
                    {
                        "outlet": code,
                        "name": outlets[code].name,
                        "distance_km": round(distance[code], 1),
                        "in_stock": (part.pk, code) in in_stock,
                    }
                    for code in near[:NEAREST_LISTED]
                ],
            }
        )
    return {"model": model.code, "radius_km": query.radius_km, "parts": answer}


# --- who may move what -----------------------------------------------------------------------------


def _own_outlet(actor: Actor) -> str:
    """The outlet code of an outlet staff member's team, or ""."""
    if actor.role not in OUTLET_STAFF or actor.user is None:
        return ""
    team = actor.user.team or ""
    return team.removeprefix("outlet-") if team.startswith("outlet-") else ""


def transfer_may(
    actor: Actor, *, action: str, source_kind: str, source_code: str, destination_code: str
) -> bool:
    """Central technical staff and administrators move anything; outlet staff what concerns their outlet.

    An outlet asks for parts for itself (request), sends what leaves its shelf (ship; a
    depot's shipments are central staff's), takes in what arrives (receive), and withdraws
    a request of its own or addressed to it (cancel). Anyone else: no.
    """
    if not actor.is_staff:
        return False
    if actor.role in (Role.TECHNICAL, Role.EXPERT, Role.ADMIN):
        return True
    own = _own_outlet(actor)
    if not own:
        return False
    if action in ("request", "receive"):
        return destination_code == own
    if action == "ship":
        return source_kind == Location.OUTLET and source_code == own
    if action in ("cancel", "view"):
        return destination_code == own or (source_kind == Location.OUTLET and source_code == own)
    return False


def transfer_get_for_actor(*, actor: Actor, number: str, action: str = "view") -> Transfer:
    """The transfer `number` if `actor` may take `action` on it; 401 for non-staff, 404, 403."""
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    transfer = transfer_get(number=number)
    if not transfer_may(
        actor,
        action=action,
        source_kind=transfer.source_kind,
        source_code=transfer.source_code,
        destination_code=transfer.destination_code,
    ):
        raise Forbidden(what="move this transfer")
    return transfer


def stock_overview_for_actor(*, actor: Actor, outlet_code: str) -> list[dict[str, Any]]:
    """`stock_overview` for the outlet's own staff and central staff; 401, 403 otherwise."""
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.view_any") and _own_outlet(actor) != outlet_code:
        raise Forbidden(what="see this outlet's stock")
    return stock_overview(outlet_code=outlet_code)


def device_models() -> QuerySet[DeviceModel]:
    """Every device model the brand services, by code (the choice when a repair order is opened)."""
    return DeviceModel.objects.order_by("code")


def parts_of_model(*, model_id: int) -> QuerySet[Part]:
    """The original parts of one device model, by part number (one query)."""
    return Part.objects.filter(model_id=model_id).order_by("number")
