"""The finder's index against a scan of every outlet with the haversine formula.

Thousands of random points over China's whole east-west span (73°E-135°E), outlets
sharing one address, outlets at exactly equal distances, authorisations that have
lapsed and filters: the index must answer the same outlets as the scan, in the same
order (distance in whole millimetres, then outlet code). The index computes distances
from unit-sphere chords, the scan with the haversine formula: two formulas may round a
distance lying within a millionth of a millimetre of a half to different millimetres,
so distances are compared to the millimetre.
"""

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.network.finder import Filters, open_now
from aftersales.network.geo import EARTH_RADIUS_KM, distance_mm
from aftersales.network.models import Outlet
from aftersales.network.selectors import outlet_index
from aftersales.network.services import network_version_change, outlet_save
from aftersales.network.tests.factories import make_outlet, make_uscc, outlet_row

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 4)
HOURS = ["Mo-Su 09:00-21:00", "Mo-Fr 09:00-18:00; Sa-Su off", "Mo-Su 20:00-04:00", "24/7", ""]
SPECIALITIES = ["screen_no_disassembly", "battery_green_channel", "express_replacement"]


def random_network(rng: random.Random, count: int) -> tuple[list[Outlet], list[tuple[float, float]]]:
    """`count` outlets over China's span, with shared addresses and equidistant pairs; the query
    points that make those ties bite."""
    points: list[tuple[float, float]] = []
    queries: list[tuple[float, float]] = []
    while len(points) < count * 0.8:
        points.append((rng.uniform(18.0, 53.5), rng.uniform(73.0, 135.0)))
    # Shared addresses: groups of 2-4 outlets at one point, and queries right on them.
    while len(points) < count * 0.9:
        spot = (round(rng.uniform(20.0, 50.0), 4), round(rng.uniform(73.0, 135.0), 4))
        points += [spot] * rng.randint(2, 4)
        queries.append(spot)
    # Equal distances: two outlets symmetric about a meridian, the query on it.
    while len(points) < count:
        lat, lon, offset = rng.uniform(20.0, 50.0), rng.uniform(75.0, 133.0), rng.uniform(0.001, 0.5)
        points += [(lat, lon - offset), (lat, lon + offset)]
        queries.append((lat, lon))
    outlets = []
    for number, (lat, lon) in enumerate(points):
        lapsed = rng.random() < 0.05
        outlets.append(
            Outlet(
                code=f"t{rng.randrange(10**6):06d}-{number:05d}",
                name=f"outlet {number}",
                name_key=f"outlet{number}",
                brand="demo-phone",
                kind=Outlet.Kind.SERVICE_CENTRE,
                address="-",
                province="-",
                province_adcode="110000",
                city="-",
                city_adcode="110100",
                lat=lat,
                lon=lon,
                timezone=rng.choice(["Asia/Shanghai", "Asia/Urumqi"]),
                hours=rng.choice(HOURS),
                uscc=make_uscc(number),
                authorisation=Outlet.Authorisation.AUTHORISED,
                authorised_from=date(2024, 1, 1),
                authorised_until=TODAY - timedelta(days=1) if lapsed else None,
                specialities=sorted(rng.sample(SPECIALITIES, rng.randint(0, 2))),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    # Bulk rows for speed: the index reads rows, however they were written.
    Outlet.objects.bulk_create(outlets, batch_size=1000)
    network_version_change(at=clock.now())
    return outlets, queries


class Scan:
    """Brute force: the haversine distance to every outlet kept, sorted by (millimetres, code)."""

    def __init__(self, outlets: list[Outlet]) -> None:
        self.outlets = outlets
        self.lats = np.radians([o.lat for o in outlets])
        self.lons = np.radians([o.lon for o in outlets])

    def nearest(self, lat: float, lon: float, limit: int, keep: np.ndarray) -> list[tuple[int, str]]:
        if not keep.any():
            return []
        phi = np.radians(lat)
        h = (
            np.sin((self.lats - phi) / 2) ** 2
            + np.cos(phi) * np.cos(self.lats) * np.sin((self.lons - np.radians(lon)) / 2) ** 2
        )
        km = np.where(keep, 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))), np.inf)
        # Exact millimetres (the scalar formula) for every outlet within 2 mm of the limit-th distance.
        cut = np.partition(km, min(limit, int(keep.sum())) - 1)[min(limit, int(keep.sum())) - 1] + 2e-6
        close = np.nonzero(km <= cut)[0]
        return sorted(
            (distance_mm(lat, lon, self.outlets[i].lat, self.outlets[i].lon), self.outlets[i].code)
            for i in close
        )[:limit]


def same_answer(hits, expected) -> bool:  # type: ignore[no-untyped-def]
    """The same outlets in the same order, at distances equal to the millimetre."""
    return [h.code for h in hits] == [code for _mm, code in expected] and all(
        abs(h.distance_mm - mm) <= 1 for h, (mm, _code) in zip(hits, expected, strict=True)
    )


def in_force(outlet: Outlet) -> bool:
    return outlet.authorised_until is None or outlet.authorised_until >= TODAY


def test_the_index_answers_exactly_what_a_haversine_scan_answers():  # type: ignore[no-untyped-def]
    rng = random.Random(20260304)
    outlets, tie_queries = random_network(rng, 3000)
    index = outlet_index()
    assert index.size == len(outlets) >= 3000
    queries = tie_queries + [(rng.uniform(15.0, 55.0), rng.uniform(73.0, 135.0)) for _ in range(2500)]
    scan, keep = Scan(outlets), np.array([in_force(o) for o in outlets])
    ties_seen = 0
    for lat, lon in queries:
        limit = rng.choice([1, 2, 3, 5, 10])
        hits = index.nearest(lat, lon, limit=limit, today=TODAY)
        expected = scan.nearest(lat, lon, limit, keep)
        assert same_answer(hits, expected), (lat, lon, limit)
        ties_seen += len(expected) - len({mm for mm, _code in expected})
    # The ties were there to be got wrong.
    assert ties_seen > 100


def test_filtered_answers_match_the_scan_with_the_same_filters():  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    outlets, _ = random_network(rng, 2000)
    index = outlet_index()
    moment = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)  # 23:30 in Beijing, 21:30 in Urumqi
    scan = Scan(outlets)
    open_then = np.array([in_force(o) and open_now(o.hours, o.timezone, moment) for o in outlets])
    offering = {
        code: np.array([in_force(o) and code in o.specialities for o in outlets]) for code in SPECIALITIES
    }
    for _ in range(400):
        lat, lon = rng.uniform(18.0, 53.5), rng.uniform(73.0, 135.0)
        code = rng.choice(SPECIALITIES)
        hits = index.nearest(lat, lon, limit=5, today=TODAY, filters=Filters(specialities=frozenset({code})))
        assert same_answer(hits, scan.nearest(lat, lon, 5, offering[code]))
        hits = index.nearest(lat, lon, limit=5, today=TODAY, filters=Filters(open_at=moment))
        assert same_answer(hits, scan.nearest(lat, lon, 5, open_then))


def test_the_index_is_rebuilt_when_outlets_change_and_only_then():  # type: ignore[no-untyped-def]
    make_outlet("sz-01")
    first = outlet_index()
    assert first is outlet_index()  # nothing changed: the same index
    assert [h.code for h in first.nearest(22.54, 114.05, limit=5, today=TODAY)] == ["sz-01"]

    # Revoked through the admin's service: gone from the finder at once.
    outlet_save(actor=SYSTEM, row=outlet_row("sz-01", authorisation="revoked"))
    second = outlet_index()
    assert second is not first
    assert second.nearest(22.54, 114.05, limit=5, today=TODAY) == []


def test_an_empty_network_finds_nothing():  # type: ignore[no-untyped-def]
    assert outlet_index().nearest(30.0, 110.0, limit=5, today=TODAY) == []
