"""The progress endpoint an app or mini-program polls.

- an app user who filed anonymously and holds the tracking token
- carol: signed in to the app; dave: signed in, not hers
- alice: the agent whose reply and internal note move the complaint on
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.tests.test_api import bearer, customer_token

pytestmark = pytest.mark.django_db


def file_complaint(client, **extra):  # type: ignore[no-untyped-def]
    body = {"text": "手机充电口松动,充不进电 🔌", "phone": "13800138000", "channel": "app", **extra}
    answer = client.post("/api/v1/complaints", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201
    return answer.json()["number"], answer.json()["tracking_token"]


def test_it_answers_state_stage_deadline_and_last_event_with_an_etag(client):  # type: ignore[no-untyped-def]
    number, token = file_complaint(client)
    answer = client.get(f"/api/v1/complaints/{number}/progress", HTTP_X_TRACKING_TOKEN=token)
    assert answer.status_code == 200
    body = answer.json()
    complaint = Complaint.objects.get(number=number)
    assert body["state"] == "accepted" and body["stage"] == "已受理"
    assert body["next_deadline_at"] is not None and body["next_deadline"].endswith("_due_at")
    assert body["next_deadline_at"].endswith("Z") or body["next_deadline_at"].endswith("+00:00")
    last = TimelineEvent.objects.filter(complaint=complaint).order_by("-seq").first()
    assert body["last_event_at"] is not None and last is not None
    assert answer["ETag"].startswith('"') and "private" in answer["Cache-Control"]
    english = client.get(f"/api/v1/complaints/{number}/progress?token={token}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["stage"] == "accepted"
    assert english["ETag"] != answer["ETag"]  # the words differ, so does the version


def test_an_unchanged_complaint_answers_304_without_reading_the_timeline(client):  # type: ignore[no-untyped-def]
    number, token = file_complaint(client)
    url = f"/api/v1/complaints/{number}/progress"
    etag = client.get(url, HTTP_X_TRACKING_TOKEN=token)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_X_TRACKING_TOKEN=token, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    timeline_table = TimelineEvent._meta.db_table
    assert not [q["sql"] for q in queries.captured_queries if timeline_table in q["sql"]]
    assert len(queries.captured_queries) <= 2
    # The same check can fail: a 200 reads the timeline.
    with CaptureQueriesContext(connection) as queries:
        client.get(url, HTTP_X_TRACKING_TOKEN=token, HTTP_IF_NONE_MATCH='"0-stale", W/"other"')
    assert any(timeline_table in q["sql"] for q in queries.captured_queries)


def test_a_reply_changes_the_etag_and_the_last_event(client, alice):  # type: ignore[no-untyped-def]
    number, token = file_complaint(client)
    url = f"/api/v1/complaints/{number}/progress"
    first = client.get(url, HTTP_X_TRACKING_TOKEN=token)
    complaint = Complaint.objects.get(number=number)
    services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="您好,请到店检测充电口。")
    later = client.get(url, HTTP_X_TRACKING_TOKEN=token, HTTP_IF_NONE_MATCH=first["ETag"])
    assert later.status_code == 200
    assert later["ETag"] != first["ETag"]
    assert later.json()["version"] > first.json()["version"]
    assert later.json()["last_event_at"] >= first.json()["last_event_at"]


def test_an_internal_note_is_not_a_step_the_customer_sees(client, alice):  # type: ignore[no-untyped-def]
    number, token = file_complaint(client)
    url = f"/api/v1/complaints/{number}/progress"
    complaint = Complaint.objects.get(number=number)
    before = client.get(url, HTTP_X_TRACKING_TOKEN=token).json()["last_event_at"]
    services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body="客户语气激动,注意安抚")
    assert client.get(url, HTTP_X_TRACKING_TOKEN=token).json()["last_event_at"] == before
    note_at = TimelineEvent.objects.filter(complaint=complaint).order_by("-seq").first()
    assert note_at is not None and note_at.kind == TimelineEvent.Kind.NOTE
    staff_sees = client.get(url, **bearer(alice)).json()["last_event_at"]
    assert staff_sees != before


def test_the_customer_apis_authentication_decides_who_may_poll(client, carol, dave):  # type: ignore[no-untyped-def]
    carol_auth = customer_token(client, "+8613800138000")
    dave_auth = customer_token(client, "+8613900139000")
    answer = client.post(
        "/api/v1/complaints",
        json.dumps({"text": "屏幕有亮点", "channel": "app"}),
        content_type="application/json",
        **carol_auth,
    )
    number = answer.json()["number"]
    url = f"/api/v1/complaints/{number}/progress"
    assert client.get(url, **carol_auth).status_code == 200
    assert client.get(url, **dave_auth).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_X_TRACKING_TOKEN="guess").status_code == 404
    assert client.get("/api/v1/complaints/CN20260101000000/progress", **carol_auth).status_code == 404
