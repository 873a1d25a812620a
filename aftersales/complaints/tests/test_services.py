from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from aftersales.accounts.actors import staff_actor
from aftersales.common import clock
from aftersales.common.errors import Forbidden, TransitionNotAllowed
from aftersales.complaints import services
from aftersales.complaints.events import canonical_bytes
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.status import State
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import Notification

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_numbers_are_sortable_by_date_unique_and_carry_a_check_digit():  # type: ignore[no-untyped-def]
    from stdnum import luhn

    first = submit_complaint(at=at("2026-11-24 09:00"))
    second = submit_complaint(at=at("2026-11-24 09:05"), phone="+8613700137000")
    third = submit_complaint(at=at("2026-11-25 08:00"), phone="+8613600136000")
    assert first.number == "OP-20261124-00001-" + first.number[-1]
    assert second.number.startswith("OP-20261124-00002-")
    assert sorted([third.number, second.number, first.number]) == [first.number, second.number, third.number]
    for complaint in (first, second, third):
        digits = complaint.number.replace("OP-", "").replace("-", "")
        assert luhn.is_valid(digits)


def test_the_first_staff_member_to_act_owns_the_complaint_until_transferred(alice, tom, erin):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="您好,我们来处理")
    services.complaint_add_note(actor=staff_actor(tom), complaint=complaint, body="检测结果待定")
    complaint.refresh_from_db()
    assert complaint.owner == alice
    with pytest.raises(Forbidden):
        services.complaint_transfer_ownership(
            actor=staff_actor(tom), complaint=complaint, new_owner=tom, reason="mine"
        )
    services.complaint_transfer_ownership(
        actor=staff_actor(alice), complaint=complaint, new_owner=tom, reason="shift end"
    )
    complaint.refresh_from_db()
    assert complaint.owner == tom
    transfer = complaint.events.filter(kind="assignment").last()
    assert transfer.payload == {
        "owner_from": alice.pk,
        "owner_to": tom.pk,
        "team": "agents",
        "reason": "shift end",
    }


def test_a_reply_meets_the_response_deadline(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(at=at("2026-11-25 10:00"))
    assert complaint.response_due_at == at("2026-11-25 10:30")
    with clock.travel_to(at("2026-11-25 10:10")):
        services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="已收到")
    complaint.refresh_from_db()
    assert complaint.responded_at == at("2026-11-25 10:10")
    assert complaint.next_deadline_at == complaint.accept_due_at


def test_waiting_on_the_customer_pauses_every_clock(alice, carol):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor

    complaint = submit_complaint(at=at("2026-11-25 10:00"), phone=carol.phone)
    with clock.travel_to(at("2026-11-25 10:20")):
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="wait_for_customer", reason="need receipt"
        )
    complaint.refresh_from_db()
    assert complaint.next_deadline_at is None
    # The customer answers two days later: the 24 h acceptance clock had 23h40m left.
    with clock.travel_to(at("2026-11-27 10:20")):
        services.complaint_add_customer_message(
            actor=customer_actor(carol.pk), complaint=complaint, body="发票在这里", channel="app"
        )
    complaint.refresh_from_db()
    assert complaint.state == State.PROCESSING
    assert complaint.accept_due_at == at("2026-11-28 10:00")
    assert complaint.resolve_due_at == at("2026-12-02 10:00")


def test_the_sweeper_escalates_a_breached_complaint_and_tells_the_owner(
    alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    # Typed in from an e-mail by alice: she owns it, and nobody has answered the customer yet.
    complaint = submit_complaint(at=at("2026-11-25 10:00"), actor=staff_actor(alice), channel="email")
    assert complaint.level == "L1" and complaint.owner == alice
    assert services.complaint_sweep_deadlines(now=at("2026-11-25 10:29")) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.complaint_sweep_deadlines(now=at("2026-11-25 10:31")) == 1
    complaint.refresh_from_db()
    assert (complaint.state, complaint.level, complaint.team) == (State.ESCALATED, "L2", "technical")
    # The technical team has its own two hours from the escalation; the customer still waits
    # for a first response, whose (missed) deadline stays as it was.
    assert complaint.level_response_due_at == at("2026-11-25 12:31")
    assert complaint.response_due_at == at("2026-11-25 10:30") and complaint.responded_at is None
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["sla_breach", "sla_breach", "escalation", "status"]
    breaches = complaint.events.filter(kind="sla_breach").order_by("seq")
    assert [b.payload["deadline"] for b in breaches] == ["response_due_at", "level_response_due_at"]
    assert {b.actor for b in breaches} == {"system"}
    notified = Notification.objects.filter(complaint_id=complaint.pk, recipient=f"staff:{alice.pk}")
    assert (
        notified.filter(reason="response_due_at").exists() and notified.filter(reason="escalation").exists()
    )
    assert any(complaint.number in message.subject for message in mail.outbox)
    # A second sweep at the same moment finds nothing more to do.
    assert services.complaint_sweep_deadlines(now=at("2026-11-25 10:31")) == 0


def test_the_top_level_records_a_breach_but_cannot_escalate_further():  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="再不解决我就去12315投诉", at=at("2026-11-25 10:00"))
    assert complaint.level == "L3"
    services.complaint_sweep_deadlines(now=at("2026-11-27 00:00"))
    complaint.refresh_from_db()
    assert complaint.level == "L3"
    assert "response_due_at" in complaint.breaches and "accept_due_at" in complaint.breaches
    assert not complaint.events.filter(kind="escalation").exists()


def test_resolved_complaints_are_archived_after_thirty_days(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(at=at("2026-11-01 10:00"))
    with clock.travel_to(at("2026-11-01 11:00")):
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="resolve", reason="换屏"
        )
    complaint.refresh_from_db()
    assert complaint.satisfaction_due_at == at("2026-11-01 12:00")
    services.complaint_sweep_deadlines(now=at("2026-11-30 12:00"))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED and "satisfaction_due_at" in complaint.breaches
    services.complaint_sweep_deadlines(now=at("2026-12-01 11:00"))
    complaint.refresh_from_db()
    assert complaint.state == State.ARCHIVED and not complaint.is_open and complaint.next_deadline_at is None


def test_the_top_level_refuses_a_manual_escalation(erin):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="我要找律师起诉你们")
    with pytest.raises(TransitionNotAllowed):
        services.complaint_escalate(actor=staff_actor(erin), complaint=complaint, reason="more")


def test_timeline_events_serialise_canonically_without_personal_data(carol):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone=carol.phone, text="我的手机号是13800138000,屏幕坏了")
    events = list(TimelineEvent.objects.filter(complaint=complaint).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for event in events:
        document = canonical_bytes(event, complaint_number=complaint.number)
        assert document == canonical_bytes(
            TimelineEvent.objects.get(pk=event.pk), complaint_number=complaint.number
        )
        assert b"13800138000" not in document and b"Carol" not in document


def test_outlet_staff_cannot_touch_another_outlets_complaint(oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    with pytest.raises(Forbidden):
        services.complaint_transition(
            actor=staff_actor(oscar), complaint=complaint, action="start_processing"
        )
    Complaint.objects.filter(pk=complaint.pk).update(team=oscar.team)
    result = services.complaint_transition(
        actor=staff_actor(oscar), complaint=complaint, action="start_processing"
    )
    assert result.state == State.PROCESSING


def test_reopening_restarts_the_clocks(alice, carol):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor

    complaint = submit_complaint(phone=carol.phone, at=at("2026-11-20 10:00"))
    with clock.travel_to(at("2026-11-21 10:00")):
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="resolve", reason="ok"
        )
    with clock.travel_to(at("2026-11-22 10:00")):
        result = services.complaint_transition(
            actor=customer_actor(carol.pk), complaint=complaint, action="reopen", reason="还是坏的"
        )
    assert result.state == State.REOPENED
    assert result.resolve_due_at == at("2026-11-27 10:00")
    assert result.response_due_at == at("2026-11-22 10:30")
    assert result.archive_due_at is None


def test_a_customer_cannot_act_on_someone_elses_complaint(carol, dave):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor

    complaint = submit_complaint(phone=carol.phone)
    with pytest.raises(Forbidden):
        services.complaint_add_customer_message(
            actor=customer_actor(dave.pk), complaint=complaint, body="hi", channel="app"
        )
    assert Complaint.objects.get(pk=complaint.pk).contact_count == 1
    assert timedelta(0) < complaint.resolve_due_at - complaint.created_at


def test_the_inspection_clock_starts_at_dispatch_and_a_miss_48_hours_later_escalates(tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(at=at("2026-11-20 10:00"))
    # No outlet has it yet: no inspection clock runs.
    assert complaint.inspect_due_at is None
    with clock.travel_to(at("2026-11-20 10:10")):
        services.complaint_reply(actor=staff_actor(tom), complaint=complaint, body="请送到网点检测")
        services.complaint_transition(actor=staff_actor(tom), complaint=complaint, action="start_processing")
    with clock.travel_to(at("2026-11-20 16:00")):
        services.complaint_hand_to_outlet(
            actor=staff_actor(tom), complaint=complaint, team="outlet-sh-01", facts={"outlet": "sh-01"}
        )
    complaint.refresh_from_db()
    assert (complaint.team, complaint.dispatched_at) == ("outlet-sh-01", at("2026-11-20 16:00"))
    assert complaint.inspect_due_at == at("2026-11-22 16:00")
    assert complaint.next_deadline_at == complaint.inspect_due_at
    assert services.complaint_sweep_deadlines(now=at("2026-11-22 15:59")) == 0
    services.complaint_sweep_deadlines(now=at("2026-11-22 16:01"))
    complaint.refresh_from_db()
    assert "inspect_due_at" in complaint.breaches and complaint.level == "L2"


def test_dispatching_while_waiting_on_the_customer_gives_the_outlet_48_hours_from_the_resume(tom, carol):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor

    complaint = submit_complaint(phone=carol.phone, at=at("2026-11-20 10:00"))
    with clock.travel_to(at("2026-11-20 11:00")):
        services.complaint_transition(
            actor=staff_actor(tom), complaint=complaint, action="wait_for_customer", reason="等待购买凭证"
        )
    with clock.travel_to(at("2026-11-20 12:00")):
        services.complaint_hand_to_outlet(
            actor=staff_actor(tom), complaint=complaint, team="outlet-sh-01", facts={"outlet": "sh-01"}
        )
    with clock.travel_to(at("2026-11-21 09:00")):
        resumed = services.complaint_add_customer_message(
            actor=customer_actor(carol.pk), complaint=complaint, body="凭证已上传", channel="app"
        )
    complaint.refresh_from_db()
    assert resumed.complaint.state == State.PROCESSING
    assert complaint.inspect_due_at == at("2026-11-23 09:00")


def test_reopening_restarts_the_outlet_inspection_clock_only_when_dispatched(tom, carol):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor

    kept, dispatched = (
        submit_complaint(phone=carol.phone, at=at("2026-11-20 10:00")),
        submit_complaint(phone=carol.phone, at=at("2026-11-20 10:00")),
    )
    with clock.travel_to(at("2026-11-20 12:00")):
        services.complaint_hand_to_outlet(
            actor=staff_actor(tom), complaint=dispatched, team="outlet-sh-01", facts={"outlet": "sh-01"}
        )
    for complaint in (kept, dispatched):
        with clock.travel_to(at("2026-11-21 10:00")):
            services.complaint_transition(
                actor=staff_actor(tom), complaint=complaint, action="resolve", reason="ok"
            )
        with clock.travel_to(at("2026-11-22 10:00")):
            services.complaint_transition(
                actor=customer_actor(carol.pk), complaint=complaint, action="reopen", reason="还是坏的"
            )
        complaint.refresh_from_db()
    assert kept.inspect_due_at is None
    assert dispatched.inspect_due_at == at("2026-11-24 10:00")


def test_recording_the_inspection_stops_its_clock(oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(at=at("2026-11-20 10:00"))
    Complaint.objects.filter(pk=complaint.pk).update(team=oscar.team)
    with clock.travel_to(at("2026-11-21 15:00")):
        result = services.complaint_record_inspection(
            actor=staff_actor(oscar), complaint=complaint, findings="触控IC虚焊，需更换屏幕总成"
        )
    assert result.inspected_at == at("2026-11-21 15:00")
    # Nobody has answered the customer yet: that clock (long overdue) is the next one, not inspection's.
    assert result.next_deadline_at == result.response_due_at
    event = result.events.get(kind="inspection")
    # The findings are an internal note the event references by id and hash, never copied into it.
    assert event.message is not None and event.message.body == "触控IC虚焊，需更换屏幕总成"
    assert event.message.direction == "note" and event.payload["message"] == event.message.pk
    assert "触控" not in str(event.payload)
    services.complaint_sweep_deadlines(now=at("2026-11-22 10:01"))
    complaint.refresh_from_db()
    assert "accept_due_at" in complaint.breaches and "inspect_due_at" not in complaint.breaches


def test_an_inspection_cannot_be_recorded_on_a_closed_complaint_or_by_an_agent(alice, tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    with pytest.raises(Forbidden):
        services.complaint_record_inspection(actor=staff_actor(alice), complaint=complaint, findings="ok")
    services.complaint_transition(
        actor=staff_actor(tom), complaint=complaint, action="close", reason="withdrawn"
    )
    with pytest.raises(TransitionNotAllowed):
        services.complaint_record_inspection(actor=staff_actor(tom), complaint=complaint, findings="ok")
