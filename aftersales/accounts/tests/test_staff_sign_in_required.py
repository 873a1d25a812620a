"""Staff-only endpoints answer a caller who signed in as nobody the same way: 401
`staff_sign_in_required`, in the caller's language; a signed-in customer gets 403.

Personas: a stranger (no credentials at all); carol, a customer signed in with her session
token; alice, an agent (L1), for the contrast.
"""

import json

import pytest

from aftersales.accounts.services import api_token_create, customer_session_open
from aftersales.accounts.tests.factories import CustomerFactory, StaffFactory
from aftersales.common import clock

pytestmark = pytest.mark.django_db

# (method, path, JSON body): each valid as a request, so only who calls decides the answer.
STAFF_ONLY = [
    ("post", "/api/v1/triage", {"text": "屏幕碎了😭，充电也很慢"}),
    ("get", "/api/v1/triage/quality", None),
    ("get", "/api/v1/customers/lookup?phone=13800138000", None),
    ("get", "/api/v1/channels/hotline/call-backs", None),
    ("post", "/api/v1/channels/hotline/call-backs/1/done", None),
    ("get", "/api/v1/complaints", None),
    (
        "post",
        "/api/v1/parts/transfers",
        {"part": "BAT-01", "quantity": 1, "source": "depot:south", "destination": "sz-01"},
    ),
]


def call(client, method, path, body, **headers):  # type: ignore[no-untyped-def]
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ONLY)
def test_a_stranger_is_asked_to_sign_in_as_staff(client, method, path, body):  # type: ignore[no-untyped-def]
    answer = call(client, method, path, body)
    assert answer.status_code == 401, answer.content
    assert answer.json()["error"] == "staff_sign_in_required"
    assert answer.json()["message"] == "请使用员工账号登录。"
    english = call(client, method, path, body, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Sign in with your staff account."


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ONLY[:2])
def test_a_signed_in_customer_is_refused_not_asked_to_sign_in(client, method, path, body):  # type: ignore[no-untyped-def]
    carol = CustomerFactory()
    token = customer_session_open(customer=carol, at=clock.now())
    answer = call(client, method, path, body, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 403, answer.content


def test_an_agent_may_triage(client):  # type: ignore[no-untyped-def]
    alice = StaffFactory(username="alice")
    method, path, body = STAFF_ONLY[0]
    token = api_token_create(user=alice)
    assert call(client, method, path, body, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_a_stranger_asking_for_a_data_export_is_asked_to_sign_in(client):  # type: ignore[no-untyped-def]
    answer = client.post("/api/v1/privacy/exports")
    assert answer.status_code == 401 and answer.json()["error"] == "unauthenticated"
