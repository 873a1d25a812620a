"""A complaint repaired at an outlet, end to end over the API:
complaint -> dispatched to the outlet -> repair order -> checks -> warranty decision -> quote
-> agreement -> parts reserved -> work -> completion (parts consumed) -> returned -> complaint resolved.
"""

import json

import pytest

from aftersales.accounts.services import api_token_create
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.tests.factories import new_imei
from aftersales.parts.models import Stock
from aftersales.repairs.tests.factories import make_bench

pytestmark = pytest.mark.django_db


def test_a_touch_fault_is_repaired_at_the_outlet_and_the_complaint_resolved(client):  # type: ignore[no-untyped-def]
    bench = make_bench(stock=1)
    staff = {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=bench.olga)}",
        "HTTP_ACCEPT_LANGUAGE": "en",
    }

    def post(path: str, body: dict) -> dict:
        answer = client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **staff)
        assert answer.status_code in (200, 201), answer.content
        return answer.json()

    # 1. The customer complains; the complaint is dispatched to the outlet (its team takes it).
    filed = client.post(
        "/api/v1/complaints",
        json.dumps(
            {
                "text": "屏幕触控失灵,打字点不到,电池也不耐用",
                "phone": "13800138000",
                "imei": new_imei(),
                "device_model": "Reno10",
                "purchase_date": "2025-06-01",
                # The app shares where the customer is: a few hundred metres from the outlet.
                "lat": bench.outlet.lat + 0.003,
                "lon": bench.outlet.lon - 0.002,
            }
        ),
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    number = filed.json()["number"]
    assert Complaint.objects.get(number=number).team == bench.outlet.team

    # 2. The outlet receives the device and checks it.
    order = post("/repairs", {"complaint": number, "outlet": bench.outlet.code, "model": "reno10"})
    path = f"/repairs/{order['number']}"
    post(
        f"{path}/checks",
        {
            "checks": [
                {"kind": "touch", "passed": False, "count": 3},
                {"kind": "battery_health", "value": 76},
                {"kind": "moisture", "passed": True},
                {"kind": "camera", "passed": True},
            ]
        },
    )

    # 3. Diagnosis: screen and battery, both covered, and the reasons say why.
    diagnosed = post(
        f"{path}/diagnosis",
        {
            "diagnosis": "触控连续异常,电池健康度低",
            "items": [{"part": bench.catalogue.screen.number}, {"part": bench.catalogue.battery.number}],
        },
    )
    reasons = [r["en"] for item in diagnosed["items"] for r in item["reasons"]]
    assert "touch abnormal 3 times in a row: screen replacement covered" in reasons
    assert "battery health 76% < 80%: free battery" in reasons
    assert {item["coverage"] for item in diagnosed["items"]} == {"covered"}

    # 4. Quote (free), agreement, approval: the parts are reserved.
    quoted = post(f"{path}/quote", {})
    assert quoted["quote_total"] == "0.00" and len(quoted["quote_lines"]) == 2
    agreement = client.get("/api/v1/repairs/agreement").json()
    post(f"{path}/agreement", {"version": agreement["version"]})
    approved = post(f"{path}/approval", {"quote": quoted["quote"]})
    assert {(r["part"], r["state"]) for r in approved["reservations"]} == {
        (bench.catalogue.screen.number, "reserved"),
        (bench.catalogue.battery.number, "reserved"),
    }

    # 5. Work, completion (the parts leave the shelf), hand-back.
    post(f"{path}/start", {})
    completed = post(f"{path}/completion", {})
    assert {r["state"] for r in completed["reservations"]} == {"consumed"}
    assert list(
        Stock.objects.filter(part__in=[bench.catalogue.screen, bench.catalogue.battery]).values_list(
            "on_hand", "reserved"
        )
    ) == [(0, 0), (0, 0)]
    returned = post(f"{path}/return", {})
    assert returned["state"] == "returned"

    # 6. The complaint was inspected, is resolved, and its timeline shows every repair step.
    complaint = Complaint.objects.get(number=number)
    assert complaint.state == "resolved" and complaint.inspected_at is not None
    steps = [
        e.payload["step"]
        for e in TimelineEvent.objects.filter(complaint=complaint, kind="repair").order_by("seq")
    ]
    assert steps == [
        "received",
        "checks",
        "diagnosed",
        "quoted",
        "agreement_accepted",
        "approved",
        "started",
        "completed",
        "returned",
    ]
    kinds = list(
        TimelineEvent.objects.filter(complaint=complaint).order_by("seq").values_list("kind", flat=True)
    )
    assert "inspection" in kinds and kinds[-1] == "status"
    assert returned["events"][-1]["actor"] == f"staff:{bench.olga.pk}"
