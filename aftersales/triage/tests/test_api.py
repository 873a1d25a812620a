import json

import pytest

from aftersales.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def post(client, body, user=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"} if user else {}
    return client.post("/api/v1/triage", json.dumps(body), content_type="application/json", **headers)


def test_staff_can_triage_a_text(client, alice):  # type: ignore[no-untyped-def]
    answer = post(client, {"text": "电池鼓包了，还冒烟，我要打12315"}, alice)
    assert answer.status_code == 200
    result = answer.json()
    assert result["category"] == "battery_charging" and result["priority"] == 1 and result["level"] == "L3"
    assert {r["rule"] for r in result["reasons"]} == {"safety", "legal_threat"}
    assert result["model"]


def test_customers_and_strangers_cannot(client):  # type: ignore[no-untyped-def]
    assert post(client, {"text": "屏幕坏了"}).status_code == 403


def test_a_text_over_the_limit_is_refused_with_its_field(client, alice):  # type: ignore[no-untyped-def]
    answer = post(client, {"text": "长" * 5001}, alice)
    assert answer.status_code == 422 and answer.json()["field_codes"]["text"] == "text_too_long"


def test_the_intake_receipt_carries_self_help_for_the_category(client):  # type: ignore[no-untyped-def]
    receipt = client.post(
        "/api/v1/complaints",
        json.dumps({"text": "电池健康度只有75%了，掉电很快", "phone": "13800138000"}),
        content_type="application/json",
    ).json()
    assert receipt["category"] == "battery_charging"
    rules = [rule for item in receipt["self_help"] for rule in item["rules"]]
    assert any("80%" in rule for rule in rules)


def test_an_unsure_complaint_waits_for_human_triage(client):  # type: ignore[no-untyped-def]
    from aftersales.complaints.models import Complaint

    receipt = client.post(
        "/api/v1/complaints",
        json.dumps({"text": "😡😡😡", "phone": "13800138000"}),
        content_type="application/json",
    ).json()
    assert Complaint.objects.get(number=receipt["number"]).team == "triage"
