"""The store terminal's read-out as staff see it, the counter's note, and the read-out's limits.

- olga: technician of outlet sz-futian-01 at its counter terminal (repairs factories)
- the walk-in customer 王女士, who later holds the tracking link; she never sees the read-out
"""

import pytest

from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.services import tracking_token
from aftersales.repairs.lightning import READOUT_MAX_BYTES
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.tests.test_lightning import bearer, readout, walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(db):  # type: ignore[no-untyped-def]
    from aftersales.repairs.tests.factories import make_bench

    return make_bench(stock=2)


def note_walk_in(client, bench, read, note: str):  # type: ignore[no-untyped-def]
    import json

    body = {
        "outlet": bench.outlet.code,
        "name": "王女士",
        "phone": "13800138000",
        "note": note,
        "readout": read,
    }
    return client.post(
        "/api/v1/repairs/walk-in", json.dumps(body), content_type="application/json", **bearer(bench.olga)
    )


def test_staff_see_the_read_out_and_the_counters_note_on_the_complaint(client, bench):  # type: ignore[no-untyped-def]
    answer = note_walk_in(client, bench, readout(battery=76), "客人说手机摔过一次,边框有磕碰 📱")
    assert answer.status_code == 201, answer.content
    complaint = Complaint.objects.get(number=answer.json()["complaint"])
    assert complaint.channel == "store"
    note = Message.objects.get(pk=RepairOrder.objects.get().readout["counter_note"])
    assert note.direction == Message.Direction.NOTE and note.complaint_id == complaint.pk
    assert note.body.startswith("客人说手机摔过一次")
    assert TimelineEvent.objects.filter(
        complaint=complaint, kind=TimelineEvent.Kind.NOTE, message=note
    ).exists()

    detail = client.get(f"/api/v1/complaints/{complaint.number}", **bearer(bench.olga)).json()
    shown = detail["walk_in"]
    assert shown["route"] == "on_spot"  # marked for on-the-spot resolution
    assert (shown["os_version"], shown["battery_health"]) == ("ColorOS 14.0.1", 76) and shown["model"]
    assert shown["counter_note"] == note.body
    assert shown["order"] == answer.json()["number"] and shown["outlet"] == bench.outlet.code
    assert {d["test"] for d in shown["diagnostics"]} >= {"touch", "camera", "battery_health"}

    token = tracking_token(complaint)
    customer = client.get(f"/api/v1/complaints/{complaint.number}", HTTP_X_TRACKING_TOKEN=token).json()
    assert "walk_in" not in customer
    assert "摔过一次" not in str(customer)


def test_the_desk_complaint_page_shows_the_read_out(client, bench):  # type: ignore[no-untyped-def]
    answer = note_walk_in(
        client, bench, readout(battery=76, failed={"camera": {"passed": False}}), "后摄无法对焦"
    )
    number = answer.json()["complaint"]
    client.force_login(bench.olga)
    page = client.get(f"/desk/complaints/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="walk-in-readout"' in page
    assert "门店终端检测数据" in page and "常规维修" in page and "76%" in page
    assert "摄像头: 未通过" in page and "后摄无法对焦" in page
    english = client.get(f"/desk/complaints/{number}/?lang=en").content.decode()
    assert "Store terminal read-out" in english and "regular repair" in english


def test_a_complaint_from_elsewhere_has_no_read_out(client, bench, alice):  # type: ignore[no-untyped-def]
    from aftersales.complaints.tests.factories import submit_complaint

    complaint = submit_complaint()
    assert client.get(f"/api/v1/complaints/{complaint.number}", **bearer(alice)).json()["walk_in"] is None
    client.force_login(alice)
    assert 'id="walk-in-readout"' not in client.get(f"/desk/complaints/{complaint.number}/").content.decode()


def test_an_oversized_read_out_is_refused_naming_it_and_writes_nothing(client, bench):  # type: ignore[no-untyped-def]
    huge = readout(
        os_version="ColorOS 14",
        diagnostics=[{"test": "camera", "passed": True, "junk": "屏" * READOUT_MAX_BYTES}],
    )
    answer = walk_in(client, bench, huge)
    assert answer.status_code == 422
    assert answer.json()["field_codes"] == {"readout": "readout_too_large"}
    assert f"at most {READOUT_MAX_BYTES} bytes" in answer.json()["fields"]["readout"]
    assert not Complaint.objects.exists() and not RepairOrder.objects.exists()


@pytest.mark.parametrize(
    ("note", "field"),
    [("客人说\u0000屏幕", "note"), ("x" * 2001, "note")],
)
def test_a_bad_note_is_refused_naming_it(client, bench, note, field):  # type: ignore[no-untyped-def]
    answer = note_walk_in(client, bench, readout(), note)
    assert answer.status_code == 422
    assert field in answer.json()["fields"]
    assert not Complaint.objects.exists()


def test_nul_bytes_and_a_battery_over_100_in_the_read_out_are_refused_in_both_languages(client, bench):  # type: ignore[no-untyped-def]
    answer = walk_in(client, bench, readout(battery=101))
    assert answer.json()["field_codes"] == {"readout.battery_health": "value_too_large"}
    nul = walk_in(client, bench, readout(os_version="ColorOS\u000014"))
    assert nul.status_code == 422 and any("readout" in name for name in nul.json()["fields"])
    chinese = note_walk_in(client, bench, readout(battery=-1), "")
    assert chinese.status_code == 422
