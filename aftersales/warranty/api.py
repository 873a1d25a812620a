"""The public warranty look-up by IMEI (no sign-in; rate-limited per client address)."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from aftersales.common import clock
from aftersales.common.client_address import client_address
from aftersales.warranty.services import warranty_lookup

router = Router(tags=["warranty"], auth=None)


class WarrantyIn(Schema):
    # Long enough for a labelled, grouped IMEI; the reader refuses anything else with `imei_invalid`.
    imei: str = Field(..., max_length=200)


class WarrantyOut(Schema):
    """What anyone holding the IMEI may see: no owner, contact, purchase date or channel."""

    imei: str
    status: str = Field(..., description="in_warranty | expired | unknown_device | purchase_date_unknown")
    model: str
    warranty_until: date | None = Field(..., description="the last day covered")
    months: int
    rules_from: date
    checked_on: date


@router.get("", response=WarrantyOut)
def warranty(request: HttpRequest, filters: Query[WarrantyIn]):  # type: ignore[no-untyped-def]
    """A device's warranty status today by IMEI (full-width digits, labels, printed groupings read).

    422 `imei_invalid` on `imei`; 429 `warranty_lookup_limit` with Retry-After beyond
    AFTERSALES_WARRANTY_LOOKUP_MAX look-ups per client address per window.
    """
    return warranty_lookup(imei=filters.imei, client_address=client_address(request), now=clock.now())
