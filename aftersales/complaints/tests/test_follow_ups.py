"""A customer writes again: open complaints take the message and are read by the rules again;
resolved ones reopen; archived or closed ones get a new complaint that follows them.

- carol: the customer, following her complaint through its tracking link
- alice: the agent who owns it
"""

import json

import pytest

from aftersales.accounts.actors import SYSTEM, staff_actor
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import Notification
from aftersales.triage.services import CustomerContext, triage_complaint

pytestmark = pytest.mark.django_db


def write(client, complaint, body):  # type: ignore[no-untyped-def]
    url = f"/api/v1/complaints/{complaint.number}/messages?token={services.tracking_token(complaint)}"
    return client.post(url, json.dumps({"body": body}), content_type="application/json")


def resolved(alice, text="换屏后触控失灵") -> Complaint:  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=text)
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="换了屏"
    )
    complaint.refresh_from_db()
    return complaint


def test_a_message_on_a_resolved_complaint_reopens_it_with_fresh_clocks_and_tells_the_owner(  # type: ignore[no-untyped-def]
    client, alice, django_capture_on_commit_callbacks
):
    complaint = resolved(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = write(client, complaint, "换了屏还是点不动")
    assert response.status_code == 201 and response.json()["outcome"] == "reopened"
    complaint.refresh_from_db()
    assert complaint.state == "reopened" and complaint.is_open
    assert complaint.response_due_at > clock.now() and complaint.next_deadline_at is not None
    status = complaint.events.filter(kind="status").order_by("-seq").first()
    assert status.payload["action"] == "reopen" and status.actor == f"customer:{complaint.customer_id}"
    assert Notification.objects.filter(complaint_id=complaint.pk, reason="reopened").exists()


@pytest.mark.parametrize("ending", ["archive", "close"])
def test_a_message_on_an_archived_or_closed_complaint_opens_a_new_one_that_follows_it(  # type: ignore[no-untyped-def]
    client, alice, adam, ending, django_capture_on_commit_callbacks
):
    if ending == "archive":
        complaint = resolved(alice)
        services.complaint_transition(actor=SYSTEM, complaint=complaint, action="archive")
    else:
        complaint = submit_complaint()
        services.complaint_transition(
            actor=staff_actor(alice), complaint=complaint, action="close", reason="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = write(client, complaint, "换了屏还是点不动")
    answer = response.json()
    assert response.status_code == 201 and answer["outcome"] == "new_complaint"
    follow_up = Complaint.objects.get(number=answer["complaint"])
    assert (
        follow_up.follows_id == complaint.pk
        and follow_up.is_open
        and follow_up.customer == complaint.customer
    )
    assert follow_up.device == complaint.device and follow_up.response_due_at is not None
    assert answer["tracking_url"].endswith(f"token={services.tracking_token(follow_up)}")
    complaint.refresh_from_db()
    assert complaint.state in ("archived", "closed")
    assert complaint.events.filter(kind="follow_up", payload__follow_up=follow_up.number).exists()
    assert Notification.objects.filter(complaint_id=complaint.pk, reason="follow_up").exists()
    token = answer["tracking_url"].split("token=")[1]
    tracked = client.get(f"/api/v1/complaints/{follow_up.number}?token={token}")
    assert tracked.status_code == 200 and tracked.json()["follows"] == complaint.number


def test_a_later_message_that_names_a_danger_raises_priority_and_level_like_a_new_complaint(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="充电有点慢")
    assert (complaint.priority, complaint.level) == (3, "L1")
    write(client, complaint, "充电时冒烟了,电池鼓包")
    complaint.refresh_from_db()
    fresh = triage_complaint(text="充电时冒烟了,电池鼓包", context=CustomerContext())
    assert (complaint.priority, complaint.level) == (fresh.priority, fresh.level) == (1, "L2")
    reread = complaint.events.filter(kind="triage").order_by("-seq").first()
    assert reread.payload["priority_from"] == 3 and reread.payload["level_to"] == "L2"
    assert any(reason["rule"] == "safety" for reason in reread.payload["reasons"])


def test_priority_and_level_never_fall_on_a_calmer_message(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="手机冒烟了,还烫伤了手")
    before = (complaint.priority, complaint.level, complaint.event_count)
    write(client, complaint, "谢谢,已经不用了")
    complaint.refresh_from_db()
    assert (complaint.priority, complaint.level) == before[:2]
    assert not complaint.events.filter(kind="triage", seq__gt=before[2]).exists()


def test_a_follow_up_on_someone_elses_complaint_is_refused(client, alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    url = f"/api/v1/complaints/{complaint.number}/messages?token=forged"
    response = client.post(url, json.dumps({"body": "x"}), content_type="application/json")
    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == "resolved"


@pytest.mark.parametrize(
    "text", ["电池膨胀把后盖顶起来了", "电池漏液", "有烧焦味", "孩子吞了电池", "耳机爆了炸伤耳朵"]
)
def test_common_ways_of_naming_a_danger_make_a_priority_one_complaint(text):  # type: ignore[no-untyped-def]
    assert submit_complaint(text=text).priority == 1


def test_a_reason_longer_than_a_sentence_or_two_is_refused(client, alice, adam):  # type: ignore[no-untyped-def]
    from aftersales.complaints.tests.test_api import bearer

    complaint = submit_complaint()
    url = f"/api/v1/complaints/{complaint.number}"
    for path, body in (
        ("/transitions", {"action": "close", "reason": "x" * 501}),
        ("/category", {"category": "battery_charging", "reason": "x" * 501}),
        ("/ownership", {"username": "alice", "reason": "x" * 501}),
    ):
        response = client.post(url + path, json.dumps(body), content_type="application/json", **bearer(adam))
        assert response.status_code == 422 and response.json()["field_codes"]["reason"] == "text_too_long"
    complaint.refresh_from_db()
    assert complaint.is_open and complaint.category != "battery_charging"


def test_a_message_on_an_archived_complaint_joins_the_open_complaint_about_the_same_device(  # type: ignore[no-untyped-def]
    client, alice, django_capture_on_commit_callbacks
):
    archived = resolved(alice, text="充电有点慢")
    services.complaint_transition(actor=SYSTEM, complaint=archived, action="archive")
    # Carol complained again about the same phone since: that complaint is still open.
    still_open = submit_complaint(text="充电还是慢", imei=archived.device.imei)
    assert still_open.pk != archived.pk and still_open.is_open and still_open.priority == 3
    complaints_before = Complaint.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = write(client, archived, "充电时冒烟了,电池鼓包")
    answer = response.json()
    assert response.status_code == 201 and answer["outcome"] == "joined"
    assert answer["complaint"] == still_open.number and answer["tracking_url"] is None
    assert Complaint.objects.count() == complaints_before
    still_open.refresh_from_db()
    assert still_open.messages.filter(body="充电时冒烟了,电池鼓包").exists()
    # Read by the rules like any message on an open complaint.
    assert (still_open.priority, still_open.level) == (1, "L2")
    archived.refresh_from_db()
    assert archived.state == "archived"
    assert archived.events.filter(kind="follow_up", payload__follow_up=still_open.number).exists()
