"""A customer sees their complaint, not the service organisation's workings.

- carol: files a complaint that threatens the regulator; signs in, and also holds the tracking link
- alice: the agent who transfers, notes and moves it with reasons of her own
"""

import pytest

from aftersales.accounts.actors import staff_actor
from aftersales.complaints import services
from aftersales.complaints.schemas import (
    ComplaintDetailOut,
    ComplaintSummaryOut,
    CustomerComplaintOut,
    CustomerComplaintSummaryOut,
    CustomerTimelineEventOut,
    TimelineEventOut,
)
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.complaints.tests.test_api import bearer, customer_token

pytestmark = pytest.mark.django_db

STAFF_ONLY = {
    "team",
    "owner",
    "priority",
    "triage_alternatives",
    "triage_reasons",
    "triage_model",
    "category_confidence",
    "city",
    "language",
    "walk_in",
}


def test_the_customer_schemas_hold_no_staff_field_and_the_staff_schemas_extend_them():  # type: ignore[no-untyped-def]
    for customer, staff in (
        (CustomerComplaintSummaryOut, ComplaintSummaryOut),
        (CustomerComplaintOut, ComplaintDetailOut),
        (CustomerTimelineEventOut, TimelineEventOut),
    ):
        assert set(customer.model_fields) < set(staff.model_fields)
        assert not set(customer.model_fields) & (STAFF_ONLY | {"payload"})
    assert set(ComplaintDetailOut.model_fields) >= STAFF_ONLY


@pytest.fixture
def worked_complaint(alice, tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="+8613800138000", text="屏幕失灵,再不解决我就打12315投诉")
    agent = staff_actor(alice)
    services.complaint_add_note(actor=agent, complaint=complaint, body="客户情绪激动")
    services.complaint_transition(
        actor=agent, complaint=complaint, action="wait_for_customer", reason="需要技术支持"
    )
    complaint.refresh_from_db()
    services.complaint_reply(actor=agent, complaint=complaint, body="您好,已为您升级处理")
    return complaint


def _leaks(raw: str, complaint, alice) -> list[str]:  # type: ignore[no-untyped-def]
    secrets = [
        "alice",
        f"staff:{alice.pk}",
        "需要技术支持",
        "客户情绪激动",
        "legal threat",
        "监管/法律/媒体威胁",
        complaint.team,
        complaint.triage_model,
        '"priority"',
    ]
    return [secret for secret in secrets if secret and secret in raw]


def test_the_customer_signed_in_sees_no_internal_field_or_reason(client, alice, worked_complaint):  # type: ignore[no-untyped-def]
    headers = customer_token(client, "+8613800138000")
    for url in (
        f"/api/v1/complaints/{worked_complaint.number}",
        f"/api/v1/complaints/{worked_complaint.number}/timeline",
        "/api/v1/complaints",
    ):
        response = client.get(url, **headers)
        assert response.status_code == 200
        assert _leaks(response.content.decode(), worked_complaint, alice) == []
    detail = client.get(f"/api/v1/complaints/{worked_complaint.number}", **headers).json()
    assert set(detail) == set(CustomerComplaintOut.model_fields)
    kinds = [event["kind"] for event in detail["timeline"]]
    assert "note" not in kinds and "triage" not in kinds and "assignment" not in kinds
    assert {event["actor"] for event in detail["timeline"]} <= {"customer", "staff", "system"}
    # What a customer does need: the reply and the stage it moved to.
    assert any(event.get("body") == "您好,已为您升级处理" for event in detail["timeline"])
    assert any(event.get("state_to") == "waiting_customer" for event in detail["timeline"])


def test_the_tracking_link_and_page_show_the_same_customer_view(client, alice, worked_complaint):  # type: ignore[no-untyped-def]
    token = services.tracking_token(worked_complaint)
    api = client.get(f"/api/v1/complaints/{worked_complaint.number}?token={token}")
    page = client.get(f"/track/{worked_complaint.number}/?token={token}")
    for response in (api, page):
        assert response.status_code == 200
        assert _leaks(response.content.decode(), worked_complaint, alice) == []


def test_staff_still_see_everything(client, alice, worked_complaint):  # type: ignore[no-untyped-def]
    detail = client.get(f"/api/v1/complaints/{worked_complaint.number}", **bearer(alice)).json()
    assert set(detail) == set(ComplaintDetailOut.model_fields)
    assert detail["owner"] == "alice" and any(r["rule"] == "legal_threat" for r in detail["triage_reasons"])
