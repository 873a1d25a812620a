"""A complaint that names a danger is answered at once with what keeps the customer safe (item 10)."""

import json

import pytest

from aftersales.complaints.tests.factories import new_imei
from aftersales.notifications.models import Notification

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
SAFETY = "冒烟起火,烧伤了手"


def file(client, text, **headers):  # type: ignore[no-untyped-def]
    body = {"text": text, "phone": "13800138000", "imei": new_imei()}
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_the_receipt_of_a_safety_complaint_tells_the_customer_to_stop_using_the_device(client):  # type: ignore[no-untyped-def]
    receipt = file(client, SAFETY).json()
    assert receipt["advice"] and "停止使用" in receipt["advice"][0]
    english = file(client, "the battery is swollen and smoking", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "stop using" in english["advice"][0]


def test_a_routine_complaint_gets_no_safety_advice(client):  # type: ignore[no-untyped-def]
    assert file(client, "充电有点慢").json()["advice"] == []


def test_the_acknowledgement_and_the_tracking_page_lead_with_the_advice(
    client, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        receipt = file(client, SAFETY).json()
    sms = Notification.objects.get(reason="acknowledgement")
    assert sms.body.startswith("为了您的安全")
    page = client.get(receipt["tracking_url"].split("8000", 1)[1]).content.decode()
    assert 'class="advice"' in page and "停止使用" in page
