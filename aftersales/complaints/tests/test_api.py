"""The complaint API as each role sees it, and query-count guards on lists and details."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.services import api_token_create
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def post(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def customer_token(client, phone):  # type: ignore[no-untyped-def]
    from aftersales.accounts.models import OneTimeCode

    # In DEBUG the answer carries the code that went to the SMS gateway.
    with override_settings(OTP_ECHO_FOR_TESTS=True):
        asked = client.post("/api/v1/auth/otp", json.dumps({"phone": phone}), content_type="application/json")
    assert OneTimeCode.objects.filter(phone=phone).exists()
    code = asked.json()["debug_code"]
    answer = post(client, "/api/v1/auth/otp/verify", {"phone": phone, "code": code})
    assert answer.status_code == 200
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}


def test_an_illegal_move_answers_409_naming_the_state_and_the_allowed_steps(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    response = post(
        client,
        f"/api/v1/complaints/{complaint.number}/transitions",
        {"action": "archive"},
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(alice),
    )
    assert response.status_code == 409
    message = response.json()["message"]
    assert "accepted" in message and "start processing" in message and "resolve" in message
    assert "Cannot archive: complaint" in message


def test_staff_work_a_complaint_through_its_stages_over_the_api(client, alice, tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    url = f"/api/v1/complaints/{complaint.number}"
    assert (
        post(client, f"{url}/messages", {"body": "您好,请提供购买凭证"}, **bearer(alice)).status_code == 201
    )
    for action, reason in [("start_processing", ""), ("escalate", "需要技术团队"), ("resolve", "更换屏幕")]:
        response = post(client, f"{url}/transitions", {"action": action, "reason": reason}, **bearer(tom))
        assert response.status_code == 200, response.json()
    detail = client.get(url, **bearer(alice)).json()
    assert detail["state"] == "resolved" and detail["level"] == "L2" and detail["owner"] == "alice"
    statuses = [e["payload"]["to"] for e in detail["timeline"] if e["kind"] == "status"]
    assert statuses == ["processing", "escalated", "resolved"]
    assert "reopen" in detail["allowed_actions"]


ROLE_MATRIX = [
    # (persona, may list all queues, may read an agents' complaint, may reply, may resolve)
    ("alice", True, True, True, True),
    ("tom", True, True, True, True),
    ("erin", True, True, True, True),
    ("adam", True, True, True, True),
    ("oscar", False, False, False, False),
]


@pytest.mark.parametrize(("persona", "lists", "reads", "replies", "resolves"), ROLE_MATRIX)
def test_role_matrix(client, request, persona, lists, reads, replies, resolves):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(persona)
    complaint = submit_complaint()
    headers = bearer(user)
    url = f"/api/v1/complaints/{complaint.number}"
    queue = client.get("/api/v1/complaints?team=agents", **headers)
    assert queue.status_code == 200
    assert (complaint.number in [c["number"] for c in queue.json()]) is lists
    assert (client.get(url, **headers).status_code == 200) is reads
    assert (post(client, f"{url}/messages", {"body": "hello"}, **headers).status_code == 201) is replies
    resolved = post(client, f"{url}/transitions", {"action": "resolve", "reason": "done"}, **headers)
    assert (resolved.status_code == 200) is resolves
    if not resolves:
        # A complaint the caller may not see answers as one that does not exist.
        assert resolved.status_code == 404
        assert Complaint.objects.get(pk=complaint.pk).state == "accepted"


def test_outlet_staff_cannot_tell_a_complaint_outside_their_team_from_a_missing_one(client, oscar):  # type: ignore[no-untyped-def]
    outside = submit_complaint()
    missing = outside.number[:-1] + ("0" if outside.number[-1] != "0" else "1")
    assert not Complaint.objects.filter(number=missing).exists()
    for path, body in [("", None), ("/messages", {"body": "x"}), ("/transitions", {"action": "resolve"})]:
        answers = [
            client.get(f"/api/v1/complaints/{number}{path}", **bearer(oscar))
            if body is None
            else post(client, f"/api/v1/complaints/{number}{path}", body, **bearer(oscar))
            for number in (outside.number, missing)
        ]
        assert [a.status_code for a in answers] == [404, 404], path
        assert answers[0].json() == answers[1].json(), path


def test_outlet_staff_see_only_their_outlets_queue(client, oscar):  # type: ignore[no-untyped-def]
    mine = submit_complaint()
    submit_complaint(phone="+8613700137000")
    Complaint.objects.filter(pk=mine.pk).update(team=oscar.team)
    queue = client.get("/api/v1/complaints?team=agents", **bearer(oscar)).json()
    assert [c["number"] for c in queue] == [mine.number]


def test_a_customer_signs_in_with_a_code_and_sees_only_their_own(client, carol, dave):  # type: ignore[no-untyped-def]
    own = submit_complaint(phone=carol.phone)
    other = submit_complaint(phone=dave.phone)
    headers = customer_token(client, carol.phone)
    listed = client.get("/api/v1/complaints", **headers).json()
    assert [c["number"] for c in listed] == [own.number]
    assert client.get(f"/api/v1/complaints/{own.number}", **headers).status_code == 200
    assert client.get(f"/api/v1/complaints/{other.number}", **headers).status_code == 404
    assert post(client, f"/api/v1/complaints/{own.number}/notes", {"body": "x"}, **headers).status_code == 403
    added = post(client, f"/api/v1/complaints/{own.number}/messages", {"body": "补充一下情况"}, **headers)
    assert added.status_code == 201 and added.json()["event"]["actor"] == "customer"
    assert added.json()["outcome"] == "added" and added.json()["complaint"] == own.number


def test_a_wrong_code_is_refused_and_counted(client, carol):  # type: ignore[no-untyped-def]
    from aftersales.accounts.models import OneTimeCode

    post(client, "/api/v1/auth/otp", {"phone": carol.phone})
    for _ in range(2):
        answer = post(client, "/api/v1/auth/otp/verify", {"phone": carol.phone, "code": "000000x"})
        assert answer.status_code == 422 and answer.json()["field_codes"]["code"] == "otp_invalid"
    assert OneTimeCode.objects.get(phone=carol.phone).attempts == 2


def test_anonymous_callers_and_forged_tokens_are_turned_away(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    assert client.get(f"/api/v1/complaints/{complaint.number}").status_code == 401
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION="Bearer st_forged").status_code == 401
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION="Bearer cs_forged").status_code == 401
    assert client.get(f"/api/v1/complaints/{complaint.number}?token=forged").status_code == 404


def test_the_queue_is_ordered_by_deadline_and_costs_the_same_queries_for_5_or_25_rows(client, alice):  # type: ignore[no-untyped-def]
    headers = bearer(alice)
    for index in range(5):
        submit_complaint(phone=f"+86138001380{index:02d}", text="屏幕坏了")
    with CaptureQueriesContext(connection) as few:
        first = client.get("/api/v1/complaints?team=agents", **headers)
    for index in range(5, 25):
        submit_complaint(phone=f"+86138001380{index:02d}")
    Complaint.objects.update(owner=alice)
    with CaptureQueriesContext(connection) as many:
        second = client.get("/api/v1/complaints?team=agents", **headers)
    assert len(first.json()) == 5 and len(second.json()) == 25
    assert len(many.captured_queries) == len(few.captured_queries) <= 4
    deadlines = [row["next_deadline_at"] for row in second.json()]
    assert deadlines == sorted(deadlines)


def test_the_detail_costs_a_fixed_number_of_queries_however_long_the_timeline(client, alice):  # type: ignore[no-untyped-def]
    headers = bearer(alice)
    complaint = submit_complaint()
    url = f"/api/v1/complaints/{complaint.number}"
    with CaptureQueriesContext(connection) as short:
        client.get(url, **headers)
    for index in range(17):
        services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body=f"note {index}")
    with CaptureQueriesContext(connection) as long:
        detail = client.get(url, **headers).json()
    assert len(detail["timeline"]) >= 20
    assert len(long.captured_queries) == len(short.captured_queries) <= 6


def test_an_empty_or_oversized_message_is_refused_and_nothing_is_added(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    url = f"/api/v1/complaints/{complaint.number}/messages"
    empty = post(client, url, {"body": "   "}, **bearer(alice))
    long = post(client, url, {"body": "字" * 5001}, HTTP_ACCEPT_LANGUAGE="en", **bearer(alice))
    assert empty.status_code == 422 and empty.json()["field_codes"]["body"] == "reply_empty"
    assert long.status_code == 422 and long.json()["fields"]["body"].startswith("Too long: at most 5000")
    assert complaint.events.count() == 3 and Complaint.objects.get(pk=complaint.pk).owner is None
