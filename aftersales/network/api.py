"""Public outlet endpoints: no sign-in, only public fields (selectors.outlet_public)."""

from django.http import HttpRequest
from ninja import Query, Router

from aftersales.common import clock
from aftersales.common.language import request_language
from aftersales.network.schemas import NearbyOutletOut, NearestIn, OutletPublicOut, TopIn, VerifyIn, VerifyOut
from aftersales.network.selectors import (
    NearestQuery,
    outlet_get_public,
    outlet_verify,
    outlets_nearest,
    outlets_top_in_city,
)

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
