"""What intake does under its write lock: only writes. The model reads the text once, and the
new complaint's team and deadlines are worked out, before the transaction opens.

SQLite's write transaction is the database's only write lock, and PostgreSQL's row locks last
until COMMIT: anything slow inside it makes every other intake wait.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.intake import services as intake_services
from aftersales.triage import services as triage_services

URL = "/api/v1/complaints"
BODY = {
    "channel": "app",
    "text": "屏幕閃爍，充電很慢，電池掉電也快。用原裝充電器充一晚上才到８０％🔋",
    "phone": "１３７ ００００ ００４２",
    "name": "王芳",
    "city": "上海",
}


@pytest.fixture
def outside_the_lock(monkeypatch):  # type: ignore[no-untyped-def]
    """Records, for each call of the model and of the deadline work, whether a transaction was open."""
    calls: dict[str, list[bool]] = {"model": [], "draft": []}

    def spy(name, function):  # type: ignore[no-untyped-def]
        def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls[name].append(connection.in_atomic_block)
            return function(*args, **kwargs)

        return recorded

    monkeypatch.setattr(triage_services, "categorise", spy("model", triage_services.categorise))
    monkeypatch.setattr(intake_services, "complaint_draft", spy("draft", intake_services.complaint_draft))
    return calls


@pytest.mark.django_db(transaction=True)
def test_the_model_reads_the_text_once_and_before_the_transaction_opens(client, outside_the_lock):  # type: ignore[no-untyped-def]
    response = client.post(URL, json.dumps(BODY), content_type="application/json")

    assert response.status_code == 201, response.content
    assert outside_the_lock["model"] == [False]
    assert outside_the_lock["draft"] == [False]
    complaint = Complaint.objects.get(number=response.json()["number"])
    # The category was still read from the text (Traditional Chinese, full-width digits).
    assert complaint.category == "battery_charging"
    assert complaint.triage_model != "lexicon-1"


@pytest.mark.django_db(transaction=True)
def test_a_staff_member_logging_a_call_owns_the_complaint_from_its_single_insert(alice, client):  # type: ignore[no-untyped-def]
    from aftersales.accounts.services import api_token_create

    token = api_token_create(user=alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL,
            json.dumps({**BODY, "channel": "hotline"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.owner == alice
    assert complaint.responded_at == complaint.created_at  # spoken to on the phone
    kinds = list(
        TimelineEvent.objects.filter(complaint=complaint).order_by("seq").values_list("kind", flat=True)
    )
    assert kinds == ["created", "assignment", "message_in", "triage"]
    assert complaint.event_count == 4
    # The row is written once: no UPDATE of the complaint after its INSERT.
    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "complaints_complaint"')
    ]
    assert updates == []


@pytest.mark.django_db(transaction=True)
def test_a_new_customer_s_intake_writes_without_reading_back(client, settings):  # type: ignore[no-untyped-def]
    # The test runs inside one outer transaction, where a drain of the outbox after the
    # intake's commit would also count; the beat drains it in service.
    settings.OUTBOX_NUDGE = False
    in_transaction: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if connection.in_atomic_block and not sql.startswith(("SAVEPOINT", "RELEASE")):
            in_transaction.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post(URL, json.dumps(BODY), content_type="application/json")
    assert response.status_code == 201, response.content
    reads = [sql for sql in in_transaction if sql.startswith("SELECT") and "nextval" not in sql]
    # The reads under the lock: who owns the phone number, and, since the customer named a
    # city to dispatch from, whether the outlet index built before the lock is still current.
    assert len(reads) == 2, reads
    assert "accounts_customeridentity" in reads[0] and "network_networkversion" in reads[1], reads
    # Customer, identity, number, complaint, message, search document (two on SQLite), events,
    # ledger, and the acknowledgement's outbox row.
    assert len(in_transaction) <= 12, in_transaction


@pytest.mark.django_db
def test_a_draft_made_for_another_level_is_made_again(carol):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from aftersales.accounts.actors import customer_actor
    from aftersales.complaints import sla
    from aftersales.policy.pack import current_pack
    from aftersales.triage.services import TriageResult

    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    l1 = TriageResult(category="battery_charging", confidence=0.9, priority=3, level="L1")
    l3 = TriageResult(category="battery_charging", confidence=0.9, priority=1, level="L3")
    actor = customer_actor(carol.pk)
    draft = complaint_services.complaint_draft(
        actor=actor, channel="app", subject="电池鼓包", body="电池鼓包冒烟", triage=l1, at=at
    )
    assert {"电池", "鼓包", "冒烟"} <= draft.search_terms
    complaint = complaint_services.complaint_open(
        actor=actor,
        customer=carol,
        contact=None,
        device=None,
        channel="app",
        language="zh-hans",
        subject="电池鼓包",
        body="电池鼓包冒烟",
        triage=l3,
        at=at,
        draft=draft,
    )
    pack = current_pack()
    assert complaint.level == "L3"
    assert complaint.team == pack.levels["L3"].team
    assert complaint.level_response_due_at == sla.level_response_deadline(at, "L3", pack)
