"""The screen pop: GET /api/v1/customers/lookup?phone= for the agent whose phone rings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import ANONYMOUS
from aftersales.accounts.models import PersonalDataAccess
from aftersales.accounts.services import customer_session_open
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.intake.channels.hotline.client import tone_wav
from aftersales.intake.channels.hotline.tests.conftest import at, bearer
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission

pytestmark = pytest.mark.django_db
LOOKUP = "/api/v1/customers/lookup"


def _history(call_centre, count: int) -> None:  # type: ignore[no-untyped-def]
    """Grandma Li wrote from the web form and called `count` times, each call logging a complaint."""
    complaint_submit(
        actor=ANONYMOUS,
        submission=Submission(
            channel="web", text="网页留言：耳机左边没有声音", phone="13800138000", imei="490154203237518"
        ),
    )
    for index in range(count):
        answer = call_centre.push_call(
            call_id=f"c-{index}",
            started_at=at(f"2026-11-30 1{index}:00"),
            ended_at=at(f"2026-11-30 1{index}:04"),
            customer_number="+86 138 0013 8000",
            agent="E10001",
            complaint_text=f"第{index + 1}次来电：屏幕闪烁 🙁",
            transcript=f"通话记录 {index}",
            recording=tone_wav(seconds=0.1),
        )
        assert answer.status_code == 201, answer.json()


@pytest.mark.parametrize(
    "written", ["+86 138 0013 8000", "0086-138-0013-8000", "１３８ ００１３ ８０００", "13800138000"]
)
def test_an_agent_sees_the_callers_whole_history_across_channels(
    client, call_centre, wang, grandma_li, written
):  # type: ignore[no-untyped-def]
    _history(call_centre, 2)
    answer = client.get(LOOKUP, {"phone": written}, **bearer(wang))
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["customer"]["name"] == "李秀英" and body["customer"]["is_senior"] and not body["masked"]
    assert body["phone"] == "+8613800138000"
    channels = sorted(c["channel"] for c in body["complaints"])
    assert channels == ["hotline", "hotline", "web"]
    assert all(c["deadline_at"] for c in body["complaints"])
    assert {m["channel"] for m in body["messages"]} >= {"web"}
    assert len(body["calls"]) == 2 and all(c["has_recording"] for c in body["calls"])
    assert body["calls"][0]["transcript"] == "通话记录 1"
    assert [d["imei"] for d in body["devices"]] == ["490154203237518"]
    assert PersonalDataAccess.objects.filter(
        staff=wang, customer=grandma_li, purpose="customer_lookup"
    ).exists()


def test_an_unknown_number_gives_an_empty_history(client, wang):  # type: ignore[no-untyped-def]
    answer = client.get(LOOKUP, {"phone": "010-6552 9988"}, **bearer(wang))
    assert answer.status_code == 200
    assert answer.json() == {
        "phone": "+861065529988",
        "masked": False,
        "customer": None,
        "complaints": [],
        "messages": [],
        "calls": [],
        "devices": [],
    }


def test_calls_of_a_number_not_yet_a_customer_are_listed(client, call_centre, wang):  # type: ignore[no-untyped-def]
    call_centre.push_call(
        call_id="c-x",
        started_at=at("2026-11-30 23:30"),
        ended_at=at("2026-11-30 23:31"),
        customer_number="13766667777",
    )
    body = client.get(LOOKUP, {"phone": "137 6666 7777"}, **bearer(wang)).json()
    assert body["customer"] is None and len(body["calls"]) == 1


def test_nobody_and_customers_may_not_look_callers_up(client, call_centre, grandma_li, wang):  # type: ignore[no-untyped-def]
    _history(call_centre, 1)
    nobody = client.get(LOOKUP, {"phone": "13800138000"})
    assert nobody.status_code == 401 and nobody.json()["message"]
    token = customer_session_open(customer=grandma_li, at=clock.now())
    herself = client.get(LOOKUP, {"phone": "13800138000"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert herself.status_code == 403 and "查询来电客户" in herself.json()["message"]
    assert "李秀英" not in herself.content.decode() and "李秀英" not in nobody.content.decode()
    forged = client.get(LOOKUP, {"phone": "13800138000"}, HTTP_AUTHORIZATION="Bearer st_forged")
    assert forged.status_code == 401


def test_bad_phone_input_is_refused_naming_the_field(client, wang):  # type: ignore[no-untyped-def]
    for bad in ("不是电话", "12", ""):
        answer = client.get(LOOKUP, {"phone": bad}, **bearer(wang))
        assert answer.status_code == 422 and "phone" in answer.json()["fields"], bad
    nul = client.get(LOOKUP + "?phone=138%000013%008000", **bearer(wang))
    assert nul.status_code == 422 and "phone" in nul.json()["fields"]


def test_outlet_staff_see_the_caller_masked_and_only_their_teams_complaints(
    client, call_centre, wang, liu, grandma_li
):  # type: ignore[no-untyped-def]
    _history(call_centre, 2)
    theirs = Complaint.objects.filter(channel="hotline").order_by("pk").first()
    Complaint.objects.filter(pk=theirs.pk).update(team=liu.team)
    body = client.get(LOOKUP, {"phone": "13800138000"}, **bearer(liu)).json()
    assert body["masked"] and body["customer"]["name"] == "李**" and body["phone"] == "+86138****8000"
    assert [c["number"] for c in body["complaints"]] == [theirs.number]
    assert len(body["calls"]) == 1 and body["calls"][0]["transcript"] == ""
    assert "13800138000" not in str(body)


def test_the_lookup_costs_the_same_queries_however_long_the_history(client, call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    _history(call_centre, 1)
    headers = bearer(wang)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LOOKUP, {"phone": "13800138000"}, **headers).status_code == 200
    for index in range(5, 9):
        call_centre.push_call(
            call_id=f"c-more-{index}",
            started_at=at(f"2026-11-29 1{index}:00"),
            ended_at=at(f"2026-11-29 1{index}:03"),
            customer_number="13800138000",
            agent="E10001",
            complaint_text=f"又一次来电 {index}：相机打不开",
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get(LOOKUP, {"phone": "13800138000"}, **headers).json()
    assert len(body["calls"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
