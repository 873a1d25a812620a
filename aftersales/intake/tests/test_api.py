import json

import pytest

from aftersales.complaints.models import Complaint, Message
from aftersales.complaints.tests.factories import new_imei
from aftersales.intake.models import IdempotencyKey

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"


def post(client, body, **headers):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def a_complaint(**overrides):  # type: ignore[no-untyped-def]
    return {"text": "屏幕触控失灵,打字点不到", "phone": "13800138000", "channel": "app", **overrides}


def test_a_customer_gets_number_stage_level_deadlines_and_a_tracking_link(client):  # type: ignore[no-untyped-def]
    response = post(client, a_complaint(imei=new_imei()))
    assert response.status_code == 201
    receipt = response.json()
    complaint = Complaint.objects.get(number=receipt["number"])
    assert receipt["state"] == "accepted" and receipt["level"] == "L1" and receipt["category"] == "screen"
    assert {d["name"] for d in receipt["deadlines"]} == {
        "response_due_at",
        "level_response_due_at",
        "accept_due_at",
        "process_due_at",
        "resolve_due_at",
    }
    assert receipt["created"] is True and receipt["linked_to_existing"] is False
    tracked = client.get(f"{URL}/{complaint.number}", HTTP_X_TRACKING_TOKEN=receipt["tracking_token"])
    assert tracked.status_code == 200
    # The customer's timeline: the pre-diagnosis is staff's business.
    assert [e["kind"] for e in tracked.json()["timeline"]] == ["created", "message_in"]
    page = client.get(receipt["tracking_url"].replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200 and complaint.number in page.content.decode()


def test_an_imei_written_in_the_text_is_extracted(client):  # type: ignore[no-untyped-def]
    imei = new_imei()
    spaced = f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}"
    response = post(client, a_complaint(text=f"手机串号 IMEI:{spaced},充电很慢"))
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.device is not None and complaint.device.imei == imei


def test_a_retried_post_with_the_same_key_creates_one_complaint(client):  # type: ignore[no-untyped-def]
    body = a_complaint(imei=new_imei())
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = post(client, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["number"] == second.json()["number"]
    assert second.json()["replayed"] is True
    assert Complaint.objects.count() == 1 and Message.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_conflict(client):  # type: ignore[no-untyped-def]
    post(client, a_complaint(), HTTP_IDEMPOTENCY_KEY="k")
    response = post(client, a_complaint(text="另一个问题:电池鼓包"), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409 and response.json()["error"] == "idempotency_conflict"
    assert Complaint.objects.count() == 1


def test_a_second_complaint_about_the_same_device_joins_the_open_one(client):  # type: ignore[no-untyped-def]
    imei = new_imei()
    post(client, a_complaint(imei=imei)).json()
    second = post(client, a_complaint(imei=imei, text="还是没人联系我", channel="wechat"))
    assert second.status_code == 200
    receipt = second.json()
    # An anonymous sender learns that the message was added, nothing of the complaint.
    assert receipt["linked_to_existing"] is True and receipt["number"] is None
    assert "处理中的投诉" in receipt["message"]
    complaint = Complaint.objects.get()
    assert complaint.contact_count == 2
    linked = complaint.events.filter(kind="message_in").last()
    assert linked.payload["linked_duplicate"] is True and linked.payload["channel"] == "wechat"


def test_a_new_device_or_a_closed_complaint_opens_a_new_one(client, alice):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import staff_actor
    from aftersales.complaints.services import complaint_transition

    imei = new_imei()
    first = post(client, a_complaint(imei=imei)).json()
    assert post(client, a_complaint(imei=new_imei())).json()["number"] != first["number"]
    complaint_transition(
        actor=staff_actor(alice),
        complaint=Complaint.objects.get(number=first["number"]),
        action="close",
        reason="withdrawn",
    )
    assert post(client, a_complaint(imei=imei)).json()["number"] != first["number"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (a_complaint(imei="123456789012345"), "imei", "imei_invalid"),
        (a_complaint(phone="12345"), "phone", "phone_invalid"),
        (a_complaint(phone="", email=""), "phone", "contact_missing"),
        (a_complaint(email="not-an-address"), "email", "email_invalid"),
        (a_complaint(channel="fax"), "channel", "channel_unknown"),
        (a_complaint(text="x" * 5001), "text", "text_too_long"),
        (a_complaint(text="   "), "text", "text_empty"),
        (a_complaint(language="fr"), "language", "language_unknown"),
        (a_complaint(purchase_date="2999-01-01"), "purchase_date", "date_in_future"),
        (a_complaint(purchase_date="yesterday"), "purchase_date", "date_invalid"),
        ({"phone": "13800138000"}, "text", "required"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, body, field, code):  # type: ignore[no-untyped-def]
    response = post(client, body)
    assert response.status_code == 422
    answer = response.json()
    assert set(answer) == {"error", "message", "fields", "field_codes"}
    assert answer["field_codes"][field] == code and answer["fields"][field]
    assert Complaint.objects.count() == 0 and IdempotencyKey.objects.count() == 0


def test_errors_speak_the_callers_language(client):  # type: ignore[no-untyped-def]
    chinese = post(client, a_complaint(imei="1")).json()
    english = post(client, a_complaint(imei="1"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert "IMEI 无效" in chinese["fields"]["imei"]
    assert english["fields"]["imei"].startswith("Not a valid IMEI")


def test_malformed_json_is_a_clear_422(client):  # type: ignore[no-untyped-def]
    response = post(client, '{"text": "broken', HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["error"] == "malformed_json"
    assert response.json()["fields"]["body"] == "The request body is not valid JSON."


def test_an_oversized_body_is_refused_with_413_and_logged(client, settings, caplog):  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, a_complaint(text="很长" * 20_000))
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"
    assert "oversized request refused" in caplog.text
    assert Complaint.objects.count() == 0


def test_html_and_injection_attempts_are_stored_as_plain_text(client):  # type: ignore[no-untyped-def]
    text = "<script>alert(1)</script>'; DROP TABLE complaints_complaint; -- 屏幕坏了"
    receipt = post(client, a_complaint(text=text)).json()
    page = client.get(receipt["tracking_url"].replace("http://127.0.0.1:8000", "")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert Message.objects.get().body == text.strip()
