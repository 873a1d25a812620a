"""The demo service network: outlets in every city of demo/cities.py, made as an outlet list
and loaded through the import, then given ratings and walk-in queues through the services.

Street addresses are generated from common street names; they point at no real shop.
"""

import random
from typing import Any

import phonenumbers
from stdnum.cn import uscc

from aftersales.accounts.actors import ANONYMOUS, SYSTEM
from aftersales.demo.cities import CITY_TABLE
from aftersales.network.address import gazetteer
from aftersales.network.models import Outlet
from aftersales.network.services import outlet_queue_join, outlet_record_ratings, outlets_import
from aftersales.policy.pack import current_pack

STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "新华路",
    "和平路",
    "文化路",
    "胜利路",
    "长江路",
    "光明路",
    "友谊路",
    "青年路",
]
PLACES = ["", "1 层", "2 层 201 室", "时代广场 3 层", "数码大厦 1 层 105 号", "商业中心 B1 层"]
HOURS = [
    "Mo-Su 09:00-21:00",
    "Mo-Fr 09:00-12:00,13:30-18:30; Sa-Su 10:00-18:00",
    "Mo-Sa 09:30-20:30; Su off",
    "Mo-Su 10:00-22:00",
]
KIND_NAMES = {
    Outlet.Kind.SERVICE_CENTRE: "授权服务中心",
    Outlet.Kind.BRAND_STORE: "品牌体验店",
    Outlet.Kind.PARTNER: "授权合作服务点",
}
BIG_CITIES = {
    "beijing",
    "shanghai",
    "guangzhou",
    "shenzhen",
    "chengdu",
    "chongqing",
    "hangzhou",
    "wuhan",
    "xian",
}
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# An outlet lies within 0.03 * SEAT_SPREAD degrees (about 1 km) of its district's seat.
SEAT_SPREAD = 0.3


def city_table() -> list[dict[str, Any]]:
    cities = []
    for line in CITY_TABLE.strip().splitlines():
        province, province_adcode, city, city_adcode, slug, lat, lon, area, districts = line.split("|")
        cities.append(
            {
                "province": province,
                "province_adcode": province_adcode,
                "city": city,
                "city_adcode": city_adcode,
                "slug": slug,
                "lat": float(lat),
                "lon": float(lon),
                "area": area,
                "districts": [tuple(d.split(":")) for d in districts.split(",") if d] or [("", "")],
            }
        )
    return cities


def district_seat(adcode: str) -> tuple[float, float] | None:
    """(lat, lon) of a district's seat in the address resolver's area table, None when unknown."""
    place = gazetteer().places.get(adcode) if adcode else None
    if place is None or place.coords_of != place.key:
        return None
    return place.lat, place.lon


def _landline(rng: random.Random, area: str) -> str:
    for length in (8, 7):
        number = f"{area}-{rng.randint(2, 8)}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")):
            return number
    return number


def _uscc(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice(_ORG_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def outlet_rows(seed: int = 2026) -> list[dict[str, Any]]:
    """The demo outlet list: 1-3 outlets per city (3 in the largest), as rows of the import."""
    rng = random.Random(seed)
    pack = current_pack()
    specialities = list(pack.network.specialities)
    rows = []
    for city in city_table():
        for number in range(1, (3 if city["slug"] in BIG_CITIES else rng.choice([1, 1, 2])) + 1):
            kind = Outlet.Kind.SERVICE_CENTRE if number == 1 else rng.choice(list(Outlet.Kind))
            district, district_adcode = city["districts"][(number - 1) % len(city["districts"])]
            seat = district_seat(district_adcode) or (city["lat"], city["lon"])
            city_part = "" if city["province"] == city["city"] else city["province"]
            street = f"{rng.choice(STREETS)}{rng.randint(1, 399)}号{rng.choice(PLACES)}"
            phones = [_landline(rng, city["area"])]
            if kind == Outlet.Kind.SERVICE_CENTRE:
                phones.append(pack.hotline)
            if city["slug"] == "kunming" and number == 1:
                phones.append(
                    f"{city['area']}-6{rng.randrange(1000):03d}"
                )  # a misprint in the list: kept, flagged
            hours = rng.choice(HOURS)
            zone = ""
            if city["slug"] == "shenzhen" and number == 2:
                hours = "Mo-Th 10:00-22:00; Fr-Sa 10:00-02:00; Su 10:00-22:00"
            if city["slug"] == "kashgar":
                hours, zone = "Mo-Sa 09:00-19:00; Su off", "Asia/Urumqi"
            offered = rng.sample(specialities, rng.randint(1 if kind == Outlet.Kind.SERVICE_CENTRE else 0, 3))
            rows.append(
                {
                    "code": f"{city['slug']}-{number:02d}",
                    "name": f"{pack.brand_name['zh-hans']}{KIND_NAMES[kind]}({city['city'].removesuffix('市')}{district or ''}店)",
                    "brand": pack.brand_code,
                    "kind": kind.value,
                    "address": f"{city_part}{city['city']}{district}{street}",
                    "province": city["province"],
                    "province_adcode": city["province_adcode"],
                    "city": city["city"],
                    "city_adcode": city["city_adcode"],
                    "district": district,
                    "district_adcode": district_adcode,
                    # Near the seat of the district the name and adcode give (city centre without one).
                    "lat": round(seat[0] + rng.uniform(-0.03, 0.03) * SEAT_SPREAD, 6),
                    "lon": round(seat[1] + rng.uniform(-0.03, 0.03) * SEAT_SPREAD, 6),
                    "phones": phones,
                    "hours": hours,
                    "timezone": zone,
                    "uscc": _uscc(rng, city["city_adcode"]),
                    "authorisation": "authorised",
                    "authorised_from": f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-01",
                    "authorised_until": "",
                    "specialities": offered,
                    "capacity_per_day": rng.choice([40, 60, 80, 120, 160]),
                    "notes": "",
                }
            )
    return rows


def seed_outlets(*, seed: int = 2026) -> int:
    """Load the demo network; give each outlet satisfaction scores and people waiting. Returns the count."""
    rng = random.Random(seed)
    rows = outlet_rows(seed)
    report = outlets_import(actor=SYSTEM, rows=list(enumerate(rows, start=2)), source="demo")
    if report.problems:
        raise ValueError(f"demo outlet list refused: {report.problems[:3]}")
    for outlet in Outlet.objects.filter(code__in=[r["code"] for r in rows]).order_by("code"):
        mean = rng.uniform(3.6, 4.9)
        count = rng.choice([0, 2, 5, 12, 40, 90, 180, 320])
        scores = {
            f"demo:{outlet.code}:{n}": max(1, min(5, round(rng.gauss(mean, 0.8)))) for n in range(count)
        }
        if scores:
            outlet_record_ratings(actor=SYSTEM, outlet=outlet, scores=scores)
        for lane, most in (("urgent", 2), ("normal", 9)):
            for _ in range(rng.randint(0, most)):
                outlet_queue_join(actor=ANONYMOUS, outlet=outlet, lane=lane)
    return len(rows)
