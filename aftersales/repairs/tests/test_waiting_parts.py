"""Waiting for parts: transfers asked for the short parts, the complaint's clocks paused and shifted on resume,
and emergency mode serving a region from its depot.

- olga: technician of outlet sz-futian-01, where the complaint was dispatched (repairs factories)
- tom: central technical staff, who ships from the Guangdong depot
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.services import api_token_create
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.parts.models import Location, Stock, Transfer
from aftersales.parts.services import emergency_declare
from aftersales.parts.tests.factories import make_depot, stock_depot
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.tests.factories import make_bench, quoted_order

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning; the stage clocks of the default pack run around the clock.
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def bench(db):  # type: ignore[no-untyped-def]
    bench = make_bench(stock=0)  # the outlet has none of the parts
    depot = make_depot()
    for part in (bench.catalogue.screen, bench.catalogue.battery):
        stock_depot(depot, part, 3)
    return bench


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, user):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(user))


def at(hours: float):  # type: ignore[no-untyped-def]
    return clock.travel_to(T0 + timedelta(hours=hours))


def test_waiting_for_parts_pauses_the_complaint_and_resuming_shifts_its_deadlines(client, bench, tom):  # type: ignore[no-untyped-def]
    with at(0):
        order = quoted_order(bench)
    complaint = Complaint.objects.get(pk=order.complaint_id)
    resolve_due, process_due = complaint.resolve_due_at, complaint.process_due_at
    with at(2):
        answer = post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "waiting_parts"
    step = body["events"][-1]
    assert step["step"] == "waiting_for_parts"
    assert {t["part"] for t in step["payload"]["transfers"]} == {
        bench.catalogue.screen.number,
        bench.catalogue.battery.number,
    }
    # Expected after the depot's 24 hours, on the order and on the timeline.
    expected = T0 + timedelta(hours=26)
    assert datetime.fromisoformat(body["parts_expected_at"]) == expected
    assert datetime.fromisoformat(step["payload"]["expected_arrival"]) == expected
    complaint.refresh_from_db()
    assert complaint.state == "waiting_parts" and complaint.paused_at == T0 + timedelta(hours=2)
    assert complaint.earliest_due_at is None  # off the queues' clocks while paused
    status = complaint.events.filter(kind="status").last()
    assert status.payload["action"] == "wait_for_parts" and "2026-03-11 11:00" in status.payload["reason"]

    # The depot ships; the outlet receives the first parcel 20 hours later, the second 30 hours later.
    transfers = list(Transfer.objects.order_by("part__number"))
    for transfer in transfers:
        with at(3):
            assert (
                post(client, f"/api/v1/parts/transfers/{transfer.number}/shipment", {}, tom).status_code
                == 200
            )
    with at(22):
        post(client, f"/api/v1/parts/transfers/{transfers[0].number}/receipt", {}, bench.olga)
    order.refresh_from_db()
    assert order.state == "waiting_parts"  # still one parcel on its way
    with at(32):
        post(client, f"/api/v1/parts/transfers/{transfers[1].number}/receipt", {}, bench.olga)
    order.refresh_from_db()
    complaint.refresh_from_db()
    assert order.state == "quoted" and order.parts_expected_at is None
    assert complaint.state == "processing" and complaint.paused_at is None
    # Paused from hour 2 to hour 32: every running deadline moves 30 hours later.
    assert complaint.resolve_due_at == resolve_due + timedelta(hours=30)
    assert complaint.process_due_at == process_due + timedelta(hours=30)
    steps = [e.payload.get("step") for e in complaint.events.filter(kind="repair").order_by("seq")]
    assert steps[-2:] == ["waiting_for_parts", "parts_arrived"]
    # The parts are now free at the outlet: the customer's approval reserves them.
    with at(33):
        approved = post(
            client, f"/api/v1/repairs/{order.number}/approval", {"quote": order.quote_digest}, bench.olga
        )
    assert approved.status_code == 200 and approved.json()["served_from"] == "outlet:sz-futian-01"


def test_a_deadline_already_passed_when_the_clock_paused_stays_where_it_was(client, bench):  # type: ignore[no-untyped-def]
    with at(0):
        order = quoted_order(bench)
    complaint = Complaint.objects.get(pk=order.complaint_id)
    accept_due = complaint.accept_due_at
    with at(30):  # past the 24-hour acceptance deadline
        post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    with at(40):
        for transfer in Transfer.objects.all():
            transfer.state = "shipped"
            transfer.save(update_fields=["state"])
        post(client, f"/api/v1/repairs/{order.number}/parts-arrived", {}, bench.olga)
    complaint.refresh_from_db()
    assert complaint.accept_due_at == accept_due


def test_parts_arrived_is_409_while_a_transfer_is_on_its_way(client, bench, tom):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    answer = post(client, f"/api/v1/repairs/{order.number}/parts-arrived", {}, bench.olga)
    assert answer.status_code == 409
    assert set(answer.json()["field_codes"].values()) == {"transfer_not_received"}
    order.refresh_from_db()
    assert order.state == "waiting_parts"


def test_nothing_to_wait_for_is_409_and_waiting_is_only_from_quoted(client, bench):  # type: ignore[no-untyped-def]
    for part in (bench.catalogue.screen, bench.catalogue.battery):
        Stock.objects.create(
            location_kind=Location.OUTLET, location_code=bench.outlet.code, part=part, on_hand=1
        )
    order = quoted_order(bench)
    answer = post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    assert answer.status_code == 409 and answer.json()["field_codes"] == {"items": "parts_in_stock"}
    assert not Transfer.objects.exists()
    approved = post(
        client, f"/api/v1/repairs/{order.number}/approval", {"quote": order.quote_digest}, bench.olga
    )
    assert approved.status_code == 200
    again = post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    assert again.status_code == 409 and "approved" in again.json()["message"]


def test_a_depot_short_of_a_part_refuses_the_wait_and_asks_for_nothing(client, bench):  # type: ignore[no-untyped-def]
    Stock.objects.filter(location_kind=Location.DEPOT, part=bench.catalogue.battery).update(on_hand=0)
    order = quoted_order(bench)
    answer = post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    assert answer.status_code == 409 and answer.json()["field_codes"] == {"items.1.part": "part_out_of_stock"}
    assert not Transfer.objects.exists()
    assert Stock.objects.get(location_kind=Location.DEPOT, part=bench.catalogue.screen).reserved == 0
    assert RepairOrder.objects.get(pk=order.pk).state == "quoted"


def test_cancelling_a_waiting_order_lets_the_complaint_clocks_run_again(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    answer = post(
        client, f"/api/v1/repairs/{order.number}/cancellation", {"reason": "客户改为换机"}, bench.olga
    )
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    complaint = Complaint.objects.get(pk=order.complaint_id)
    assert complaint.state == "processing" and complaint.paused_at is None


def test_a_customer_message_does_not_end_the_wait_for_parts(bench):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor
    from aftersales.complaints.services import complaint_add_customer_message
    from aftersales.repairs.waiting import repair_order_wait_for_parts

    order = quoted_order(bench)
    repair_order_wait_for_parts(actor=bench.actor, order=order)
    complaint = Complaint.objects.get(pk=order.complaint_id)
    complaint_add_customer_message(
        actor=customer_actor(complaint.customer_id),
        complaint=complaint,
        body="请问零件什么时候到?",
        channel="app",
    )
    complaint.refresh_from_db()
    assert complaint.state == "waiting_parts"


def test_in_an_emergency_the_region_is_served_from_its_depot_and_the_timeline_says_so(client, bench, adam):  # type: ignore[no-untyped-def]
    now = clock.now()
    declared = post(
        client,
        "/api/v1/parts/emergencies",
        {
            "region": "44",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=2)).isoformat(),
            "reason_zh": "台风“海葵”:区域仓直供",
            "reason_en": "Typhoon Haikui: parts straight from the regional depot",
        },
        adam,
    )
    assert declared.status_code == 201, declared.content
    order = quoted_order(bench)  # the outlet has no parts; the depot has
    answer = post(
        client, f"/api/v1/repairs/{order.number}/approval", {"quote": order.quote_digest}, bench.olga
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["served_from"] == "depot:gd-depot"
    said = [e for e in body["events"] if e["step"] == "emergency_mode"]
    assert said and said[-1]["payload"]["reason"]["en"].startswith("Typhoon Haikui")
    assert said[-1]["payload"]["depot"] == "gd-depot"
    depot_screen = Stock.objects.get(location_kind=Location.DEPOT, part=bench.catalogue.screen)
    assert depot_screen.reserved == 1


def test_outside_the_emergency_period_the_outlet_serves_its_own_repairs(client, bench):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import SYSTEM

    now = clock.now()
    emergency_declare(
        actor=SYSTEM,
        region_adcode="44",
        starts_at=now - timedelta(days=5),
        ends_at=now - timedelta(days=1),
        reason_zh="暴雨",
        reason_en="Rainstorm",
    )
    order = quoted_order(bench)
    answer = post(
        client, f"/api/v1/repairs/{order.number}/approval", {"quote": order.quote_digest}, bench.olga
    )
    assert answer.status_code == 409, answer.content
    assert set(answer.json()["field_codes"].values()) == {"part_out_of_stock"}


def test_only_administrators_declare_an_emergency(client, bench, tom):  # type: ignore[no-untyped-def]
    body = {
        "region": "44",
        "starts_at": clock.now().isoformat(),
        "reason_zh": "地震",
        "reason_en": "Earthquake",
    }
    assert post(client, "/api/v1/parts/emergencies", body, tom).status_code == 403
    assert post(client, "/api/v1/parts/emergencies", body, bench.olga).status_code == 403


def test_the_customer_sees_the_wait_for_parts_and_when_they_are_expected(client, bench):  # type: ignore[no-untyped-def]
    from aftersales.complaints.services import tracking_token

    with at(0):
        order = quoted_order(bench)
    with at(1):
        post(client, f"/api/v1/repairs/{order.number}/wait-for-parts", {}, bench.olga)
    complaint = Complaint.objects.get(pk=order.complaint_id)
    seen = client.get(f"/api/v1/complaints/{complaint.number}?token={tracking_token(complaint)}").json()
    assert seen["state"] == "waiting_parts"
    [waiting] = [e for e in seen["timeline"] if e["step"] == "waiting_for_parts"]
    assert datetime.fromisoformat(waiting["expected_at"]) == T0 + timedelta(hours=25)
    assert "payload" not in waiting and waiting["actor"] == "staff"
    # Other repair steps (checks, diagnosis, quote) stay staff's business.
    assert {e["step"] for e in seen["timeline"] if e["kind"] == "repair"} == {"waiting_for_parts"}
