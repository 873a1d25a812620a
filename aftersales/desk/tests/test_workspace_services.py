"""The workspace's services: saved filters, bulk moves, reply templates and presence.

Personas (conftest.py): alice (hotline agent, team "agents"), tom (technical team), erin (HQ
expert, a manager who may share filters), oscar (outlet technician, sees only his outlet's
complaints), adam (administrator). Here also bob, a second hotline agent working the same
queue as alice, and mia, the outlet manager of oscar's outlet.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk import selectors
from aftersales.desk.filters import QueueFilter, filter_parse
from aftersales.desk.macros import macro_render, placeholders_in
from aftersales.desk.models import Macro, SavedFilter
from aftersales.desk.services import (
    PRESENCE_WINDOW,
    complaint_presence_leave,
    complaint_presence_mark,
    complaints_bulk_move,
    macro_fill,
    saved_filter_create,
    saved_filter_delete,
)

pytestmark = pytest.mark.django_db
SCREEN = "屏幕触控失灵,打字点不到"


def phone(index: int) -> str:
    return f"+861370015{index:04d}"


@pytest.fixture
def bob(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="bob", first_name="张三", last_name="", role=Role.AGENT, team="agents")


@pytest.fixture
def mia(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="mia", role=Role.OUTLET_MANAGER, team="outlet-sh-01")


# --- queue filters -----------------------------------------------------------------------------


def test_a_filter_reads_full_width_digits_and_drops_unknown_values_when_browsing(db):  # type: ignore[no-untyped-def]
    parsed = filter_parse({"queue": "team", "priority": "１", "category": "不存在", "colour": "red"})
    assert parsed == QueueFilter(queue="team", narrow={"priority": "1"})
    assert parsed.as_querystring() == "queue=team&priority=1"


def test_saving_a_filter_with_an_unknown_value_names_the_field_and_the_choices(db):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        filter_parse({"queue": "team", "category": "不存在"}, strict=True)
    issue = refused.value.fields["category"]
    text = message_text(issue.code, "zh-hans", **issue.params)
    assert text.startswith("取值无效") and "屏幕显示" in text and "screen" not in text


def test_an_agent_saves_a_personal_filter_that_only_she_sees(alice, bob):  # type: ignore[no-untyped-def]
    saved = saved_filter_create(
        actor=staff_actor(alice),
        name="  屏幕 紧急  ",
        queue_filter=QueueFilter(queue="team", narrow={"category": "screen", "priority": "1"}),
        shared=False,
    )
    assert saved.name == "屏幕 紧急" and saved.team == ""
    assert saved.query == {"queue": "team", "category": "screen", "priority": "1"}
    assert [f.name for f in selectors.saved_filters_for(actor=staff_actor(alice))] == ["屏幕 紧急"]
    assert selectors.saved_filters_for(actor=staff_actor(bob)) == []


def test_an_agent_may_not_share_a_filter_with_the_team(alice):  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        saved_filter_create(actor=staff_actor(alice), name="全组", queue_filter=QueueFilter(), shared=True)
    assert not SavedFilter.objects.exists()


def test_a_manager_shares_a_filter_with_the_whole_team_and_only_that_team(mia, oscar, alice):  # type: ignore[no-untyped-def]
    saved_filter_create(
        actor=staff_actor(mia), name="今日超时", queue_filter=QueueFilter(queue="overdue"), shared=True
    )
    assert [f.name for f in selectors.saved_filters_for(actor=staff_actor(oscar))] == ["今日超时"]
    assert selectors.saved_filters_for(actor=staff_actor(alice)) == []
    # oscar sees it but may not delete his manager's filter.
    shared = SavedFilter.objects.get()
    with pytest.raises(NotFound):
        saved_filter_delete(actor=staff_actor(oscar), filter_id=shared.pk)
    saved_filter_delete(actor=staff_actor(mia), filter_id=shared.pk)
    assert not SavedFilter.objects.exists()


def test_the_same_name_twice_is_refused_but_a_colleague_may_use_it(alice, bob):  # type: ignore[no-untyped-def]
    saved_filter_create(actor=staff_actor(alice), name="待回访", queue_filter=QueueFilter(), shared=False)
    with pytest.raises(Conflict) as refused:
        saved_filter_create(actor=staff_actor(alice), name="待回访", queue_filter=QueueFilter(), shared=False)
    assert (
        message_text(refused.value.code, "zh-hans", **refused.value.params)
        == "已有名为“待回访”的筛选,请换一个名称。"
    )
    saved_filter_create(actor=staff_actor(bob), name="待回访", queue_filter=QueueFilter(), shared=False)


@pytest.mark.parametrize("name", ["", "   ", "名" * 61])
def test_a_filter_needs_a_name_of_sensible_length(alice, name):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        saved_filter_create(actor=staff_actor(alice), name=name, queue_filter=QueueFilter(), shared=False)
    assert "name" in refused.value.fields


def test_the_queue_is_narrowed_by_category_and_priority(alice):  # type: ignore[no-untyped-def]
    screen = submit_complaint(text=SCREEN, phone=phone(1))
    battery = submit_complaint(text="充电很慢,一晚上才充到80%", phone=phone(2))
    rows = selectors.desk_queue(
        actor=staff_actor(alice), queue="team", narrow={"category": "screen"}, now=clock.now()
    )
    assert [c.number for c in rows] == [screen.number]
    rows = selectors.desk_queue(
        actor=staff_actor(alice), queue="team", narrow={"category": "battery_charging"}, now=clock.now()
    )
    assert [c.number for c in rows] == [battery.number]


# --- bulk moves ----------------------------------------------------------------------------------


def seen(*complaints: Complaint) -> dict[str, int]:
    return {c.number: Complaint.objects.get(pk=c.pk).event_count for c in complaints}


def test_a_bulk_move_takes_each_complaint_through_the_workflow_with_one_event_each(alice):  # type: ignore[no-untyped-def]
    first = submit_complaint(text=SCREEN, phone=phone(1))
    second = submit_complaint(text=SCREEN, phone=phone(2))
    before = {c.pk: c.event_count for c in (first, second)}
    outcomes = complaints_bulk_move(
        actor=staff_actor(alice), seen=seen(first, second), action="start_processing", reason="批量开始处理"
    )
    assert all(o.done for o in outcomes) and len(outcomes) == 2
    for complaint in (first, second):
        complaint.refresh_from_db()
        assert complaint.state == "processing" and complaint.owner == alice
        status = complaint.events.filter(kind="status").get()
        assert status.payload["reason"] == "批量开始处理" and status.seq > before[complaint.pk]


def test_an_illegal_move_is_reported_for_that_complaint_in_words_and_the_others_go_on(alice, adam):  # type: ignore[no-untyped-def]
    open_one = submit_complaint(text=SCREEN, phone=phone(1))
    resolved = submit_complaint(text=SCREEN, phone=phone(2))
    complaint_services.complaint_transition(
        actor=staff_actor(adam), complaint=resolved, action="resolve", reason="已更换屏幕"
    )
    outcomes = {
        o.number: o
        for o in complaints_bulk_move(
            actor=staff_actor(alice),
            seen=seen(open_one, resolved),
            action="wait_for_customer",
            reason="等待客户寄回",
        )
    }
    assert outcomes[open_one.number].done
    refused = outcomes[resolved.number]
    assert not refused.done and refused.error is not None and refused.error.code == "transition_not_allowed"
    assert Complaint.objects.get(pk=resolved.pk).state == "resolved"
    assert Complaint.objects.get(pk=open_one.pk).state == "waiting_customer"


def test_a_bulk_move_needs_a_reason_even_for_a_step_that_needs_none_alone(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    with pytest.raises(ValidationFailed) as refused:
        complaints_bulk_move(
            actor=staff_actor(alice), seen=seen(complaint), action="start_processing", reason=" "
        )
    assert "reason" in refused.value.fields
    assert Complaint.objects.get(pk=complaint.pk).state == "accepted"


def test_a_bulk_move_refuses_nothing_ticked_and_an_unknown_step(alice):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed):
        complaints_bulk_move(actor=staff_actor(alice), seen={}, action="start_processing", reason="x")
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    with pytest.raises(ValidationFailed) as refused:
        complaints_bulk_move(actor=staff_actor(alice), seen=seen(complaint), action="delete", reason="x")
    assert "action" in refused.value.fields


def test_a_complaint_changed_since_the_list_was_loaded_is_left_alone(alice, bob):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    what_alice_saw = seen(complaint)
    complaint_services.complaint_transition(
        actor=staff_actor(bob), complaint=complaint, action="wait_for_customer", reason="等客户照片"
    )
    [outcome] = complaints_bulk_move(
        actor=staff_actor(alice), seen=what_alice_saw, action="resolve", reason="已解决"
    )
    assert not outcome.done and outcome.error is not None
    text = message_text(outcome.error.code, "zh-hans", **outcome.error.params)
    assert complaint.number in text and "已被他人更改" in text
    assert Complaint.objects.get(pk=complaint.pk).state == "waiting_customer"


def test_bulk_escalation_raises_each_level_and_outlet_staff_cannot_touch_what_they_cannot_see(alice, oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    level = complaint.level
    [outcome] = complaints_bulk_move(
        actor=staff_actor(oscar), seen=seen(complaint), action="start_processing", reason="接单"
    )
    assert not outcome.done and outcome.error is not None and outcome.error.code in ("not_found", "forbidden")
    [outcome] = complaints_bulk_move(
        actor=staff_actor(alice), seen=seen(complaint), action="escalate", reason="客户要求专家处理"
    )
    assert outcome.done
    complaint.refresh_from_db()
    assert complaint.state == "escalated" and complaint.level != level
    assert complaint.events.filter(kind="escalation").count() == 1


def test_bulk_assignment_hands_each_complaint_to_the_new_owner_on_the_record(alice, bob):  # type: ignore[no-untyped-def]
    first = submit_complaint(text=SCREEN, phone=phone(1))
    second = submit_complaint(text=SCREEN, phone=phone(2))
    for c in (first, second):
        complaint_services.complaint_add_note(actor=staff_actor(alice), complaint=c, body="先接手")
    outcomes = complaints_bulk_move(
        actor=staff_actor(alice),
        seen=seen(first, second),
        action="assign",
        reason="alice 下班,交给张三",
        new_owner=bob,
    )
    assert all(o.done for o in outcomes)
    assert set(
        Complaint.objects.filter(pk__in=[first.pk, second.pk]).values_list("owner__username", flat=True)
    ) == {"bob"}


@pytest.mark.django_db(transaction=True)
def test_two_agents_moving_the_same_complaints_at_once_move_each_once(alice, bob):  # type: ignore[no-untyped-def]
    complaints = [submit_complaint(text=SCREEN, phone=phone(i)) for i in range(3)]
    what_they_saw = seen(*complaints)
    results: dict[str, list] = {}
    # On PostgreSQL both start together; SQLite takes one writer at a time, so there they run
    # one after the other and the outcome must be the same.
    together = connection.vendor != "sqlite"
    barrier = threading.Barrier(2 if together else 1)

    def work(user, name: str) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            results[name] = complaints_bulk_move(
                actor=staff_actor(user),
                seen=dict(what_they_saw),
                action="start_processing",
                reason=f"{name} 接手",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(u, n)) for u, n in ((alice, "alice"), (bob, "bob"))]
    if not together:
        for thread in threads:
            thread.start()
            thread.join()
    else:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    done = [o.number for outcomes in results.values() for o in outcomes if o.done]
    refused = [o for outcomes in results.values() for o in outcomes if not o.done]
    assert sorted(done) == sorted(c.number for c in complaints)
    assert len(refused) == 3 and all(
        o.error is not None and o.error.code == "bulk_changed_meanwhile" for o in refused
    )
    for complaint in complaints:
        assert complaint.events.filter(kind="status").count() == 1


# --- reply templates -----------------------------------------------------------------------------


def test_a_template_is_filled_from_the_complaint_at_the_moment_it_is_used(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1), name="王小明")
    macro = Macro.objects.create(
        name="受理确认",
        body="{customer_name}您好,投诉 {complaint_number} 已受理,我们将在 {deadline} 前解决;服务网点:{outlet}。{{保留}} 😊",
    )
    # The name lives only on the customer record: a change there shows in the next fill.
    complaint.customer.name = "王先生"
    complaint.customer.save(update_fields=["name"])
    text = macro_fill(actor=staff_actor(alice), number=complaint.number, macro_id=macro.pk)
    assert text.startswith("王先生您好,投诉 " + complaint.number + " 已受理")
    assert "{保留}" in text and "😊" in text and "待安排" in text
    assert "王" not in Macro.objects.get(pk=macro.pk).body


def test_an_english_template_falls_back_to_english_words(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1), language="en")
    macro = Macro.objects.create(name="ack", language="en", body="Dear {customer_name}, outlet: {outlet}.")
    text = macro_fill(actor=staff_actor(alice), number=complaint.number, macro_id=macro.pk)
    assert text == "Dear customer, outlet: to be arranged."


@pytest.mark.parametrize("body", ["{customer}您好", "{customer_name.__class__}", "{0}", "{}"])
def test_an_unknown_placeholder_is_refused_in_both_languages(alice, body):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    macro = Macro.objects.create(name="坏模板", body=body)
    with pytest.raises(ValidationFailed) as refused:
        macro_fill(actor=staff_actor(alice), number=complaint.number, macro_id=macro.pk)
    issue = refused.value.fields["body"]
    chinese = message_text(issue.code, "zh-hans", **issue.params)
    english = message_text(issue.code, "en", **issue.params)
    assert chinese.startswith("回复模板中的占位符") and "{customer_name}" in chinese
    assert english.startswith("The reply template names an unknown placeholder")


def test_a_retired_template_is_not_filled(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    macro = Macro.objects.create(name="旧", body="您好", is_active=False)
    with pytest.raises(NotFound):
        macro_fill(actor=staff_actor(alice), number=complaint.number, macro_id=macro.pk)


def test_placeholders_are_read_without_format_tricks():  # type: ignore[no-untyped-def]
    assert placeholders_in("{{x}} {a} {a} {b}") == ["a", "b"]
    assert (
        macro_render(
            "{{{complaint_number}}}",
            {"complaint_number": "N1"} | {k: "" for k in ("customer_name", "deadline", "outlet")},
        )
        == "{N1}"
    )


# --- presence ---------------------------------------------------------------------------------------


def test_a_colleague_with_the_complaint_open_is_named_and_gone_after_the_window(alice, bob):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    now = clock.now()
    complaint_presence_mark(actor=staff_actor(bob), complaint=complaint, replying=True, now=now)
    complaint_presence_mark(actor=staff_actor(alice), complaint=complaint, replying=False, now=now)
    seen_by_alice = selectors.complaint_colleagues(
        actor=staff_actor(alice), complaint=complaint, now=now, window=PRESENCE_WINDOW
    )
    assert [(c.name, c.replying) for c in seen_by_alice] == [("张三", True)]
    later = now + PRESENCE_WINDOW + timedelta(seconds=1)
    assert (
        selectors.complaint_colleagues(
            actor=staff_actor(alice), complaint=complaint, now=later, window=PRESENCE_WINDOW
        )
        == []
    )


def test_leaving_the_page_ends_the_warning_at_once(alice, bob):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    now = clock.now()
    complaint_presence_mark(actor=staff_actor(bob), complaint=complaint, replying=False, now=now)
    complaint_presence_leave(actor=staff_actor(bob), complaint=complaint)
    assert (
        selectors.complaint_colleagues(
            actor=staff_actor(alice), complaint=complaint, now=now, window=PRESENCE_WINDOW
        )
        == []
    )
