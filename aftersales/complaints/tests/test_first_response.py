"""The first human response is on one fast clock for every complaint; the level adds its team's own.

Personas (conftest.py): alice (hotline agent), tom (technical team), erin (HQ expert),
carol (customer).
"""

import json
from datetime import datetime, timedelta
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.actors import SYSTEM, customer_actor, staff_actor
from aftersales.accounts.tests.factories import CustomerFactory
from aftersales.common import clock
from aftersales.complaints import services, sla
from aftersales.complaints.status import State
from aftersales.complaints.tests.factories import new_imei, submit_complaint
from aftersales.notifications.models import Notification
from aftersales.policy.pack import PolicyError, current_pack, parse_pack
from aftersales.triage.services import TriageResult

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SAFETY = "冒烟起火,烧伤了手"
SAFETY_AND_LEGAL = "冒烟起火,烧伤了手,我要找律师起诉你们"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def staff_detail(client, user, number):  # type: ignore[no-untyped-def]
    from aftersales.accounts.services import api_token_create

    token = api_token_create(user=user)
    response = client.get(f"/api/v1/complaints/{number}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return response.json()


def deadlines(body: dict) -> dict[str, datetime]:
    return {d["name"]: datetime.fromisoformat(d["due_at"]) for d in body["deadlines"]}


@pytest.mark.parametrize("text, level", [(SAFETY, "L2"), (SAFETY_AND_LEGAL, "L3")])
def test_a_safety_complaint_gets_its_first_response_as_fast_as_a_routine_one(client, alice, text, level):  # type: ignore[no-untyped-def]
    with clock.travel_to(at("2026-11-25 10:00")):
        answer = client.post(
            "/api/v1/complaints",
            json.dumps({"text": text, "phone": "13800138000", "imei": new_imei()}),
            content_type="application/json",
        )
        routine = submit_complaint(text="充电有点慢", phone="+8613900139000")
    assert answer.status_code == 201
    urgent = staff_detail(client, alice, answer.json()["number"])
    assert (urgent["priority"], urgent["level"]) == (1, level)
    routine_deadlines = deadlines(staff_detail(client, alice, routine.number))
    assert (routine.priority, routine.level) == (3, "L1")
    assert (
        deadlines(urgent)["response_due_at"] == routine_deadlines["response_due_at"] == at("2026-11-25 10:30")
    )
    # The level adds its team's own deadline: two hours for the technical team, a working day for HQ.
    expected_level = {"L2": at("2026-11-25 12:00"), "L3": at("2026-11-26 10:00")}[level]
    assert deadlines(urgent)["level_response_due_at"] == expected_level


# Opening moments across the calendars' edges: a weekday, the hotline's last half hour, the
# night, a weekend, the eve of the National Day week and inside it, and Spring Festival eve.
MOMENTS = [
    "2026-11-25 10:00",
    "2026-11-25 22:50",
    "2026-11-26 02:00",
    "2026-11-28 15:00",
    "2026-09-30 20:30",
    "2026-10-03 09:00",
    "2026-02-16 23:30",
]


def test_priority_one_is_never_answered_later_than_priority_three_at_any_level():  # type: ignore[no-untyped-def]
    pack = current_pack()
    for moment in MOMENTS:
        opened = {
            (priority, level): services.complaint_open(
                actor=SYSTEM,
                customer=CustomerFactory(),
                contact=None,
                device=None,
                channel="app",
                language="zh-hans",
                subject="屏幕坏了",
                body="屏幕坏了",
                triage=TriageResult(category="screen", confidence=0.9, priority=priority, level=level),
                at=at(moment),
            )
            for priority, level in product(pack.priorities, pack.levels)
        }
        for (faster, level_a), (slower, level_b) in product(opened, opened):
            if faster < slower:
                first, second = opened[faster, level_a], opened[slower, level_b]
                assert first.response_due_at <= second.response_due_at, (moment, level_a, level_b)
        for (_, level), complaint in opened.items():
            assert complaint.level_response_due_at == sla.level_response_deadline(at(moment), level, pack)
            assert complaint.response_due_at <= complaint.level_response_due_at


def test_an_agents_reply_meets_the_first_response_and_the_level_team_meets_its_own(alice, tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SAFETY, at=at("2026-11-25 10:00"))
    with clock.travel_to(at("2026-11-25 10:12")):
        services.complaint_reply(
            actor=staff_actor(alice),
            complaint=complaint,
            body="请立即停止使用设备并远离火源,技术团队将联系您",
        )
    complaint.refresh_from_db()
    assert complaint.responded_at == at("2026-11-25 10:12") and complaint.level_responded_at is None
    assert complaint.next_deadline_at == complaint.level_response_due_at == at("2026-11-25 12:00")
    with clock.travel_to(at("2026-11-25 11:00")):
        services.complaint_add_note(actor=staff_actor(tom), complaint=complaint, body="已联系客户安排检测")
    complaint.refresh_from_db()
    assert complaint.level_responded_at == at("2026-11-25 11:00")
    assert complaint.next_deadline_at == complaint.accept_due_at
    assert services.complaint_sweep_deadlines(now=at("2026-11-25 12:30")) == 0


def test_a_missed_first_response_tells_the_owner_but_only_the_levels_own_breach_escalates(
    alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(
        # Typed in from an e-mail: no conversation with the customer has happened yet.
        text=SAFETY,
        at=at("2026-11-25 10:00"),
        actor=staff_actor(alice),
        channel="email",
    )
    assert (complaint.level, complaint.owner) == ("L2", alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.complaint_sweep_deadlines(now=at("2026-11-25 10:31")) == 1
    complaint.refresh_from_db()
    assert complaint.breaches == ["response_due_at"] and complaint.level == "L2"
    assert Notification.objects.filter(complaint_id=complaint.pk, reason="response_due_at").exists()
    # Overdue, but still first in line: the queue sorts on the missed deadline.
    assert complaint.earliest_due_at == at("2026-11-25 10:30")
    services.complaint_sweep_deadlines(now=at("2026-11-25 12:01"))
    complaint.refresh_from_db()
    assert (complaint.state, complaint.level, complaint.team) == (State.ESCALATED, "L3", "hq-experts")
    assert complaint.level_response_due_at == at("2026-11-26 12:01")
    assert "level_response_due_at" not in complaint.breaches and "response_due_at" in complaint.breaches


def test_a_manual_escalation_restarts_only_the_level_deadline(alice, tom, erin):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(at=at("2026-11-25 10:00"))
    with clock.travel_to(at("2026-11-25 10:05")):
        services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="您好,已收到")
    complaint.refresh_from_db()
    assert complaint.level_responded_at == at("2026-11-25 10:05")  # alice is the L1 team
    with clock.travel_to(at("2026-11-25 10:20")):
        services.complaint_escalate(actor=staff_actor(alice), complaint=complaint, reason="需要技术支持")
    complaint.refresh_from_db()
    assert (complaint.level, complaint.team) == ("L2", "technical")
    assert complaint.responded_at == at("2026-11-25 10:05")
    assert complaint.level_responded_at is None
    assert complaint.level_response_due_at == at("2026-11-25 12:20")
    # An agent acting again does not take the technical team's place.
    with clock.travel_to(at("2026-11-25 10:30")):
        services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body="已转技术")
    complaint.refresh_from_db()
    assert complaint.level_responded_at is None
    # An HQ expert, of a higher level, may take it up.
    with clock.travel_to(at("2026-11-25 10:40")):
        services.complaint_add_note(actor=staff_actor(erin), complaint=complaint, body="专家已介入")
    complaint.refresh_from_db()
    assert complaint.level_responded_at == at("2026-11-25 10:40")


def test_waiting_on_the_customer_pauses_both_response_clocks(alice, carol):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SAFETY, phone=carol.phone, at=at("2026-11-25 10:00"))
    with clock.travel_to(at("2026-11-25 10:20")):
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="wait_for_customer", reason="请提供照片"
        )
    complaint.refresh_from_db()
    assert complaint.earliest_due_at is None  # paused: last in the queue
    with clock.travel_to(at("2026-11-25 14:20")):
        services.complaint_add_customer_message(
            actor=customer_actor(carol.pk), complaint=complaint, body="照片已发", channel="app"
        )
    complaint.refresh_from_db()
    # 10 minutes were left on the first response, 1 h 40 min on the technical team's 09:00-21:00 clock.
    assert complaint.response_due_at == at("2026-11-25 14:30")
    assert complaint.level_response_due_at == at("2026-11-25 16:00")
    assert complaint.earliest_due_at == complaint.response_due_at


def test_reopening_restarts_both_response_clocks(alice, carol):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SAFETY, phone=carol.phone, at=at("2026-11-20 10:00"))
    with clock.travel_to(at("2026-11-21 10:00")):
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="resolve", reason="ok"
        )
    with clock.travel_to(at("2026-11-22 10:00")):
        result = services.complaint_transition(
            actor=customer_actor(carol.pk), complaint=complaint, action="reopen", reason="又冒烟了"
        )
    assert result.responded_at is None and result.level_responded_at is None
    assert result.response_due_at == at("2026-11-22 10:30")
    assert result.level_response_due_at == at("2026-11-22 12:00")
    assert result.earliest_due_at == at("2026-11-22 10:30")


def test_the_level_deadline_has_its_own_label():  # type: ignore[no-untyped-def]
    labels = sla.LABELS[sla.LEVEL_RESPONSE]
    assert labels["en"] != sla.LABELS[sla.RESPONSE]["en"] and labels["zh-hans"]


def test_a_pack_whose_first_response_names_an_unknown_team_is_refused(settings):  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    raw["first_response"]["team"] = "night-shift"
    with pytest.raises(PolicyError, match="first_response"):
        parse_pack(raw)
    raw["first_response"]["team"] = "agents"
    raw["first_response"]["respond_within_minutes"] = 45  # slower than L1's 30 minutes
    with pytest.raises(PolicyError, match="first_response must be no slower"):
        parse_pack(raw)
    del raw["first_response"]
    with pytest.raises(PolicyError, match="first_response"):
        parse_pack(raw)
    assert timedelta(minutes=30) == current_pack().first_response.respond_within


def test_a_call_logged_by_an_agent_is_its_own_first_response_but_an_e_mail_typed_in_is_not(alice):  # type: ignore[no-untyped-def]
    call = submit_complaint(channel="hotline", actor=staff_actor(alice), phone="+8613900139001")
    typed = submit_complaint(channel="email", actor=staff_actor(alice), phone="+8613900139002")
    web = submit_complaint(channel="hotline", phone="+8613900139003")
    assert call.responded_at == call.created_at and call.owner == alice
    assert typed.responded_at is None and web.responded_at is None
    assert "response_due_at" not in sla.watched_deadlines(sla.deadline_facts(call))
