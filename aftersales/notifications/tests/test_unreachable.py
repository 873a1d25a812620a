"""A customer no channel reaches: nothing is queued, and the agent reads why on the timeline.

Personas (conftest): alice answers complaints (agent). The customers here left only a Beijing
landline, only a 400 service number, or (filed before contacts were kept apart) nothing at all.
"""

import json

import pytest

from aftersales.accounts.services import api_token_create
from aftersales.complaints.api import timeline_out
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.selectors import complaint_timeline
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.services import UNREACHABLE_LANDLINE, UNREACHABLE_NO_CONTACT

pytestmark = pytest.mark.django_db


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def unreachable_events(complaint: Complaint) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.DELIVERY_FAILED).order_by(
            "seq"
        )
    )


@pytest.mark.parametrize("landline", ["010-6552 9988", "400-773-6666"])
def test_a_landline_customer_gets_no_acknowledgement_and_the_timeline_says_why(client, alice, landline):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone=landline)
    assert not OutboxMessage.objects.filter(complaint_id=complaint.pk).exists()
    [event] = unreachable_events(complaint)
    assert event.payload == {"channel": "", "reference": "acknowledgement", "reason": UNREACHABLE_LANDLINE}
    assert event.actor == "system"
    # The complaint's event counter follows: the next event is numbered after it.
    complaint.refresh_from_db()
    assert complaint.event_count == event.seq == TimelineEvent.objects.filter(complaint=complaint).count()

    client.force_login(alice)
    page = client.get(
        f"/desk/complaints/{complaint.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "客户未收到受理通知" in page and "只留了座机" in page


def test_an_agents_reply_to_a_landline_customer_is_recorded_as_not_sent(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="010-6552 9988")
    url = f"/api/v1/complaints/{complaint.number}"
    answer = client.post(
        f"{url}/messages",
        json.dumps({"body": "您好,我们已安排工程师回电"}),
        content_type="application/json",
        **bearer(alice),
    )
    assert answer.status_code == 201
    assert not OutboxMessage.objects.filter(complaint_id=complaint.pk).exists()
    assert [e.payload["reference"] for e in unreachable_events(complaint)] == ["acknowledgement", "reply"]

    timeline = client.get(f"{url}/timeline", **bearer(alice)).json()
    failed = [e for e in timeline if e["kind"] == "delivery_failed"]
    assert [e["payload"]["reason"] for e in failed] == [UNREACHABLE_LANDLINE, UNREACHABLE_LANDLINE]

    client.force_login(alice)
    page = client.get(f"/desk/complaints/{complaint.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The reply was not sent: no channel reaches the customer" in page
    assert "gave only a landline" in page


def test_a_reply_to_a_customer_with_no_contact_at_all_is_recorded_as_not_sent(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(email="old@mail.example")
    # Filed before contacts were kept per complaint, and the customer's e-mail since removed.
    Complaint.objects.filter(pk=complaint.pk).update(contact_identity=None, email_identity=None)
    complaint.customer.email, complaint.customer.phone = "", ""
    complaint.customer.save(update_fields=["email", "phone"])
    before = OutboxMessage.objects.filter(complaint_id=complaint.pk).count()

    answer = client.post(
        f"/api/v1/complaints/{complaint.number}/messages",
        json.dumps({"body": "请问您方便到店检测吗?"}),
        content_type="application/json",
        **bearer(alice),
    )
    assert answer.status_code == 201
    assert OutboxMessage.objects.filter(complaint_id=complaint.pk).count() == before
    [event] = unreachable_events(complaint)
    assert event.payload == {"channel": "", "reference": "reply", "reason": UNREACHABLE_NO_CONTACT}

    client.force_login(alice)
    page = client.get(
        f"/desk/complaints/{complaint.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "回复未发出" in page and "没有留下手机号" in page


def test_the_customer_never_sees_why_they_were_not_reached(alice):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor, tracking_actor
    from aftersales.common import clock
    from aftersales.complaints.tracking import complaint_tracking_view

    complaint = submit_complaint(phone="010-6552 9988")
    events = complaint_timeline(complaint=complaint, include_internal=False)
    shown = timeline_out(events, customer_actor(complaint.customer_id))
    assert shown and all(e.kind != "delivery_failed" for e in shown)
    assert "landline" not in json.dumps([e.dict() for e in shown], default=str)
    tracking = complaint_tracking_view(
        complaint=complaint,
        actor=tracking_actor(customer_id=complaint.customer_id, complaint_id=complaint.pk),
        now=clock.now(),
        language="en",
    )
    assert "landline" not in str(tracking) and "delivery" not in str(tracking).lower()


def test_the_staff_service_record_says_the_customer_was_not_reached(alice):  # type: ignore[no-untyped-def]
    from aftersales.evidence.service_record import service_record_content

    complaint = submit_complaint(phone="010-6552 9988")
    content = json.dumps(service_record_content(complaint=complaint), ensure_ascii=False)
    assert "Not delivered: no channel reaches the customer" in content
    assert "Delivery failed ()" not in content
