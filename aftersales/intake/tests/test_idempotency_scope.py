"""An Idempotency-Key is the caller's own: a replay answers only the caller who sent the first request.

- carol: a customer, signed in, who files a complaint with a key her app drew
- mallory: someone who learns carol's key and request body (a shared proxy log, a bug report)
- staff alice files for customers on the hotline with keys of her own
"""

import json

import pytest

from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.test_api import bearer, customer_token
from aftersales.intake.models import IdempotencyKey

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
CAROLS = "+8613800138000"


def post(client, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_a_signed_in_customers_key_replays_nothing_to_anyone_else(client, carol, alice):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕闪烁", "phone": CAROLS}
    carols_session = customer_token(client, CAROLS)
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="app-7f3a", **carols_session)
    assert first.status_code == 201
    token, number = first.json()["tracking_token"], first.json()["number"]
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="app-7f3a", **carols_session)
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["number"] == number
    # Mallory, anonymous, and alice, staff, send the same key and body: each is a request of their own.
    callers: list[dict] = [{}, bearer(alice)]
    for headers in callers:
        other = post(client, body, HTTP_IDEMPOTENCY_KEY="app-7f3a", **headers)
        assert other.status_code == 201 and other.json()["replayed"] is False
        assert token not in other.content.decode() and other.json()["number"] != number
    assert Complaint.objects.count() == 3


def test_an_anonymous_key_replays_only_to_the_client_that_sent_it(client):  # type: ignore[no-untyped-def]
    body = {"text": "充不进电", "phone": CAROLS}
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="198.51.100.7")
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="198.51.100.7")
    assert (
        again.json()["replayed"] is True and again.json()["tracking_token"] == first.json()["tracking_token"]
    )
    elsewhere = post(client, body, HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.json()["replayed"] is False
    assert elsewhere.json()["tracking_token"] != first.json()["tracking_token"]


def test_a_key_longer_than_the_limit_is_refused_and_names_the_header(client):  # type: ignore[no-untyped-def]
    body = {"text": "充不进电", "phone": CAROLS}
    refused = post(client, body, HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert refused.status_code == 422
    assert refused.json()["field_codes"] == {"Idempotency-Key": "idempotency_key_too_long"}
    assert "100" in refused.json()["fields"]["Idempotency-Key"]
    assert Complaint.objects.count() == 0 and IdempotencyKey.objects.count() == 0
    # Keys that differ only after the 100th character are not cut into one.
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="k" * 100).status_code == 201
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="k" * 100 + "x").status_code == 422
