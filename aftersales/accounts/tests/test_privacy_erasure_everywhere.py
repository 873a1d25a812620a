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


def repair_at_an_outlet(complaint: Complaint) -> None:
    """Her phone repaired at an outlet, the engineer's words naming her and her case, then rated."""
    from aftersales.repairs import services as repairs
    from aftersales.repairs.selectors import agreement_current
    from aftersales.repairs.tests.factories import make_bench

    bench = make_bench()
    Complaint.objects.filter(pk=complaint.pk).update(team=bench.outlet.team)
    complaint.refresh_from_db()
    order = repairs.repair_order_open(
        actor=bench.actor, complaint=complaint, outlet=bench.outlet, model_code="reno10"
    )
    order = repairs.repair_order_record_checks(
        actor=bench.actor,
        order=order,
        checks=[
            repairs.CheckResult(kind="touch", passed=False, count=3, note="林晓雯说紫檀木手机壳压到了屏幕"),
            repairs.CheckResult(kind="moisture", passed=True),
        ],
    )
    order = repairs.repair_order_diagnose(
        actor=bench.actor,
        order=order,
        diagnosis="紫檀木手机壳挤压导致触控失灵,客户林晓雯同意更换",
        items=[repairs.ItemRequest(part=bench.catalogue.screen.number)],
    )
    order = repairs.repair_order_quote(actor=bench.actor, order=order)
    order = repairs.repair_order_approve(actor=bench.actor, order=order, quote=order.quote_digest)
    current = agreement_current(at=clock.now())
    assert current is not None
    order = repairs.repair_order_accept_agreement(actor=bench.actor, order=order, version=current.version)
    order = repairs.repair_order_start(actor=bench.actor, order=order)
    repairs.repair_order_complete(actor=bench.actor, order=order)
    Complaint.objects.filter(pk=complaint.pk).update(satisfaction_score=4)


def kpi_figures() -> list[tuple]:
    from aftersales.reporting.models import OutletKpiReport
    from aftersales.reporting.services import outlet_kpi_report_build

    today = clock.localdate(clock.now())
    outlet_kpi_report_build(period_start=today - timedelta(days=1), period_end=today + timedelta(days=1))
    return list(
        OutletKpiReport.objects.order_by("outlet_id").values_list(
            "outlet_id",
            "repair_orders_opened",
            "repair_orders_completed",
            "mean_turnaround_hours",
            "satisfaction_count",
            "satisfaction_mean",
        )
    )


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
    repair_at_an_outlet(complaint)
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
    kpi = kpi_figures()
    assert kpi and kpi[0][2] == 1 and kpi[0][5] == 4.0

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

    leftover = found_in_tables(NEEDLES)
    assert leftover == []
    assert found_in_tables((OPENID,)) == []
    assert found_in_search_index(("紫檀", "rosewood", "13912345678", "桂花", "晓雯")) == []
    assert found_in_files(storage, NEEDLES) == []
    # The ledger, sealed before and after, still verifies with every record checked.
    seal_all(actor=__import__("aftersales.accounts.actors", fromlist=["SYSTEM"]).SYSTEM)
    report = ledger_verify(check_records=True)
    assert report.ok, report.problem
    assert report_figures() == figures
    assert kpi_figures() == kpi
    # The erasure is on the timeline, without the data; the customer was told.
    event = TimelineEvent.objects.get(kind="erasure")
    assert (
        event.payload["request"] == request.pk and event.payload["erased"]["messages"] == 5
    )  # app, reply, note, mail, inspection
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
