"""Outlets as an outlet list gives them, loaded through the real import service.

`outlet_row` is one valid row; override any column. `make_outlets` imports rows and
returns the outlets by code, so every test outlet has phones, queues, events and a new
network version, as imported ones do.
"""

import random
from typing import Any

from stdnum.cn import uscc

from aftersales.accounts.actors import SYSTEM
from aftersales.network.models import Outlet
from aftersales.network.services import outlets_import

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seed: int, region: str = "440300") -> str:
    """A unified social credit code with a correct check character (legal person, enterprise)."""
    rng = random.Random(seed)
    body = "91" + region + "".join(rng.choice(_ORG_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def outlet_row(code: str = "sz-futian-01", **overrides: Any) -> dict[str, Any]:
    """One valid row: an authorised service centre in Shenzhen, Futian, open 09:00-21:00 every day."""
    row: dict[str, Any] = {
        "code": code,
        "name": f"演示手机授权服务中心({code})",
        "brand": "demo-phone",
        "kind": "service_centre",
        "address": "深圳市福田区深南中路 1000 号 2 层",
        "province": "广东省",
        "province_adcode": "440000",
        "city": "深圳市",
        "city_adcode": "440300",
        "district": "福田区",
        "district_adcode": "440304",
        "lat": "22.5431",
        "lon": "114.0579",
        "phones": "0755-8888 6666; 400-773-6666",
        "hours": "Mo-Su 09:00-21:00",
        "timezone": "",
        "uscc": make_uscc(sum(map(ord, code))),
        "authorisation": "authorised",
        "authorised_from": "2024-01-01",
        "authorised_until": "",
        "specialities": "screen_no_disassembly; battery_green_channel",
        "capacity_per_day": "60",
        "notes": "",
    }
    row.update(overrides)
    return row


def make_outlets(*rows: dict[str, Any]) -> dict[str, Outlet]:
    report = outlets_import(actor=SYSTEM, rows=list(enumerate(rows, start=2)), source="test")
    assert not report.problems, report.problems
    return {o.code: o for o in Outlet.objects.filter(code__in=[r["code"] for r in rows])}


def make_outlet(code: str = "sz-futian-01", **overrides: Any) -> Outlet:
    return make_outlets(outlet_row(code, **overrides))[code]
