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


def test_strangers_are_asked_to_sign_in_as_staff(client):  # type: ignore[no-untyped-def]
    answer = post(client, {"text": "屏幕坏了"})
    assert answer.status_code == 401 and answer.json()["error"] == "staff_sign_in_required"


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


def test_a_complaint_about_two_faults_keeps_the_second_for_staff_and_self_help(client, alice):  # type: ignore[no-untyped-def]
    from aftersales.complaints.models import Complaint

    text = "屏幕摔碎了，触摸失灵，而且电池鼓包，充电也充不进去"
    triaged = post(client, {"text": text}, alice).json()
    assert triaged["category"] == "screen"
    assert [(a["category"], a["clause_share"]) for a in triaged["alternatives"]] == [
        ("battery_charging", 0.5)
    ]
    receipt = client.post(
        "/api/v1/complaints",
        json.dumps({"text": text, "phone": "13800138000"}),
        content_type="application/json",
    ).json()
    complaint = Complaint.objects.get(number=receipt["number"])
    assert [a["category"] for a in complaint.triage_alternatives] == ["battery_charging"]
    # The customer gets the self-check steps of both faults, the main one first.
    articles = [item["article"] for item in receipt["self_help"]]
    assert articles == ["touch-failure", "cracked-screen", "slow-charging", "battery-health"]
    staff = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=alice)}"}
    detail = client.get(f"/api/v1/complaints/{complaint.number}", **staff).json()
    assert detail["triage_alternatives"] == complaint.triage_alternatives
    queue = client.get(f"/api/v1/complaints?team={complaint.team}", **staff).json()
    assert [row["triage_alternatives"] for row in queue if row["number"] == complaint.number] == [
        complaint.triage_alternatives
    ]


def test_an_unsure_complaint_waits_for_human_triage(client):  # type: ignore[no-untyped-def]
    from aftersales.complaints.models import Complaint

    receipt = client.post(
        "/api/v1/complaints",
        json.dumps({"text": "😡😡😡", "phone": "13800138000"}),
        content_type="application/json",
    ).json()
    assert Complaint.objects.get(number=receipt["number"]).team == "triage"
