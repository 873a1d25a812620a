"""Walk-in lightning service at the counter: the terminal's read-out, the route, express replacement
eligibility and its near misses, strict read-out validation, and the share solved on the spot.

- olga: technician of outlet sz-futian-01 at its counter terminal (repairs factories)
- otto: technician of gz-tianhe-01; may neither use olga's terminal nor see her outlet's figures
- tom: central technical staff; not at any counter
"""

import json
from datetime import timedelta

import pytest

from aftersales.accounts.services import api_token_create
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import new_imei
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.selectors import agreement_current
from aftersales.repairs.tests.factories import make_bench, other_outlet_technician

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(db):  # type: ignore[no-untyped-def]
    return make_bench(stock=2)


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, user):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(user))


def passed(*tests: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for test in tests:
        entry: dict[str, object] = {"test": test, "passed": True}
        if test == "touch":
            entry["count"] = 0
        if test == "charge_current":
            entry["value"] = 1800
        found.append(entry)
    return found


ALL_TESTS = ("touch", "charge_current", "camera", "audio", "signal", "moisture", "visible_damage")


def readout(*, battery: object = 92, failed: dict[str, dict[str, object]] | None = None, **extra: object):  # type: ignore[no-untyped-def]
    failed = failed or {}
    diagnostics = [
        {"test": t["test"], **failed[t["test"]]} if t["test"] in failed else t  # type: ignore[index]
        for t in passed(*ALL_TESTS)
    ]
    return {
        "imei": new_imei(),
        "model": "Reno10",
        "os_version": "ColorOS 14.0.1",
        "battery_health": battery,
        "diagnostics": diagnostics,
        **extra,
    }


def walk_in(client, bench, read, *, bought_days_ago: int | None = 200, user=None):  # type: ignore[no-untyped-def]
    body = {
        "outlet": bench.outlet.code,
        "name": "王女士",
        "phone": "13800138000",
        "readout": read,
    }
    if bought_days_ago is not None:
        body["purchase_date"] = (clock.localdate(clock.now()) - timedelta(days=bought_days_ago)).isoformat()
    return post(client, "/api/v1/repairs/walk-in", body, user or bench.olga)


def reasons(body):  # type: ignore[no-untyped-def]
    step = next(e for e in body["events"] if e["step"] == "lightning_route")
    return {r["rule"]: r for r in step["payload"]["reasons"]}


def test_a_worn_battery_is_replaced_on_the_spot_and_counts_as_solved_on_the_spot(client, bench):  # type: ignore[no-untyped-def]
    answer = walk_in(client, bench, readout(battery=76))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["walk_in"] and body["lightning_route"] == "on_spot"
    # Diagnosed and quoted at once: the battery, free under warranty (76% < 80%).
    assert body["state"] == "quoted" and [i["component"] for i in body["items"]] == ["battery"]
    assert body["quote_total"] == "0.00"
    assert body["readout"]["battery_health"] == 76 and "imei" not in body["readout"]
    complaint = Complaint.objects.get(number=body["complaint"])
    assert complaint.channel == "store" and complaint.team == bench.outlet.team
    number = body["number"]
    assert (
        post(client, f"/api/v1/repairs/{number}/approval", {"quote": body["quote"]}, bench.olga).status_code
        == 200
    )
    version = agreement_current(at=clock.now()).version  # type: ignore[union-attr]
    assert (
        post(client, f"/api/v1/repairs/{number}/agreement", {"version": version}, bench.olga).status_code
        == 200
    )
    for step in ("start", "completion", "return"):
        assert post(client, f"/api/v1/repairs/{number}/{step}", {}, bench.olga).status_code == 200, step
    complaint.refresh_from_db()
    assert complaint.state == "resolved"
    share = client.get("/api/v1/repairs/walk-in/share", **bearer(bench.olga)).json()
    assert share == [
        {
            "outlet": bench.outlet.code,
            "walk_ins": 1,
            "solved_on_spot": 1,
            "share": 1.0,
            "express_replacements": 0,
        }
    ]


def test_a_walk_in_handed_back_after_the_on_spot_window_is_not_counted_solved(client, bench):  # type: ignore[no-untyped-def]
    body = walk_in(client, bench, readout()).json()  # nothing failed: advice at the counter
    assert body["lightning_route"] == "on_spot" and body["state"] == "received"
    assert "no_fault_found" in reasons(body)
    with clock.travel_to(clock.now() + timedelta(minutes=61)):
        handed = post(
            client, f"/api/v1/repairs/{body['number']}/hand-back", {"reason": "系统更新后恢复"}, bench.olga
        )
    assert handed.status_code == 200 and handed.json()["state"] == "returned"
    walk_in(client, bench, readout())  # a second one, still open
    [share] = client.get("/api/v1/repairs/walk-in/share", **bearer(bench.olga)).json()
    assert (share["walk_ins"], share["solved_on_spot"], share["share"]) == (2, 0, 0.0)


TOUCH_FAILED = {"touch": {"passed": False, "count": 3}}


def test_a_performance_fault_on_day_15_gets_an_express_replacement_within_48_hours(client, bench):  # type: ignore[no-untyped-def]
    now = clock.now()
    with clock.travel_to(now):
        answer = walk_in(client, bench, readout(failed=TOUCH_FAILED), bought_days_ago=15)
    body = answer.json()
    assert body["lightning_route"] == "express_replacement", reasons(body)
    assert body["express_due_at"] is not None
    from datetime import datetime

    due = datetime.fromisoformat(body["express_due_at"])
    assert abs(due - (now + timedelta(hours=48))) < timedelta(milliseconds=1)
    why = reasons(body)
    assert why["express_window"]["en"].endswith("within the 15-day replacement window")
    assert why["performance_fault"]["facts"] == {"failed_checks": ["touch"]}
    assert "replace_device" in body["allowed_actions"]
    number = body["number"]
    same = post(client, f"/api/v1/repairs/{number}/replacement", {"imei": body_imei(number)}, bench.olga)
    assert same.status_code == 422 and same.json()["field_codes"] == {"imei": "imei_invalid"}
    replaced = post(client, f"/api/v1/repairs/{number}/replacement", {"imei": new_imei()}, bench.olga)
    assert replaced.status_code == 200 and replaced.json()["state"] == "completed"
    assert replaced.json()["events"][-1]["payload"]["on_time"] is True
    returned = post(client, f"/api/v1/repairs/{number}/return", {}, bench.olga)
    assert returned.status_code == 200
    [share] = client.get("/api/v1/repairs/walk-in/share", **bearer(bench.olga)).json()
    assert (share["solved_on_spot"], share["express_replacements"]) == (0, 1)


def body_imei(number: str) -> str:
    order = RepairOrder.objects.select_related("device").get(number=number)
    assert order.device is not None
    return order.device.imei


@pytest.mark.parametrize(
    ("days", "failed", "extra", "route", "blocking_rule"),
    [
        (16, TOUCH_FAILED, {}, "regular", "express_window"),  # day 16: one day too late
        (15, {}, {"battery": 70}, "on_spot", "performance_fault"),  # a worn battery is no performance fault
        (3, {"camera": {"passed": False}, "moisture": {"passed": False}}, {}, "regular", "liquid_damage"),
        (
            3,
            {"camera": {"passed": False}, "visible_damage": {"passed": False}},
            {},
            "regular",
            "visible_damage",
        ),
        (None, TOUCH_FAILED, {}, "regular", "express_window"),  # no purchase date
    ],
)
def test_express_replacement_near_misses(client, bench, days, failed, extra, route, blocking_rule):  # type: ignore[no-untyped-def]
    answer = walk_in(client, bench, readout(failed=failed, **extra), bought_days_ago=days)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["lightning_route"] == route, reasons(body)
    assert body["express_due_at"] is None
    assert reasons(body)[blocking_rule]["effect"] in ("none", "excludes")
    refused = post(client, f"/api/v1/repairs/{body['number']}/replacement", {"imei": new_imei()}, bench.olga)
    assert refused.status_code == 409


def test_the_day_15_window_moves_with_the_pack(client, bench, pack_with):  # type: ignore[no-untyped-def]
    import json as jsonlib
    from pathlib import Path

    from django.conf import settings

    raw = jsonlib.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    raw["lightning"].append(
        {**raw["lightning"][0], "effective_from": "2025-01-01", "express_within_days_of_purchase": 7}
    )
    pack_with(raw)
    body = walk_in(client, bench, readout(failed=TOUCH_FAILED), bought_days_ago=10).json()
    assert body["lightning_route"] == "regular"
    assert reasons(body)["express_window"]["facts"]["window_days"] == 7


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"battery_health": 130}, "readout.battery_health", "value_too_large"),
        ({"battery_health": -1}, "readout.battery_health", "value_too_small"),
        ({"battery_health": "76"}, "readout.battery_health", "integer_invalid"),
        ({"battery_health": True}, "readout.battery_health", "integer_invalid"),
        ({"battery_health": 76.5}, "readout.battery_health", "integer_invalid"),
        ({"battery_health": None}, "readout.battery_health", "required"),
        ({"imei": "352099000007770"}, "readout.imei", "imei_invalid"),  # wrong check digit
        ({"imei": "35209900000777"}, "readout.imei", "imei_invalid"),  # 14 digits
        ({"imei": 352099000007779}, "readout.imei", "imei_invalid"),  # a number, not a string
        ({"imei": ""}, "readout.imei", "required"),
        ({"model": "Nokia 3310"}, "readout.model", "model_unknown"),
        ({"model": "Reno10\x00"}, "readout.model", "text_nul"),
        ({"os_version": "x" * 41}, "readout.os_version", "text_too_long"),
        ({"os_version": "ColorOS\n14"}, "readout.os_version", "text_broken_character"),
        ({"os_version": ""}, "readout.os_version", "required"),
        ({"diagnostics": "all good"}, "readout.diagnostics", "type_invalid"),
        (
            {"diagnostics": [{"test": "xray", "passed": True}]},
            "readout.diagnostics.0.test",
            "check_kind_unknown",
        ),
        (
            {"diagnostics": [{"test": "camera", "passed": True}, {"test": "camera", "passed": False}]},
            "readout.diagnostics.1.test",
            "check_given_twice",
        ),
        (
            {"diagnostics": [{"test": "camera", "passed": "yes"}]},
            "readout.diagnostics.0.passed",
            "type_invalid",
        ),
        ({"diagnostics": [{"test": "touch", "passed": False}]}, "readout.diagnostics.0.count", "required"),
        (
            {"diagnostics": [{"test": "charge_current", "passed": True, "value": 20000}]},
            "readout.diagnostics.0.value",
            "value_too_large",
        ),
        ({"serial": "ABC"}, "readout.serial", "field_unknown"),
    ],
)
def test_a_bad_read_out_is_422_naming_the_field_and_writes_nothing(client, bench, change, field, code):  # type: ignore[no-untyped-def]
    read = {**readout(), **change}
    answer = walk_in(client, bench, read)
    assert answer.status_code == 422, answer.content
    assert answer.json()["field_codes"].get(field) == code, answer.json()
    assert not Complaint.objects.exists() and not RepairOrder.objects.exists()


def test_full_width_imei_digits_are_read(client, bench):  # type: ignore[no-untyped-def]
    imei = new_imei()
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in imei)
    answer = walk_in(client, bench, {**readout(), "imei": f"IMEI：{full_width}"})
    assert answer.status_code == 201, answer.content
    assert body_imei(answer.json()["number"]) == imei


def test_only_the_outlets_own_staff_use_its_counter_terminal(client, bench, tom):  # type: ignore[no-untyped-def]
    otto = other_outlet_technician()
    assert walk_in(client, bench, readout(), user=otto).status_code == 403
    assert walk_in(client, bench, readout(), user=tom).status_code == 403
    # Refused for who they are, whatever they sent.
    assert walk_in(client, bench, {**readout(), "battery_health": 130}, user=otto).status_code == 403
    anonymous = client.post(
        "/api/v1/repairs/walk-in",
        json.dumps({"outlet": bench.outlet.code, "readout": {**readout(), "battery_health": 130}}),
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    assert client.post("/api/v1/repairs/walk-in", "{}", content_type="application/json").status_code in (
        401,
        422,
    )
    assert not Complaint.objects.exists()
    assert (
        client.get(f"/api/v1/repairs/walk-in/share?outlet={bench.outlet.code}", **bearer(otto)).status_code
        == 403
    )
    everyone = client.get("/api/v1/repairs/walk-in/share", **bearer(tom))
    assert everyone.status_code == 200 and everyone.json() == []


def test_a_device_whose_open_complaint_another_team_handles_is_409(client, bench):  # type: ignore[no-untyped-def]
    from aftersales.complaints.tests.factories import submit_complaint

    read = readout()
    submit_complaint(imei=read["imei"], phone="+8613800138000")  # open at the hotline team
    answer = walk_in(client, bench, read)
    assert answer.status_code == 409 and answer.json()["field_codes"] == {"readout.imei": "walk_in_elsewhere"}
    assert not RepairOrder.objects.exists()
