"""The quality bar of the right to be forgotten: after erasure nothing of the customer is found in any
table, the search index or any stored or generated file; the evidence ledger still verifies; report
figures do not change. (Issue: evidence and privacy, quality bars; PIPL art. 47.)

Personas: 林晓雯 (privacy_fixtures); alice, the agent who answers her; adam, the administrator.
"""

from datetime import timedelta

import pytest

from aftersales.accounts.models import Customer, ErasureRequest
from aftersales.accounts.tasks import data_export_build_task, erasure_sweep_task
from aftersales.accounts.tests.privacy_fixtures import (
    EMAIL,
    NAME,
    NEEDLES,
    OPENID,
    PHONE,
    bearer,
    customer_session,
    found_in_files,
    found_in_search_index,
    found_in_tables,
    her_mail,
    post,
)
from aftersales.common import clock
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.evidence.services import seal_all
from aftersales.evidence.signing import signing_key_generate
from aftersales.evidence.verify import ledger_verify
from aftersales.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_KEY_DIR = tmp_path / "evidence-keys"
    signing_key_generate()
    return settings.MEDIA_ROOT


def report_figures() -> dict[str, object]:
    """What reports count: complaints by state, category, channel and city, messages, events, notifications."""
    from django.db.models import Count

    def grouped(field: str) -> list[tuple[object, int]]:
        return sorted(Complaint.objects.values_list(field).annotate(n=Count("pk")).values_list(field, "n"))

    return {
        "state": grouped("state"),
        "category": grouped("category"),
        "channel": grouped("channel"),
        "city": grouped("city"),
        "priority": grouped("priority"),
        "messages": Message.objects.count(),
        "events": TimelineEvent.objects.exclude(kind="erasure").count(),
        "notifications": Notification.objects.exclude(reason__startswith="erasure_").count(),
        "customers": Customer.objects.count(),
    }


@pytest.fixture
def lin(client, alice, storage, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """林晓雯 after using every channel; returns her customer row."""
    from aftersales.accounts.models import CustomerIdentity
    from aftersales.intake.channels.email.services import mail_receive
    from aftersales.intake.channels.social.models import ChannelConversation, ChannelDelivery

    with django_capture_on_commit_callbacks(execute=True):
        opened = post(
            client,
            "/api/v1/complaints",
            {
                "text": "紫檀木手机壳 Rosewood case 让屏幕裂了,请回电 １３９１２３４５６７８,地址桂花巷 8 号。😢",
                "name": NAME,
                "phone": "139 1234 5678",
                "email": EMAIL,
                "channel": "app",
            },
        )
    assert opened.status_code == 201, opened.content
    number = opened.json()["number"]
    complaint = Complaint.objects.get(number=number)
    customer = complaint.customer
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(
            client,
            f"/api/v1/complaints/{number}/messages",
            {"body": f"{NAME}您好,紫檀木手机壳的问题已登记,我们会致电 13912345678。"},
            **bearer(alice),
        )
        assert reply.status_code == 201, reply.content
        post(
            client,
            f"/api/v1/complaints/{number}/notes",
            {"body": "客户林晓雯很着急,桂花巷附近有网点"},
            **bearer(alice),
        )
        mail_receive(raw=her_mail(number), source="test")
    # Her WeChat: the platform's id for her, a delivery and the conversation it opened.
    now = clock.now()
    CustomerIdentity.objects.create(
        customer=customer, kind="wechat_openid", value=OPENID, created_at=now, verified_at=now
    )
    ChannelDelivery.objects.create(
        channel="wechat",
        account="gh_brand",
        key=f"{OPENID}:1764570000",
        sender_id=OPENID,
        message_type="text",
        complaint=complaint,
        outcome="added",
        reply_text=f"{NAME},已收到",
        received_at=now,
    )
    ChannelConversation.objects.create(
        channel="wechat", account="gh_brand", sender_id=OPENID, complaint=complaint, updated_at=now
    )
    session = customer_session(client, PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/api/v1/privacy/exports", **session)
    assert asked.status_code == 202
    data_export_build_task(asked.json()["id"])
    return customer, session


def test_after_erasure_nothing_of_the_customer_is_found_anywhere(
    client, adam, lin, storage, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    customer, session = lin
    # Before: she is everywhere, so the searches below can fail.
    before = found_in_tables(NEEDLES)
    for where in (
        "accounts_customer.name",
        "complaints_message.body",
        "email_channel_receivedmail.sender",
        "accounts_customeridentity.value",
        "accounts_onetimecode.phone",
        "email_channel_sentmail.recipient",
    ):
        assert any(hit.startswith(where) for hit in before), where
    assert found_in_search_index(("紫檀", "rosewood", "13912345678"))
    assert any("mail/" in hit for hit in found_in_files(storage, NEEDLES))
    assert any(".zip!" in hit for hit in found_in_files(storage, NEEDLES))
    seal_all(actor=__import__("aftersales.accounts.actors", fromlist=["SYSTEM"]).SYSTEM)
    figures = report_figures()

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/api/v1/privacy/erasure", **session)
    assert asked.status_code == 202
    request = ErasureRequest.objects.get(pk=asked.json()["id"])
    # Within the cooling-off period nothing happens.
    assert erasure_sweep_task() == []
    with (
        clock.travel_to(request.due_at + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert erasure_sweep_task() == [request.pk]

    assert found_in_tables(NEEDLES) == []
    assert found_in_tables((OPENID,)) == []
    assert found_in_search_index(("紫檀", "rosewood", "13912345678", "桂花", "晓雯")) == []
    assert found_in_files(storage, NEEDLES) == []
    # The ledger, sealed before and after, still verifies with every record checked.
    seal_all(actor=__import__("aftersales.accounts.actors", fromlist=["SYSTEM"]).SYSTEM)
    report = ledger_verify(check_records=True)
    assert report.ok, report.problem
    assert report_figures() == figures
    # The erasure is on the timeline, without the data; the customer was told.
    event = TimelineEvent.objects.get(kind="erasure")
    assert event.payload["request"] == request.pk and event.payload["erased"]["messages"] == 4
    confirmation = Notification.objects.get(reason="erasure_done")
    assert str(request.pk) in confirmation.body and confirmation.recipient == f"customer:{customer.pk}"
    request.refresh_from_db()
    assert request.state == "done" and request.outcome["email"]["mail_attachments"] == 1
    # Her sessions ended with the erasure.
    assert client.get("/api/v1/privacy/erasure", **session).status_code == 401


def test_the_confirmation_goes_to_the_contact_read_before_erasure(
    client, lin, django_capture_on_commit_callbacks, monkeypatch
):  # type: ignore[no-untyped-def]
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "aftersales.notifications.services.sms_send", lambda *, phone, text: sent.append((phone, text))
    )
    customer, session = lin
    with django_capture_on_commit_callbacks(execute=True):
        request_id = client.post("/api/v1/privacy/erasure", **session).json()["id"]
    due = ErasureRequest.objects.get(pk=request_id).due_at
    with clock.travel_to(due), django_capture_on_commit_callbacks(execute=True):
        erasure_sweep_task()
    assert [phone for phone, _ in sent] == [PHONE, PHONE]  # requested, then done
    assert f"#{request_id}" in sent[-1][1]
    assert Customer.objects.get(pk=customer.pk).phone is None
