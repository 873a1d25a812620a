"""Transfer orders depot -> outlet and outlet -> outlet over the staff API: each move, bad moves, access.

- olga: technician of outlet sz-futian-01 (Shenzhen), who asks for parts
- otto: technician of outlet gz-tianhe-01; sends olga parts, and may not receive hers
- tom: central technical staff; ships from the depot
"""

import json
from datetime import timedelta
from typing import Any

import pytest

from aftersales.accounts.roles import Role
from aftersales.accounts.services import api_token_create
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.network.tests.factories import make_outlet
from aftersales.parts.models import Location, Stock, Transfer
from aftersales.parts.tests.factories import make_catalogue, make_depot, stock_depot, stock_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    futian = make_outlet("sz-futian-01")
    tianhe = make_outlet("gz-tianhe-01", city="广州市", city_adcode="440100", district_adcode="440106")
    catalogue = make_catalogue()
    depot = make_depot()
    stock_depot(depot, catalogue.screen, 5)
    stock_up(tianhe.code, catalogue.screen, 4)
    olga = StaffFactory(username="olga", role=Role.OUTLET_TECHNICIAN, team=futian.team)
    otto = StaffFactory(username="otto", role=Role.OUTLET_TECHNICIAN, team=tianhe.team)
    return {"catalogue": catalogue, "depot": depot, "olga": olga, "otto": otto}


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, user):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(user))


def shelf(kind, code, part):  # type: ignore[no-untyped-def]
    stock = Stock.objects.filter(location_kind=kind, location_code=code, part=part).first()
    return (stock.on_hand, stock.reserved) if stock else (0, 0)


def ask(client, world, source="depot:gd-depot", quantity=2):  # type: ignore[no-untyped-def]
    body = {
        "part": world["catalogue"].screen.number,
        "quantity": quantity,
        "source": source,
        "destination": "sz-futian-01",
    }
    return post(client, "/api/v1/parts/transfers", body, world["olga"])


def test_a_depot_transfer_goes_requested_shipped_received_moving_the_stock(client, world, tom):  # type: ignore[no-untyped-def]
    screen = world["catalogue"].screen
    asked = ask(client, world)
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["state"] == "requested" and body["allowed_actions"] == ["ship", "cancel"]
    # Promised at the depot at once, still on its shelf; expected after the depot's 24 hours.
    assert shelf(Location.DEPOT, "gd-depot", screen) == (5, 2)
    transfer = Transfer.objects.get(number=body["number"])
    assert transfer.expected_arrival - transfer.requested_at == timedelta(hours=24)
    shipped = post(client, f"/api/v1/parts/transfers/{body['number']}/shipment", {}, tom)
    assert shipped.status_code == 200 and shipped.json()["state"] == "shipped"
    assert shelf(Location.DEPOT, "gd-depot", screen) == (3, 0)
    stock = client.get("/api/v1/parts/outlets/sz-futian-01/stock", **bearer(world["olga"])).json()
    assert [(s["part"], s["on_hand"], s["in_transit"]) for s in stock] == [(screen.number, 0, 2)]
    received = post(client, f"/api/v1/parts/transfers/{body['number']}/receipt", {}, world["olga"])
    assert received.status_code == 200 and received.json()["state"] == "received"
    assert shelf(Location.OUTLET, "sz-futian-01", screen) == (2, 0)
    assert received.json()["allowed_actions"] == []


def test_an_outlet_to_outlet_transfer_is_shipped_by_the_sending_outlet(client, world):  # type: ignore[no-untyped-def]
    screen = world["catalogue"].screen
    number = ask(client, world, source="outlet:gz-tianhe-01", quantity=3).json()["number"]
    assert shelf(Location.OUTLET, "gz-tianhe-01", screen) == (4, 3)
    # olga cannot ship what lies in otto's outlet; otto can, and cannot take it in for olga.
    assert post(client, f"/api/v1/parts/transfers/{number}/shipment", {}, world["olga"]).status_code == 403
    assert post(client, f"/api/v1/parts/transfers/{number}/shipment", {}, world["otto"]).status_code == 200
    assert post(client, f"/api/v1/parts/transfers/{number}/receipt", {}, world["otto"]).status_code == 403
    assert post(client, f"/api/v1/parts/transfers/{number}/receipt", {}, world["olga"]).status_code == 200
    assert shelf(Location.OUTLET, "gz-tianhe-01", screen) == (1, 0)
    assert shelf(Location.OUTLET, "sz-futian-01", screen) == (3, 0)


@pytest.mark.parametrize(
    ("done", "action"),
    [
        ([], "receipt"),  # not shipped yet
        (["shipment"], "shipment"),  # shipped twice
        (["shipment"], "cancellation"),  # too late to cancel
        (["shipment", "receipt"], "receipt"),  # received twice
        (["cancellation"], "shipment"),  # cancelled
    ],
)
def test_a_move_the_table_does_not_allow_is_409_naming_the_state(client, world, tom, done, action):  # type: ignore[no-untyped-def]
    number = ask(client, world).json()["number"]
    for step in done:
        assert (
            post(client, f"/api/v1/parts/transfers/{number}/{step}", {"reason": "客户取消"}, tom).status_code
            == 200
        )
    before = Transfer.objects.get(number=number)
    answer = post(client, f"/api/v1/parts/transfers/{number}/{action}", {"reason": "再试一次"}, tom)
    assert answer.status_code == 409
    assert answer.json()["field_codes"] == {"state": "transfer_transition_not_allowed"}
    assert before.state in answer.json()["fields"]["state"]
    assert Transfer.objects.get(number=number).state == before.state


def test_cancelling_a_request_releases_the_source_and_needs_a_reason(client, world):  # type: ignore[no-untyped-def]
    number = ask(client, world).json()["number"]
    empty = post(client, f"/api/v1/parts/transfers/{number}/cancellation", {"reason": "  "}, world["olga"])
    assert empty.status_code == 422 and "reason" in empty.json()["fields"]
    answer = post(
        client, f"/api/v1/parts/transfers/{number}/cancellation", {"reason": "已在本店找到"}, world["olga"]
    )
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    assert shelf(Location.DEPOT, "gd-depot", world["catalogue"].screen) == (5, 0)


def test_bad_requests_name_the_field(client, world):  # type: ignore[no-untyped-def]
    screen = world["catalogue"].screen.number
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"quantity": 0}, 422, "quantity"),
        ({"quantity": -3}, 422, "quantity"),
        ({"part": "NOPE-1"}, 422, "part"),
        ({"source": "depot:nowhere"}, 422, "source"),
        ({"source": "warehouse:x"}, 422, "source"),
        ({"source": "outlet:sz-futian-01"}, 422, "destination"),
        ({"quantity": 6}, 409, "part"),  # the depot holds 5
    ]
    for change, status, field in cases:
        body = {
            "part": screen,
            "quantity": 1,
            "source": "depot:gd-depot",
            "destination": "sz-futian-01",
            **change,
        }
        answer = post(client, "/api/v1/parts/transfers", body, world["olga"])
        assert answer.status_code == status, (change, answer.content)
        assert field in answer.json()["fields"], (change, answer.json())
    assert not Transfer.objects.exists()
    assert shelf(Location.DEPOT, "gd-depot", world["catalogue"].screen) == (5, 0)


def test_an_outlet_may_not_ask_parts_for_another_outlet_nor_see_its_stock(client, world):  # type: ignore[no-untyped-def]
    body = {
        "part": world["catalogue"].screen.number,
        "quantity": 1,
        "source": "depot:gd-depot",
        "destination": "gz-tianhe-01",
    }
    assert post(client, "/api/v1/parts/transfers", body, world["olga"]).status_code == 403
    assert client.get("/api/v1/parts/outlets/gz-tianhe-01/stock", **bearer(world["olga"])).status_code == 403
    assert client.get("/api/v1/parts/outlets/gz-tianhe-01/stock").status_code == 401


def test_an_expected_arrival_in_the_past_is_refused(client, world):  # type: ignore[no-untyped-def]
    body = {
        "part": world["catalogue"].screen.number,
        "quantity": 1,
        "source": "depot:gd-depot",
        "destination": "sz-futian-01",
        "expected_arrival": (clock.now() - timedelta(hours=1)).isoformat(),
    }
    answer = post(client, "/api/v1/parts/transfers", body, world["olga"])
    assert answer.status_code == 422 and answer.json()["field_codes"] == {"expected_arrival": "date_in_past"}
