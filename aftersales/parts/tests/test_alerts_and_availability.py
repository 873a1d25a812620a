"""Low-stock alerts (once per crossing), public availability near a point, and emergency modes."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.common.errors import FieldConflict, ValidationFailed
from aftersales.network.tests.factories import make_outlet
from aftersales.notifications.models import Notification
from aftersales.parts.models import LowStockAlert, Stock
from aftersales.parts.selectors import emergency_for_outlet
from aftersales.parts.services import emergency_declare, parts_consume, parts_release, parts_reserve
from aftersales.parts.tests.factories import make_catalogue, make_depot, stock_up

OUTLET = "sz-futian-01"


@pytest.fixture
def catalogue(db):  # type: ignore[no-untyped-def]
    return make_catalogue()


def reserve(part, holder, quantity=1, outlet=OUTLET):  # type: ignore[no-untyped-def]
    return parts_reserve(actor=SYSTEM, holder=holder, location_code=outlet, lines=[(part.number, quantity)])


def alerts():  # type: ignore[no-untyped-def]
    return list(LowStockAlert.objects.values_list("part_number", "available", "cleared_at"))


def test_the_alert_fires_once_when_free_stock_crosses_the_threshold(catalogue):  # type: ignore[no-untyped-def]
    screen = catalogue.screen  # threshold 2
    stock_up(OUTLET, screen, 4)
    reserve(screen, "repair:A")  # 3 free: above
    assert alerts() == []
    reserve(screen, "repair:B")  # 2 free: crossed
    reserve(screen, "repair:C")  # 1 free: still low, no second alert
    parts_consume(actor=SYSTEM, holder="repair:A")  # 1 free
    assert alerts() == [(screen.number, 2, None)]
    told = Notification.objects.get(reason="low_stock")
    assert (
        told.recipient == f"team:outlet-{OUTLET}"
        and told.channel == "in_app"
        and screen.number in told.subject
    )
    assert Stock.objects.get(part=screen).low_since is not None


def test_climbing_back_above_rearms_the_alert(catalogue):  # type: ignore[no-untyped-def]
    battery = catalogue.battery
    stock_up(OUTLET, battery, 3)
    reserve(battery, "repair:A")  # 2 free: alert 1
    parts_release(actor=SYSTEM, holder="repair:A")  # 3 free: cleared
    assert LowStockAlert.objects.get().cleared_at is not None
    assert Stock.objects.get(part=battery).low_since is None
    reserve(battery, "repair:B")  # 2 free again: alert 2
    assert LowStockAlert.objects.count() == 2 and Notification.objects.filter(reason="low_stock").count() == 2


def test_the_threshold_is_data_per_part(catalogue):  # type: ignore[no-untyped-def]
    camera = catalogue.camera
    camera.low_stock_threshold = 0
    camera.save(update_fields=["low_stock_threshold"])
    stock_up(OUTLET, camera, 2)
    reserve(camera, "repair:A")
    assert alerts() == []
    reserve(camera, "repair:B")
    assert alerts() == [(camera.number, 0, None)]


def test_a_depot_raises_no_outlet_alert(catalogue):  # type: ignore[no-untyped-def]
    from aftersales.parts.tests.factories import stock_depot

    stock_depot(make_depot(), catalogue.screen, 1)
    assert alerts() == []


@pytest.mark.django_db(transaction=True)
def test_racing_reservations_raise_a_single_alert(catalogue):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.screen, 4)
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def take(holder: str) -> None:
        try:
            barrier.wait()
            reserve(catalogue.screen, holder)
            outcomes.append("ok")
        except FieldConflict:
            outcomes.append("refused")
        except Exception as exc:  # SQLite may report the lock as busy: that attempt lost
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(f"repair:{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = outcomes.count("ok")
    assert won >= 1
    stock = Stock.objects.get(part=catalogue.screen)
    assert stock.reserved == won
    # Whatever interleaving, at most one alert for one crossing (at 2 free or fewer).
    assert LowStockAlert.objects.count() == (1 if stock.available <= 2 else 0)


# --- availability ---------------------------------------------------------------------------------

FUTIAN = (22.5431, 114.0579)


@pytest.fixture
def network(catalogue):  # type: ignore[no-untyped-def]
    make_outlet("sz-futian-01")
    make_outlet("sz-nanshan-01", lat="22.5329", lon="113.9305")  # ~13 km
    make_outlet("sz-luohu-01", lat="22.5484", lon="114.1315")  # ~8 km
    make_outlet("gz-tianhe-01", lat="23.1353", lon="113.3230")  # ~100 km
    make_outlet("sz-revoked-01", lat="22.5440", lon="114.0590", authorisation="revoked")
    stock_up("sz-futian-01", catalogue.screen, 7)
    stock_up("sz-nanshan-01", catalogue.screen, 1)
    stock_up("sz-luohu-01", catalogue.screen, 1)
    stock_up("gz-tianhe-01", catalogue.screen, 9)
    stock_up("sz-revoked-01", catalogue.screen, 9)
    reserve(catalogue.screen, "repair:L", outlet="sz-luohu-01")  # luohu's only screen is promised
    return catalogue


def availability(client, **params):  # type: ignore[no-untyped-def]
    query = {"model": "reno10", "lat": str(FUTIAN[0]), "lon": str(FUTIAN[1]), **params}
    return client.get("/api/v1/parts/availability", query, HTTP_ACCEPT_LANGUAGE="en")


def test_availability_counts_outlets_near_you_with_the_part_free(client, network):  # type: ignore[no-untyped-def]
    answer = availability(client, part="screen")
    assert answer.status_code == 200, answer.content
    [screen] = answer.json()["parts"]
    assert screen["outlets_in_stock"] == 2  # futian and nanshan; luohu's is promised, tianhe too far
    assert [(o["outlet"], o["in_stock"]) for o in screen["nearest"]] == [
        ("sz-futian-01", True),
        ("sz-luohu-01", False),
        ("sz-nanshan-01", True),
    ]
    # Yes or no only: nothing in the answer says how many parts an outlet holds.
    assert set(answer.json()) == {"model", "radius_km", "parts"}
    assert set(screen) == {"part", "component", "component_label", "name", "outlets_in_stock", "nearest"}
    assert all(set(o) == {"outlet", "name", "distance_km", "in_stock"} for o in screen["nearest"])
    wider = availability(client, part=network.screen.number, radius_km="150").json()["parts"][0]
    assert wider["outlets_in_stock"] == 3


def test_availability_lists_every_part_of_the_model_without_a_part(client, network):  # type: ignore[no-untyped-def]
    parts = availability(client).json()["parts"]
    assert {p["component"]: p["outlets_in_stock"] for p in parts} == {"screen": 2, "battery": 0, "camera": 0}


def test_full_width_coordinates_are_read(client, network):  # type: ignore[no-untyped-def]
    answer = availability(client, part="screen", lat="２２.５４３１", lon="１１４.０５７９")
    assert answer.status_code == 200 and answer.json()["parts"][0]["outlets_in_stock"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "91"}, "lat"),
        ({"lon": "-181"}, "lon"),
        ({"lat": "nan"}, "lat"),
        ({"lon": "inf"}, "lon"),
        ({"lat": "1e3"}, "lat"),
        ({"lat": "二十二"}, "lat"),
        ({"lat": "'; drop table"}, "lat"),
        ({"radius_km": "0"}, "radius_km"),
        ({"radius_km": "5000"}, "radius_km"),
        ({"model": "nokia-3310"}, "model"),
        ({"part": "摄像头🙂"}, "part"),
    ],
)
def test_bad_queries_are_422_naming_the_field(client, network, params, field):  # type: ignore[no-untyped-def]
    answer = availability(client, **params)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["fields"]


# --- emergency modes ---------------------------------------------------------------------------------


def test_an_emergency_is_in_force_for_its_region_and_period(catalogue):  # type: ignore[no-untyped-def]
    make_depot()
    futian = make_outlet("sz-futian-01")
    beijing = make_outlet(
        "bj-01",
        province="北京市",
        province_adcode="110000",
        city="北京市",
        city_adcode="110100",
        district="朝阳区",
        district_adcode="110105",
        address="北京市朝阳区建国路 1 号",
        lat="39.9087",
        lon="116.4605",
    )
    now = clock.now()
    emergency_declare(
        actor=SYSTEM,
        region_adcode="4403",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        reason_zh="台风“海葵”应急服务",
        reason_en="Typhoon Haikui emergency service",
    )
    assert emergency_for_outlet(futian, at=now) is not None
    assert emergency_for_outlet(beijing, at=now) is None
    assert emergency_for_outlet(futian, at=now + timedelta(days=3)) is None
    assert emergency_for_outlet(futian, at=now - timedelta(hours=2)) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region_adcode": "4x"}, "region"),
        ({"region_adcode": "4"}, "region"),
        ({"region_adcode": "11"}, "region"),  # no depot serves Beijing
        ({"ends_at_offset": -2}, "ends_at"),
        ({"reason_zh": " "}, "reason_zh"),
        ({"reason_en": "x\x00"}, "reason_en"),
    ],
)
def test_a_bad_emergency_is_refused_naming_the_field(catalogue, change, field):  # type: ignore[no-untyped-def]
    make_depot()
    now = clock.now()
    offset = change.pop("ends_at_offset", 1)
    values = {
        "region_adcode": "44",
        "starts_at": now,
        "ends_at": now + timedelta(hours=offset),
        "reason_zh": "暴雨",
        "reason_en": "Rainstorm",
        **change,
    }
    with pytest.raises(ValidationFailed) as refused:
        emergency_declare(actor=SYSTEM, **values)
    assert field in refused.value.fields
