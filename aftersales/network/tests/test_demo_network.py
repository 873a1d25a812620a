"""The demo network loads whole through the import: every province, at least 60 cities,
ratings and queues, and the demo outlet whose staff sign in."""

import pytest

from aftersales.common import clock
from aftersales.demo.outlets import seed_outlets
from aftersales.demo.seed import STAFF
from aftersales.network.models import Outlet, OutletPhone, OutletQueue
from aftersales.network.selectors import NearestQuery, outlets_nearest, outlets_top_in_city


@pytest.mark.django_db
def test_the_demo_network_covers_every_province_and_sixty_cities():  # type: ignore[no-untyped-def]
    count = seed_outlets()
    outlets = Outlet.objects.all()
    assert outlets.count() == count
    assert len({o.province_adcode for o in outlets}) == 31
    assert len({o.city_adcode for o in outlets}) >= 60
    assert Outlet.objects.filter(rating_count__gt=0).count() > count / 2
    assert OutletQueue.objects.filter(waiting__gt=0).exists()
    # One published number in the list is a misprint: kept as written, flagged.
    assert OutletPhone.objects.filter(valid=False).count() == 1
    teams = {team for _username, _role, team in STAFF if team.startswith("outlet-")}
    assert teams == {Outlet.objects.get(code="beijing-01").team}
    near_tiananmen = outlets_nearest(
        query=NearestQuery(lat=39.9087, lon=116.3975), now=clock.now(), language="en"
    )
    assert near_tiananmen[0]["city"] == "北京市"
    assert len(outlets_top_in_city(city="北京", now=clock.now(), language="zh-hans")) == 3


def test_every_demo_outlet_lies_in_the_district_its_name_and_adcode_give():  # type: ignore[no-untyped-def]
    from aftersales.demo.outlets import outlet_rows
    from aftersales.network.address import address_resolve
    from aftersales.network.geo import haversine_km

    rows = outlet_rows()
    assert len(rows) > 60
    for row in rows:
        # The name ends "(深圳南山区店)": the district it names is the row's district.
        assert row["name"].endswith(f"{row['district']}店)"), row["name"]
        own = row["district_adcode"] or row["city_adcode"]
        found = address_resolve(address=row["address"])
        assert found.adcode == own, (row["code"], row["address"], found.as_dict())
        assert found.lat is not None and found.lon is not None
        km = haversine_km(row["lat"], row["lon"], found.lat, found.lon)
        assert km < 15, (row["code"], row["name"], round(km, 1))
    shenzhen_02 = next(row for row in rows if row["code"] == "shenzhen-02")
    assert shenzhen_02["district"] == "南山区" and shenzhen_02["lon"] < 114.0
