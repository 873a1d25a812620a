"""Erasure requests: the cooling-off period, cancelling, legal holds, who may ask.

Personas (conftest): carol, a customer; dave, another; alice, an agent; adam, an administrator.
"""

from datetime import date, timedelta

import pytest

from aftersales.accounts.models import Customer, ErasureRequest, LegalHold
from aftersales.accounts.privacy.services import erasure_sweep
from aftersales.accounts.tests.privacy_fixtures import bearer, customer_session, post
from aftersales.common import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_session(client, carol):  # type: ignore[no-untyped-def]
    return customer_session(client, carol.phone)


def test_a_customer_asks_and_the_request_waits_for_the_cooling_off_period(client, carol, carol_session):  # type: ignore[no-untyped-def]
    answer = client.post("/api/v1/privacy/erasure", **carol_session)
    assert answer.status_code == 202
    request = ErasureRequest.objects.get(pk=answer.json()["id"])
    assert request.due_at - request.requested_at == timedelta(days=7)  # the demo pack's period
    assert erasure_sweep() == []
    assert Customer.objects.get(pk=carol.pk).name == "Carol"
    # Asking again returns the same request.
    assert client.post("/api/v1/privacy/erasure", **carol_session).json()["id"] == request.pk


def test_a_customer_cancels_within_the_period_and_nothing_is_erased(client, carol, carol_session):  # type: ignore[no-untyped-def]
    request_id = client.post("/api/v1/privacy/erasure", **carol_session).json()["id"]
    cancelled = client.post(f"/api/v1/privacy/erasure/{request_id}/cancel", **carol_session)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    with clock.travel_to(clock.now() + timedelta(days=30)):
        assert erasure_sweep() == []
    assert Customer.objects.get(pk=carol.pk).erased_at is None
    again = client.post(f"/api/v1/privacy/erasure/{request_id}/cancel", **carol_session)
    assert again.status_code == 409 and again.json()["error"] == "erasure_not_pending"


def test_a_legal_hold_refuses_the_request_naming_the_hold_its_reason_and_end(
    client, carol, carol_session, adam
):  # type: ignore[no-untyped-def]
    ends = (clock.localdate(clock.now()) + timedelta(days=90)).isoformat()
    placed = post(
        client,
        f"/api/v1/privacy/customers/{carol.pk}/holds",
        {"kind": "court_order", "reason": "(2026)沪0115民初12345号", "ends_on": ends},
        **bearer(adam),
    )
    assert placed.status_code == 201, placed.content
    refused = client.post("/api/v1/privacy/erasure?lang=en", **carol_session)
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "legal_hold_active"
    assert (
        f"#{placed.json()['id']}" in body["message"]
        and "12345" in body["message"]
        and ends in body["message"]
    )


def test_a_hold_placed_during_the_cooling_off_keeps_the_request_until_released(
    client, carol, carol_session, adam
):  # type: ignore[no-untyped-def]
    request_id = client.post("/api/v1/privacy/erasure", **carol_session).json()["id"]
    hold = LegalHold.objects.create(
        customer=carol,
        kind="dispute",
        reason="12315 投诉未结",
        ends_on=date(2099, 1, 1),
        placed_by=f"staff:{adam.pk}",
        placed_at=clock.now(),
    )
    later = clock.now() + timedelta(days=8)
    with clock.travel_to(later):
        assert erasure_sweep() == []
        request = ErasureRequest.objects.get(pk=request_id)
        assert request.state == "pending" and request.held_by_id == hold.pk
        released = client.post(f"/api/v1/privacy/holds/{hold.pk}/release", **bearer(adam))
        assert released.status_code == 200 and released.json()["released_at"]
        assert erasure_sweep() == [request_id]
    assert Customer.objects.get(pk=carol.pk).erased_at is not None


def test_an_administrator_asks_for_a_customer_with_a_reason_and_an_agent_may_not(client, carol, alice, adam):  # type: ignore[no-untyped-def]
    refused = post(
        client, f"/api/v1/privacy/customers/{carol.pk}/erasure", {"reason": "hotline 4000"}, **bearer(alice)
    )
    assert refused.status_code == 403
    missing = post(client, f"/api/v1/privacy/customers/{carol.pk}/erasure", {"reason": "  "}, **bearer(adam))
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    asked = post(
        client, f"/api/v1/privacy/customers/{carol.pk}/erasure", {"reason": "热线来电 #4471"}, **bearer(adam)
    )
    assert asked.status_code == 202
    assert ErasureRequest.objects.get(pk=asked.json()["id"]).requested_by == f"staff:{adam.pk}"


def test_a_customer_cannot_cancel_someone_elses_request(client, carol, dave, carol_session):  # type: ignore[no-untyped-def]
    request_id = client.post("/api/v1/privacy/erasure", **carol_session).json()["id"]
    dave_session = customer_session(client, dave.phone)
    assert client.post(f"/api/v1/privacy/erasure/{request_id}/cancel", **dave_session).status_code == 404
    assert client.post("/api/v1/privacy/erasure").status_code == 401


def test_hostile_hold_input_is_refused_with_422(client, carol, adam):  # type: ignore[no-untyped-def]
    url = f"/api/v1/privacy/customers/{carol.pk}/holds"
    for body, field in (
        ({"kind": "whim", "reason": "x", "ends_on": "2099-01-01"}, "kind"),
        ({"kind": "dispute", "reason": "a\u0000b", "ends_on": "2099-01-01"}, "reason"),
        ({"kind": "dispute", "reason": "x", "ends_on": "2001-01-01"}, "ends_on"),
        ({"kind": "dispute", "reason": "x", "ends_on": "not a date"}, "ends_on"),
    ):
        answer = post(client, url, body, **bearer(adam))
        assert answer.status_code == 422, body
        assert field in answer.json()["fields"], (body, answer.json())


def test_the_admin_action_asks_through_the_service_and_names_a_hold_when_refused(client, carol, dave, adam):  # type: ignore[no-untyped-def]
    from aftersales.accounts.services import staff_enable_workspace

    LegalHold.objects.create(
        customer=dave,
        kind="court_order",
        reason="(2026)京0105民初777号",
        ends_on=date(2099, 1, 1),
        placed_by=f"staff:{adam.pk}",
        placed_at=clock.now(),
    )
    staff_enable_workspace(user=adam, password="a-long-admin-pass")
    client.force_login(adam)
    answer = client.post(
        "/admin/accounts/customer/",
        {"action": "request_erasure", "_selected_action": [carol.pk, dave.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert ErasureRequest.objects.get(customer=carol).requested_by == f"staff:{adam.pk}"
    assert not ErasureRequest.objects.filter(customer=dave).exists()
    assert "777" in page and "2099-01-01" in page
