"""Public price endpoints: the repair price list and trade-in prices in force today (no sign-in)."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from aftersales.common import clock
from aftersales.pricing.selectors import prices_public, trade_in_public

prices_router = Router(tags=["prices"], auth=None)
trade_in_router = Router(tags=["prices"], auth=None)


class PricesIn(Schema):
    model: str = Field(..., min_length=1, max_length=40)


class PriceOut(Schema):
    part: str
    component: str
    name: str
    parts_price: str
    labour_price: str
    total: str
    effective_from: date


class TradeInIn(Schema):
    model: str = Field(..., min_length=1, max_length=40)
    condition: str | None = Field(None, max_length=10)


class TradeInOut(Schema):
    model: str
    condition: str
    price: str
    effective_from: date


@prices_router.get("", response=list[PriceOut])
def prices(request: HttpRequest, filters: Query[PricesIn]):  # type: ignore[no-untyped-def]
    """A model's standard repair prices today, per part: parts and labour in yuan (strings, 2 decimals)."""
    return prices_public(model_code=filters.model, on=clock.localdate(clock.now()))


@trade_in_router.get("", response=list[TradeInOut])
def trade_in(request: HttpRequest, filters: Query[TradeInIn]):  # type: ignore[no-untyped-def]
    """What the brand pays today for a used handset of `model`, per condition grade (or the one asked)."""
    return trade_in_public(
        model_code=filters.model, condition=filters.condition, on=clock.localdate(clock.now())
    )
