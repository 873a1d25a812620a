"""An unauthenticated submission never receives a credential to a complaint it did not create.

- carol: a customer who filed a complaint about her phone and got a staff reply
- mallory: a stranger who knows carol's phone number and IMEI, and nothing else
"""

import json

import pytest

from aftersales.accounts.actors import staff_actor
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message
from aftersales.complaints.tests.factories import new_imei, submit_complaint
from aftersales.complaints.tests.test_api import bearer, customer_token

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
STAFF_REPLY = "取件码 7730,请到网点出示"


def post(client, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def carols_complaint(alice):  # type: ignore[no-untyped-def]
    imei = new_imei()
    complaint = submit_complaint(phone="13800138000", imei=imei, name="王小花")
    services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body=STAFF_REPLY)
    return complaint


def test_a_stranger_who_knows_phone_and_imei_gets_no_token_and_sees_nothing(client, carols_complaint):  # type: ignore[no-untyped-def]
    imei = carols_complaint.device.imei
    response = post(client, {"phone": "138 0013 8000", "imei": imei, "text": "随便写点"})
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["linked_to_existing"] is True and receipt["created"] is False
    assert receipt["tracking_token"] is None and receipt["tracking_url"] is None
    raw = response.content.decode()
    for secret in (carols_complaint.number, STAFF_REPLY, "王小花", services.tracking_token(carols_complaint)):
        assert secret not in raw
    assert receipt["number"] is None and receipt["state"] is None and receipt["deadlines"] == []
    # The words still reach the complaint, marked as coming from an unverified sender.
    added = carols_complaint.events.filter(kind="message_in").order_by("-seq").first()
    assert added.message.body == "随便写点" and added.payload["sender_verified"] is False


def test_a_replayed_key_gives_the_stranger_nothing_either(client, carols_complaint):  # type: ignore[no-untyped-def]
    body = {"phone": "13800138000", "imei": carols_complaint.device.imei, "text": "再写一次"}
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="m-1")
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="m-1")
    assert again.json()["replayed"] is True
    for answer in (first, again):
        assert answer.json()["tracking_token"] is None
        assert carols_complaint.number not in answer.content.decode()
    assert Message.objects.filter(complaint=carols_complaint, body="再写一次").count() == 1


def test_the_web_form_tells_the_stranger_only_that_the_message_was_added(client, carols_complaint):  # type: ignore[no-untyped-def]
    response = client.post(
        "/",
        {
            "text": "随便写点",
            "phone": "13800138000",
            "imei": carols_complaint.device.imei,
            "language": "zh-hans",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "已补充到处理中的投诉" in page
    assert carols_complaint.number not in page and "token=" not in page


def test_the_owner_signed_in_gets_the_full_receipt_for_her_own_complaint(client, carols_complaint):  # type: ignore[no-untyped-def]
    headers = customer_token(client, "+8613800138000")
    response = post(client, {"imei": carols_complaint.device.imei, "text": "还没修好"}, **headers)
    receipt = response.json()
    assert response.status_code == 200 and receipt["number"] == carols_complaint.number
    assert receipt["tracking_token"] == services.tracking_token(carols_complaint)


def test_a_hotline_agent_logging_the_call_sees_the_complaint_it_joined(client, alice, carols_complaint):  # type: ignore[no-untyped-def]
    body = {
        "phone": "13800138000",
        "imei": carols_complaint.device.imei,
        "text": "来电补充",
        "channel": "hotline",
    }
    receipt = post(client, body, **bearer(alice)).json()
    assert receipt["number"] == carols_complaint.number and receipt["tracking_token"]


def test_a_new_complaint_is_still_followed_by_its_sender(client):  # type: ignore[no-untyped-def]
    receipt = post(client, {"phone": "13900139000", "imei": new_imei(), "text": "屏幕失灵"}).json()
    assert receipt["created"] is True and receipt["tracking_token"]
    complaint = Complaint.objects.get(number=receipt["number"])
    assert receipt["tracking_token"] == services.tracking_token(complaint)


def test_a_notification_goes_to_the_address_given_with_the_complaint_not_to_one_a_stranger_typed(  # type: ignore[no-untyped-def]
    client, mailoutbox, django_capture_on_commit_callbacks
):
    imei = new_imei()
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            {"phone": "13700137000", "email": "owner@example.com", "imei": new_imei(), "text": "屏幕失灵"},
        )
        # A stranger types the owner's phone with their own address: their complaint, their address.
        post(
            client,
            {"phone": "13700137000", "email": "stranger@example.com", "imei": imei, "text": "电池鼓包"},
        )
    owners = [m for m in mailoutbox if "owner@example.com" in m.to]
    strangers = [m for m in mailoutbox if "stranger@example.com" in m.to]
    assert len(owners) == 1 and len(strangers) == 1
    owner_number = Complaint.objects.order_by("pk").first().number
    assert all(owner_number not in m.body and owner_number not in m.subject for m in strangers)


def test_a_stranger_with_the_imei_neither_rewrites_nor_reads_the_owners_device(client):  # type: ignore[no-untyped-def]
    imei = new_imei()
    post(client, {"phone": "13900006601", "imei": imei, "text": "屏幕坏了", "device_model": "Find X8"})
    stranger = post(
        client,
        {
            "phone": "13700006602",
            "imei": imei,
            "text": "陌生人",
            "purchase_date": "2019-01-01",
            "device_model": "山寨机",
        },
    ).json()
    from aftersales.devices.models import Device

    device = Device.objects.get(imei=imei)
    assert device.model_name == "Find X8" and device.purchase_date is None
    seen = client.get(f"{URL}/{stranger['number']}", {"token": stranger["tracking_token"]}).json()
    assert seen["device_model"] is None and seen["warranty_ends_on"] is None and seen["device_imei"] is None


def test_a_strangers_message_does_not_resume_a_complaint_waiting_on_the_customer(  # type: ignore[no-untyped-def]
    client, alice, carols_complaint
):
    services.complaint_transition(
        actor=staff_actor(alice), complaint=carols_complaint, action="wait_for_customer", reason="需要发票"
    )
    response = post(client, {"phone": "13800138000", "imei": carols_complaint.device.imei, "text": "已寄出"})
    assert response.status_code == 200
    carols_complaint.refresh_from_db()
    assert carols_complaint.state == "waiting_customer" and carols_complaint.paused_at is not None
    added = carols_complaint.events.filter(kind="message_in").order_by("-seq").first()
    assert added.message.body == "已寄出" and added.payload["sender_verified"] is False
    assert not carols_complaint.events.filter(kind="status", payload__action="resume").exists()


def test_the_signed_in_owners_message_resumes_a_complaint_waiting_on_her(  # type: ignore[no-untyped-def]
    client, alice, carols_complaint
):
    services.complaint_transition(
        actor=staff_actor(alice), complaint=carols_complaint, action="wait_for_customer", reason="需要发票"
    )
    headers = customer_token(client, "+8613800138000")
    response = post(client, {"imei": carols_complaint.device.imei, "text": "发票已上传"}, **headers)
    assert response.status_code == 200
    carols_complaint.refresh_from_db()
    assert carols_complaint.state == "processing"
