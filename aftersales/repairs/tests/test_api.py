"""The repair order over the staff API: outlet scoping, each step, bad input, and a query-count guard."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.services import api_token_create
from aftersales.complaints.models import TimelineEvent
from aftersales.parts.models import Stock
from aftersales.pricing.tests.factories import publish
from aftersales.repairs import services
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.tests.factories import (
    approved_order,
    dispatched_complaint,
    make_bench,
    open_order,
    other_outlet_technician,
    quoted_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(db):  # type: ignore[no-untyped-def]
    return make_bench()


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, user):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(user))


def url(order, step=""):  # type: ignore[no-untyped-def]
    return f"/api/v1/repairs/{order.number}" + (f"/{step}" if step else "")


def test_a_technician_opens_a_repair_order_for_a_complaint_dispatched_to_the_outlet(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    answer = post(
        client,
        "/api/v1/repairs",
        {"complaint": complaint.number, "outlet": bench.outlet.code, "model": "reno10"},
        bench.olga,
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "received" and body["engineer_employee_id"] == "SZ0042"
    assert body["allowed_actions"] == ["record_checks", "diagnose", "accept_agreement", "hand_back", "cancel"]
    assert [e["step"] for e in body["events"]] == ["received"]
    complaint.refresh_from_db()
    assert complaint.state == "processing"


def test_staff_of_another_outlet_can_neither_open_nor_see_nor_work_the_order(client, bench):  # type: ignore[no-untyped-def]
    otto = other_outlet_technician()
    complaint = dispatched_complaint(bench.outlet)
    opened = post(
        client,
        "/api/v1/repairs",
        {"complaint": complaint.number, "outlet": bench.outlet.code, "model": "reno10"},
        otto,
    )
    # Another outlet's complaint and order answer as numbers that do not exist.
    assert opened.status_code == 404
    order = open_order(bench, complaint)
    assert client.get(url(order), **bearer(otto)).status_code == 404
    assert client.get(url(order).replace(order.number, order.number + "0"), **bearer(otto)).json() == (
        client.get(url(order), **bearer(otto)).json()
    )
    checks = {"checks": [{"kind": "camera", "passed": False}]}
    assert post(client, url(order, "checks"), checks, otto).status_code == 404
    assert not order.checks.exists()


def test_the_checks_are_recorded_as_typed_results(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    checks = [
        {"kind": "touch", "passed": False, "count": 3},
        {"kind": "battery_health", "value": 76},
        {"kind": "charge_current", "passed": True, "value": 1850},
        {"kind": "moisture", "passed": True},
        {"kind": "visible_damage", "passed": False, "note": "右上角裂纹 🙁"},
    ]
    answer = post(client, url(order, "checks"), {"checks": checks}, bench.olga)
    assert answer.status_code == 200, answer.content
    recorded = {c["kind"]: c for c in answer.json()["checks"]}
    assert recorded["touch"]["count"] == 3 and recorded["battery_health"]["value"] == 76
    assert recorded["visible_damage"]["note"] == "右上角裂纹 🙁"


def test_a_battery_health_of_130_percent_is_refused_naming_the_field(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    checks = [{"kind": "camera", "passed": True}, {"kind": "battery_health", "value": 130}]
    answer = post(client, url(order, "checks"), {"checks": checks}, bench.olga)
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"checks.1.value": "Out of range: 0% to 100%."}
    assert not order.checks.exists()


def test_a_touch_test_without_its_count_is_refused(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    answer = post(client, url(order, "checks"), {"checks": [{"kind": "touch", "passed": False}]}, bench.olga)
    assert answer.status_code == 422 and "checks.0.count" in answer.json()["fields"]


def test_an_unknown_model_or_part_and_a_zero_quantity_are_refused_naming_the_field(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    opened = post(
        client,
        "/api/v1/repairs",
        {"complaint": complaint.number, "outlet": bench.outlet.code, "model": "nokia-3310"},
        bench.olga,
    )
    assert opened.status_code == 422 and opened.json()["field_codes"] == {"model": "model_unknown"}
    order = open_order(bench, complaint)
    unknown = post(
        client, url(order, "diagnosis"), {"diagnosis": "坏了", "items": [{"part": "XX-1"}]}, bench.olga
    )
    assert unknown.status_code == 422 and unknown.json()["field_codes"] == {"items.0.part": "part_unknown"}
    zero = {"diagnosis": "坏了", "items": [{"part": bench.catalogue.screen.number, "quantity": 0}]}
    answer = post(client, url(order, "diagnosis"), zero, bench.olga)
    assert answer.status_code == 422 and answer.json()["field_codes"] == {
        "items.0.quantity": "quantity_not_positive"
    }
    order.refresh_from_db()
    assert order.state == "received" and not order.items.exists()


def test_the_diagnosis_decides_warranty_per_item_and_explains_it(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench, touch_failures=2, battery_health=76)
    body = client.get(url(order), **bearer(bench.olga)).json()
    items = {i["component"]: i for i in body["items"]}
    assert items["battery"]["coverage"] == "covered"
    assert "battery health 76% < 80%: free battery" in [r["en"] for r in items["battery"]["reasons"]]
    assert items["screen"]["coverage"] == "not_covered"
    # The customer sees an itemised quote: the screen charged, the battery free.
    lines = {line["part"]: line for line in body["quote_lines"]}
    assert lines[bench.catalogue.screen.number]["charge"] == "999.00"
    assert lines[bench.catalogue.battery.number]["charge"] == "0.00"
    assert body["quote_total"] == "999.00" and body["warranty_rules_from"] == "2020-01-01"


def test_approving_a_quote_that_changed_is_refused(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench, touch_failures=0)
    shown = order.quote_digest
    publish(bench.catalogue.screen, "949.00", "100.00", effective_from=date(2026, 1, 1))
    services.repair_order_quote(actor=bench.actor, order=order)
    answer = post(client, url(order, "approval"), {"quote": shown}, bench.olga)
    assert answer.status_code == 409
    assert answer.json()["field_codes"] == {"quote": "quote_changed"}
    assert Stock.objects.filter(reserved__gt=0).count() == 0
    fresh = client.get(url(order), **bearer(bench.olga)).json()
    assert fresh["quote_total"] == "1049.00"
    assert post(client, url(order, "approval"), {"quote": fresh["quote"]}, bench.olga).status_code == 200


def test_approval_reserves_the_parts_and_a_shortage_is_a_409_naming_the_item(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    Stock.objects.filter(part=bench.catalogue.battery).update(on_hand=0)
    answer = post(client, url(order, "approval"), {"quote": order.quote_digest}, bench.olga)
    assert answer.status_code == 409
    assert answer.json()["field_codes"] == {"items.1.part": "part_out_of_stock"}
    assert Stock.objects.get(part=bench.catalogue.screen).reserved == 0
    order.refresh_from_db()
    assert order.state == "quoted"


def test_work_cannot_start_without_the_service_agreement(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    services.repair_order_approve(actor=bench.actor, order=order, quote=order.quote_digest)
    answer = post(client, url(order, "start"), {}, bench.olga)
    assert answer.status_code == 409
    assert answer.json()["field_codes"] == {"agreement": "agreement_missing"}
    assert "has not accepted the service agreement" in answer.json()["message"]


def test_an_agreement_version_that_is_not_current_is_refused(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    answer = post(client, url(order, "agreement"), {"version": "2019-01"}, bench.olga)
    assert answer.status_code == 409
    assert answer.json()["fields"] == {
        "version": "Service agreement version 2019-01 is not the one in force (2026-01)."
    }


def test_the_accepted_agreement_is_stored_with_its_hash_and_on_the_timeline(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    agreement = client.get("/api/v1/repairs/agreement").json()
    answer = post(client, url(order, "agreement"), {"version": agreement["version"]}, bench.olga)
    assert answer.status_code == 200
    assert answer.json()["agreement_sha256"] == agreement["sha256"] and len(agreement["sha256"]) == 64
    event = TimelineEvent.objects.filter(complaint=order.complaint, kind="repair").last()
    assert event is not None and event.actor == f"staff:{bench.olga.pk}"
    assert event.payload["step"] == "agreement_accepted" and event.payload["sha256"] == agreement["sha256"]


def test_consuming_a_part_that_was_never_reserved_is_refused(client, bench):  # type: ignore[no-untyped-def]
    order = approved_order(bench)
    services.repair_order_start(actor=bench.actor, order=order)
    answer = post(
        client, url(order, "completion"), {"parts_used": [bench.catalogue.camera.number]}, bench.olga
    )
    assert answer.status_code == 409 and answer.json()["field_codes"] == {"parts_used.0": "part_not_reserved"}
    order.refresh_from_db()
    assert order.state == "repairing"


def test_cancelling_releases_the_reserved_parts(client, bench):  # type: ignore[no-untyped-def]
    order = approved_order(bench)
    answer = post(client, url(order, "cancellation"), {"reason": "客户改为寄修"}, bench.olga)
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    assert {r["state"] for r in answer.json()["reservations"]} == {"released"}
    assert not Stock.objects.filter(reserved__gt=0).exists()


def test_an_illegal_step_answers_409_naming_the_state_and_the_allowed_steps(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    answer = post(client, url(order, "return"), {}, bench.olga)
    assert answer.status_code == 409
    assert answer.json()["message"] == (
        f"Cannot return the device: repair order {order.number} is received; "
        "allowed next steps: record checks, diagnose, accept the service agreement, replace the device, "
        "hand the device back unrepaired, cancel."
    )
    chinese = client.post(
        url(order, "return") + "?lang=zh-hans", "{}", content_type="application/json", **bearer(bench.olga)
    )
    assert chinese.json()["message"] == (
        f"无法执行“交还设备”:维修单 {order.number} 当前状态为 已接机;允许的下一步:记录检测、诊断、签署服务协议、换机、未修交还、取消。"
    )


def detail_queries(client, order, user) -> int:  # type: ignore[no-untyped-def]
    headers = bearer(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(order), **headers).status_code == 200
    return len(captured)


@pytest.mark.parametrize("said", ["yes", "true", 1, "1", "pass"])
def test_a_check_result_is_json_true_or_false_not_a_word(client, bench, said):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    answer = post(client, url(order, "checks"), {"checks": [{"kind": "camera", "passed": said}]}, bench.olga)
    assert answer.status_code == 422 and not order.checks.exists()


def test_the_detail_takes_the_same_number_of_queries_whatever_the_checks_parts_and_events(client, bench):  # type: ignore[no-untyped-def]
    small = open_order(bench)
    large = approved_order(bench)
    services.repair_order_record_checks(
        actor=bench.actor,
        order=RepairOrder.objects.get(pk=small.pk),
        checks=[services.CheckResult(kind="camera", passed=True)],
    )
    assert large.checks.count() > small.checks.count()
    assert (
        large.items.count() == 2
        and TimelineEvent.objects.filter(kind="repair", complaint=large.complaint).count() > 3
    )
    assert detail_queries(client, small, bench.olga) == detail_queries(client, large, bench.olga)


def test_the_customer_sees_the_itemised_quote_through_the_tracking_link_and_nobody_else_does(client, bench):  # type: ignore[no-untyped-def]
    from aftersales.complaints.services import tracking_token

    order = quoted_order(bench, touch_failures=2, battery_health=76)
    mine = client.get(url(order, "quote"), HTTP_X_TRACKING_TOKEN=tracking_token(order.complaint))
    assert mine.status_code == 200
    body = mine.json()
    assert body["quote_total"] == "999.00" and body["quote"] == order.quote_digest
    assert [line["charge"] for line in body["quote_lines"]] == ["999.00", "0.00"]
    assert "engineer_employee_id" not in body and "checks" not in body
    other = dispatched_complaint(bench.outlet)
    assert client.get(url(order, "quote"), HTTP_X_TRACKING_TOKEN=tracking_token(other)).status_code == 404
    assert client.get(url(order, "quote")).status_code == 401


def test_a_repair_order_for_a_resolved_complaint_is_refused_naming_its_number_and_state(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    type(complaint).objects.filter(pk=complaint.pk).update(state="resolved", is_open=False)
    body = {"complaint": complaint.number, "outlet": bench.outlet.code, "model": "reno10"}
    english = post(client, "/api/v1/repairs", body, bench.olga)
    assert english.status_code == 409, english.content
    assert (
        english.json()["message"]
        == f"Complaint {complaint.number} is resolved: a repair order needs an open complaint."
    )
    chinese = client.post(
        "/api/v1/repairs?lang=zh-hans",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(bench.olga)["HTTP_AUTHORIZATION"],
    )
    assert chinese.json()["message"] == f"投诉 {complaint.number} 当前为已解决,只能为处理中的投诉开维修单。"
    assert "{" not in chinese.json()["fields"]["complaint"]
