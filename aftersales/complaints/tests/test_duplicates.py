"""Marking a complaint as a duplicate of another (complaint_mark_duplicate).

Personas (conftest.py): alice (hotline agent), oscar (outlet technician: may not link), carol
and dave (customers).
"""

import pytest

from aftersales.accounts.actors import staff_actor
from aftersales.common.errors import Conflict, Forbidden, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_mark_duplicate
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db
SCREEN = "屏幕触控失灵,打字点不到"


def test_a_duplicate_is_linked_closed_and_recorded_on_both_timelines(alice, carol):  # type: ignore[no-untyped-def]
    original = submit_complaint(text=SCREEN, phone=carol.phone)
    repeat = submit_complaint(
        text="屏幕又點不到了!", phone=carol.phone, channel="email", email="c@example.com"
    )
    complaint_mark_duplicate(
        actor=staff_actor(alice), complaint=repeat, original=original, reason="同一块屏幕,客户重复来信"
    )
    repeat = Complaint.objects.get(pk=repeat.pk)
    assert repeat.duplicate_of_id == original.pk and repeat.state == "closed" and not repeat.is_open
    on_repeat = repeat.events.filter(kind="duplicate").get()
    on_original = original.events.filter(kind="duplicate").get()
    assert on_repeat.payload["side"] == "duplicate" and on_original.payload["side"] == "original"
    assert (
        on_original.payload["duplicate"] == repeat.number and on_repeat.payload["original"] == original.number
    )
    assert repeat.events.filter(kind="status").get().payload["reason"] == "同一块屏幕,客户重复来信"
    assert Complaint.objects.get(pk=original.pk).is_open


def test_linking_to_itself_or_twice_or_to_a_duplicate_is_refused_in_words(alice, carol):  # type: ignore[no-untyped-def]
    original = submit_complaint(text=SCREEN, phone=carol.phone)
    repeat = submit_complaint(text=SCREEN, phone=carol.phone, channel="email", email="c@example.com")
    third = submit_complaint(text=SCREEN, phone=carol.phone, channel="hotline")
    actor = staff_actor(alice)
    with pytest.raises(ValidationFailed):
        complaint_mark_duplicate(actor=actor, complaint=original, original=original, reason="x")
    complaint_mark_duplicate(actor=actor, complaint=repeat, original=original, reason="重复")
    with pytest.raises(Conflict) as twice:
        complaint_mark_duplicate(actor=actor, complaint=repeat, original=third, reason="重复")
    assert twice.value.code == "duplicate_already"
    with pytest.raises(Conflict) as chained:
        complaint_mark_duplicate(actor=actor, complaint=third, original=repeat, reason="重复")
    text = message_text(chained.value.code, "zh-hans", **chained.value.params)
    assert (
        text
        == f"投诉 {repeat.number} 本身是 {original.number} 的重复,请改为标记为 {original.number} 的重复。"
    )


def test_another_customers_complaint_is_not_a_duplicate(alice, carol, dave):  # type: ignore[no-untyped-def]
    mine = submit_complaint(text=SCREEN, phone=carol.phone)
    theirs = submit_complaint(text=SCREEN, phone=dave.phone)
    with pytest.raises(Conflict) as refused:
        complaint_mark_duplicate(actor=staff_actor(alice), complaint=theirs, original=mine, reason="重复")
    assert refused.value.code == "duplicate_other_customer"
    assert Complaint.objects.get(pk=theirs.pk).duplicate_of_id is None


def test_a_reason_is_required_and_outlet_staff_may_not_link(alice, oscar, carol):  # type: ignore[no-untyped-def]
    original = submit_complaint(text=SCREEN, phone=carol.phone)
    repeat = submit_complaint(text=SCREEN, phone=carol.phone, channel="hotline")
    with pytest.raises(ValidationFailed) as refused:
        complaint_mark_duplicate(actor=staff_actor(alice), complaint=repeat, original=original, reason="  ")
    assert "reason" in refused.value.fields
    with pytest.raises(Forbidden):
        complaint_mark_duplicate(actor=staff_actor(oscar), complaint=repeat, original=original, reason="重复")
