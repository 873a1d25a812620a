"""The demo's repairs: a catalogue with prices and trade-in values, stock, and repairs carried to the end."""

import pytest

from aftersales.complaints.models import Complaint
from aftersales.demo.outlets import seed_outlets
from aftersales.demo.repairs import WALK_IN_OUTLET, seed_catalogue, seed_repairs
from aftersales.demo.seed import seed_staff
from aftersales.parts.models import Depot, Stock
from aftersales.repairs.models import RepairOrder


@pytest.mark.django_db
def test_the_demo_takes_complaints_through_repair_orders_to_completion(client, settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    staff = seed_staff()
    seed_outlets()
    made = seed_repairs(count=24, staff=staff)
    assert made >= 20
    returned = RepairOrder.objects.filter(state="returned")
    assert returned.count() >= 12
    for order in returned.select_related("complaint")[:5]:
        assert order.complaint.state in ("resolved", "archived")
        steps = [e.payload["step"] for e in order.complaint.events.filter(kind="repair").order_by("seq")]
        assert steps[0] in ("received", "emergency_mode") and steps[-1] in ("returned", "handed_back")
    walk_ins = RepairOrder.objects.filter(walk_in=True, outlet__code=WALK_IN_OUTLET)
    assert walk_ins.exists() and set(walk_ins.values_list("lightning_route", flat=True)) <= {
        "on_spot",
        "express_replacement",
        "regular",
    }
    assert Complaint.objects.filter(channel="store").count() == walk_ins.count()
    # Public prices and trade-in values for every demo model, stock at depots and outlets.
    prices = client.get("/api/v1/prices", {"model": "reno11pro"}).json()
    assert len(prices) == 7 and all(float(p["total"]) > 0 for p in prices)
    trade_in = client.get("/api/v1/trade-in", {"model": "findn3"}).json()
    assert {t["condition"] for t in trade_in} == {"like_new", "good", "fair", "poor"}
    assert Depot.objects.filter(code="depot-11").exists()
    assert Stock.objects.filter(location_kind="depot").count() == Depot.objects.count() * 7 * 8
    near = client.get(
        "/api/v1/parts/availability", {"model": "reno10", "part": "battery", "lat": "39.91", "lon": "116.40"}
    )
    assert near.status_code == 200 and near.json()["parts"][0]["outlets_in_stock"] >= 1
    # Loading the catalogue again changes nothing.
    seed_catalogue()
    assert client.get("/api/v1/prices", {"model": "reno11pro"}).json() == prices
