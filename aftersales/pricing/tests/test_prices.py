"""The public price list and trade-in prices: the row in force on a date, history kept, bad input named."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, ValidationFailed
from aftersales.parts.tests.factories import make_catalogue
from aftersales.pricing.models import RepairPrice
from aftersales.pricing.services import trade_in_price_publish
from aftersales.pricing.tests.factories import publish

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_public_price_list_shows_the_price_in_force_today_and_keeps_the_old_one(client):  # type: ignore[no-untyped-def]
    catalogue = make_catalogue()
    publish(catalogue.screen, "899.00", "100.00", effective_from=date(2026, 1, 1))
    publish(catalogue.screen, "949.00", "100.00", effective_from=date(2026, 7, 1))
    with clock.travel_to(datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)):
        before = client.get("/api/v1/prices?model=reno10").json()
    with clock.travel_to(datetime(2026, 7, 1, 0, 30, tzinfo=SHANGHAI)):
        after = client.get("/api/v1/prices?model=reno10").json()
    assert [(p["part"], p["total"]) for p in before] == [(catalogue.screen.number, "999.00")]
    assert [(p["part"], p["parts_price"], p["effective_from"]) for p in after] == [
        (catalogue.screen.number, "949.00", "2026-07-01")
    ]
    assert RepairPrice.objects.filter(part=catalogue.screen).count() == 2


def test_an_unknown_model_is_refused_naming_the_field(client):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/prices?model=nokia-3310&lang=en")
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"model": "Unknown device model nokia-3310."}


def test_a_negative_price_or_a_second_price_on_one_day_is_refused():  # type: ignore[no-untyped-def]
    catalogue = make_catalogue()
    with pytest.raises(ValidationFailed) as negative:
        publish(catalogue.battery, "-1.00", "50.00")
    assert negative.value.fields["parts_price"].code == "price_invalid"
    publish(catalogue.battery, "199.00", "50.00")
    with pytest.raises(FieldConflict):
        publish(catalogue.battery, "209.00", "50.00")


def test_trade_in_prices_are_public_per_condition_grade(client):  # type: ignore[no-untyped-def]
    make_catalogue()
    trade_in_price_publish(
        actor=SYSTEM,
        model_code="reno10",
        condition="good",
        price=Decimal("800.00"),
        effective_from=date(2026, 1, 1),
    )
    trade_in_price_publish(
        actor=SYSTEM,
        model_code="reno10",
        condition="poor",
        price=Decimal("200.00"),
        effective_from=date(2026, 1, 1),
    )
    every = client.get("/api/v1/trade-in?model=reno10").json()
    assert [(row["condition"], row["price"]) for row in every] == [("good", "800.00"), ("poor", "200.00")]
    one = client.get("/api/v1/trade-in?model=reno10&condition=good").json()
    assert [row["price"] for row in one] == ["800.00"]
    unknown = client.get("/api/v1/trade-in?model=reno10&condition=shiny")
    assert unknown.status_code == 422 and unknown.json()["field_codes"] == {"condition": "condition_unknown"}
