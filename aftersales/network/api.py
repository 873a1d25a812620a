"""Outlet endpoints. The finder, verify and detail are public (no sign-in, only the fields of
selectors.outlet_public); the walk-in desk endpoints need the outlet's own staff."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.language import request_language
from aftersales.network.models import Outlet
from aftersales.network.schemas import (
    LaneIn,
    NearbyOutletOut,
    NearestIn,
    OutletPublicOut,
    QueueStateOut,
    ServeIn,
    TicketOut,
    TopIn,
    VerifyIn,
    VerifyOut,
)
from aftersales.network.selectors import (
    NearestQuery,
    outlet_get_for_staff,
    outlet_get_public,
    outlet_queue_state,
    outlet_verify,
    outlets_nearest,
    outlets_top_in_city,
)
from aftersales.network.services import outlet_queue_join, outlet_queue_serve

router = Router(tags=["outlets"], auth=None)


@router.get("/nearest", response=list[NearbyOutletOut])
def nearest(request: HttpRequest, filters: Query[NearestIn]):  # type: ignore[no-untyped-def]
    """Authorised outlets nearest to a point (WGS-84 degrees), nearest first, with distance in metres."""
    return outlets_nearest(
        query=NearestQuery(**filters.dict()), now=clock.now(), language=request_language(request)
    )


@router.get("/top", response=list[OutletPublicOut])
def top(request: HttpRequest, filters: Query[TopIn]):  # type: ignore[no-untyped-def]
    """A city's best-rated outlets (Bayesian average); `city` is a name (深圳, 深圳市) or its adcode."""
    return outlets_top_in_city(
        city=filters.city, limit=filters.limit, now=clock.now(), language=request_language(request)
    )


@router.get("/verify", response=VerifyOut)
def verify(request: HttpRequest, filters: Query[VerifyIn]):  # type: ignore[no-untyped-def]
    """Whether a shop's name, phone number or unified social credit code belongs to an authorised outlet."""
    return outlet_verify(query=filters.q, now=clock.now(), language=request_language(request))


@router.get("/{code}", response=OutletPublicOut)
def detail(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    return outlet_get_public(code=code, now=clock.now(), language=request_language(request))


# --- the walk-in desk: the outlet's own staff (or an administrator), with a staff token ---


def _queue_out(outlet: Outlet) -> dict[str, Any]:
    return {"outlet": outlet.code, **outlet_queue_state(outlet=outlet)}


@router.get("/{code}/queue", response=QueueStateOut)
def queue_state(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    """The outlet's walk-in queue now: per lane waiting, issued, served and a newcomer's wait."""
    outlet = outlet_get_for_staff(actor=actor_from_request(request), code=code)
    return _queue_out(outlet)


@router.post("/{code}/queue/join", response={201: TicketOut})
def queue_join(request: HttpRequest, code: str, payload: LaneIn):  # type: ignore[no-untyped-def]
    """The desk gives a walk-in customer the next ticket of a lane (urgent or normal)."""
    actor = actor_from_request(request)
    outlet = outlet_get_for_staff(actor=actor, code=code)
    ticket = outlet_queue_join(actor=actor, outlet=outlet, lane=payload.lane)
    return Status(201, {"lane": ticket.lane, "ticket": ticket.ticket, "queue": _queue_out(outlet)})


@router.post("/{code}/queue/serve", response=TicketOut)
def queue_serve(request: HttpRequest, code: str, payload: ServeIn):  # type: ignore[no-untyped-def]
    """Take the next walk-in customer (of `lane`, or urgent before normal) and mark them served.

    Two desks calling the last ticket at once: one gets it, the other 409 `queue_empty`.
    """
    actor = actor_from_request(request)
    outlet = outlet_get_for_staff(actor=actor, code=code)
    ticket = outlet_queue_serve(actor=actor, outlet=outlet, lane=payload.lane)
    return {"lane": ticket.lane, "ticket": ticket.ticket, "queue": _queue_out(outlet)}
