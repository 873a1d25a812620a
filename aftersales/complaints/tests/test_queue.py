"""The work queues: every open complaint is in its team's queue, most overdue first; outlet staff
see customers and devices only through their own outlet's complaints; owner and team agree.

Personas (conftest.py): alice (agent), tom (technical), erin (HQ expert), oscar (outlet
technician of outlet-sh-01); here also olga, outlet technician of another outlet.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.services import api_token_create, staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEGAL = "屏幕坏了,我要找律师起诉你们"  # L3, the top level: a breach cannot move it anywhere


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def queue(client, user, query=""):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/complaints{query}", **bearer(user))
    assert response.status_code == 200
    return [row["number"] for row in response.json()]


def phone(index: int) -> str:
    return f"+861370013{index:04d}"


@pytest.fixture
def olga(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="olga", role=Role.OUTLET_TECHNICIAN, team="outlet-gz-02")


@pytest.fixture
def hq_queue(erin):  # type: ignore[no-untyped-def]
    """Four HQ complaints: two long overdue (one more than the other), one fresh, one paused."""
    most_overdue = submit_complaint(text=LEGAL, phone=phone(1), at=at("2026-11-01 10:00"))
    overdue = submit_complaint(text=LEGAL, phone=phone(2), at=at("2026-11-03 10:00"))
    paused = submit_complaint(text=LEGAL, phone=phone(3), at=at("2026-11-04 10:00"))
    with clock.travel_to(at("2026-11-04 11:00")):
        services.complaint_transition(
            actor=staff_actor(erin), complaint=paused, action="wait_for_customer", reason="等待购买凭证"
        )
    services.complaint_sweep_deadlines(now=at("2026-11-20 10:00"))
    fresh = submit_complaint(text=LEGAL, phone=phone(4), at=at("2026-11-20 09:00"))
    return [most_overdue, overdue, fresh, paused]


def test_a_complaint_whose_deadlines_have_all_passed_stays_in_its_teams_queue_most_overdue_first(
    client, erin, hq_queue
):  # type: ignore[no-untyped-def]
    most_overdue = Complaint.objects.get(pk=hq_queue[0].pk)
    assert most_overdue.level == "L3" and most_overdue.next_deadline_at is None  # the sweeper is done with it
    expected = [c.number for c in hq_queue]
    assert queue(client, erin, "?team=hq-experts") == expected
    assert queue(client, erin) == expected  # every team's queue at once


def test_the_state_filter_still_narrows_the_queue(client, erin, hq_queue):  # type: ignore[no-untyped-def]
    most_overdue, overdue, fresh, paused = hq_queue
    assert queue(client, erin, "?team=hq-experts&state=accepted") == [
        most_overdue.number,
        overdue.number,
        fresh.number,
    ]
    assert queue(client, erin, "?state=waiting_customer") == [paused.number]


def test_the_first_response_team_also_sees_other_teams_complaints_awaiting_a_first_response(
    client, alice, tom
):  # type: ignore[no-untyped-def]
    routine = submit_complaint(phone=phone(1), at=at("2026-11-25 10:05"))
    smoking = submit_complaint(text="充电时冒烟起火,烧伤了手", phone=phone(2), at=at("2026-11-25 10:00"))
    smoking.refresh_from_db()
    assert smoking.team != "agents" and smoking.level == "L2"
    assert queue(client, alice, "?team=agents") == [smoking.number, routine.number]
    with clock.travel_to(at("2026-11-25 10:10")):
        services.complaint_reply(actor=staff_actor(alice), complaint=smoking, body="请立即停止使用并远离设备")
    assert queue(client, alice, "?team=agents") == [routine.number]
    assert smoking.number in queue(client, tom, f"?team={smoking.team}")


def test_the_queue_costs_the_same_queries_for_5_or_25_rows_overdue_and_paused_included(client, alice):  # type: ignore[no-untyped-def]
    headers = bearer(alice)

    def fill(start: int, end: int) -> None:
        for index in range(start, end):
            complaint = submit_complaint(phone=phone(index), at=at("2026-11-20 10:00"))
            Complaint.objects.filter(pk=complaint.pk).update(owner=alice)
            if index % 3 == 0:
                services.complaint_transition(
                    actor=staff_actor(alice), complaint=complaint, action="wait_for_customer", reason="凭证"
                )
        services.complaint_sweep_deadlines(now=at("2026-11-20 10:45"))

    fill(0, 5)
    for team in ("agents", "technical"):
        with CaptureQueriesContext(connection) as few:
            small = client.get(f"/api/v1/complaints?team={team}", **headers).json()
        fill(len(small) + 100, len(small) + 125)
        with CaptureQueriesContext(connection) as many:
            large = client.get(f"/api/v1/complaints?team={team}", **headers).json()
        assert len(large) == 25
        assert len(many.captured_queries) == len(few.captured_queries) <= 4


def test_the_workspace_lists_overdue_complaints_first_and_hides_none(client, erin, hq_queue):  # type: ignore[no-untyped-def]
    staff_enable_workspace(user=erin, password="expert-pass-2026")
    assert client.login(username="erin", password="expert-pass-2026")
    closed = submit_complaint(phone=phone(9), at=at("2026-11-20 09:30"))
    services.complaint_transition(actor=staff_actor(erin), complaint=closed, action="close", reason="撤回")
    response = client.get("/admin/complaints/complaint/")
    listed = [c.number for c in response.context["cl"].result_list]
    assert listed == [c.number for c in hq_queue] + [closed.number]


# --- outlet staff in the workspace -------------------------------------------------------------


@pytest.fixture
def outlet_world(oscar, olga):  # type: ignore[no-untyped-def]
    """One complaint dispatched to oscar's outlet, one to olga's, one still with the agents."""
    ours = submit_complaint(phone="+8613800138001", text="屏幕碎了")
    theirs = submit_complaint(phone="+8613800138002", text="电池不耐用")
    central = submit_complaint(phone="+8613800138003", text="相机模糊")
    Complaint.objects.filter(pk=ours.pk).update(team=oscar.team)
    Complaint.objects.filter(pk=theirs.pk).update(team=olga.team)
    return ours, theirs, central


def sign_in(client, user):  # type: ignore[no-untyped-def]
    staff_enable_workspace(user=user, password="workspace-pass-2026")
    assert client.login(username=user.username, password="workspace-pass-2026")


def listed(client, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_an_outlet_technician_sees_only_the_customers_of_his_outlets_complaints(client, oscar, outlet_world):  # type: ignore[no-untyped-def]
    ours, theirs, central = outlet_world
    sign_in(client, oscar)
    assert listed(client, "/admin/accounts/customer/") == {ours.customer}
    # Searching by another customer's phone finds nobody, with or without the country code.
    for query in ("13800138002", "+8613800138003", "1380013800"):
        found = listed(client, f"/admin/accounts/customer/?q={query}")
        assert found <= {ours.customer} and theirs.customer not in found
    page = client.get(f"/admin/accounts/customer/{theirs.customer.pk}/change/", follow=True)
    assert "+8613800138002" not in page.content.decode()


def test_an_outlet_technician_sees_only_the_devices_of_his_outlets_complaints(client, oscar, outlet_world):  # type: ignore[no-untyped-def]
    ours, theirs, central = outlet_world
    sign_in(client, oscar)
    assert listed(client, "/admin/devices/device/") == {ours.device}
    assert listed(client, f"/admin/devices/device/?q={theirs.device.imei}") == set()
    page = client.get(f"/admin/devices/device/{central.device.pk}/change/", follow=True)
    assert central.device.imei not in page.content.decode()


def test_central_staff_see_every_customer_and_device(client, alice, outlet_world):  # type: ignore[no-untyped-def]
    sign_in(client, alice)
    assert listed(client, "/admin/accounts/customer/") == {c.customer for c in outlet_world}
    assert listed(client, "/admin/devices/device/") == {c.device for c in outlet_world}


# --- ownership and team -----------------------------------------------------------------------


def transfer(client, actor, complaint, username):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/complaints/{complaint.number}/ownership",
        json.dumps({"username": username, "reason": "需要网点处理"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(actor),
    )


def test_a_complaint_cannot_be_handed_to_outlet_staff_who_cannot_see_it(client, alice, oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="您好")
    response = transfer(client, alice, complaint, "oscar")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "owner_outside_team"
    assert "outlet-sh-01" in body["message"] and "agents" in body["message"] and "oscar" in body["message"]
    complaint.refresh_from_db()
    assert complaint.owner == alice and complaint.team == "agents"
    assert not complaint.events.filter(kind="assignment", payload__owner_to=oscar.pk).exists()


def test_a_complaint_of_one_outlet_cannot_be_handed_to_another_outlets_technician(client, adam, oscar, olga):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(team=oscar.team)
    assert transfer(client, adam, complaint, "olga").status_code == 409
    answer = transfer(client, adam, complaint, "oscar")
    assert answer.status_code == 200 and answer.json()["owner"] == "oscar"
    # The new owner can open what he now owns.
    mine = client.get(f"/api/v1/complaints/{complaint.number}", **bearer(oscar))
    assert mine.status_code == 200
