"""The outbox: written with the change, drained by the worker, on the customer's channel, never twice.

Personas (conftest): alice answers complaints (agent); adam administers; carol files by phone.
Li (o-li on WeChat) and Zhou (dy-zhou on Douyin) write only through their platforms.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from aftersales.accounts.actors import staff_actor
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_reply
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.intake.channels.social.outbound import ConsoleReplySender, ReplySendFailed
from aftersales.intake.channels.social.services import InboundMessage, channel_message_receive
from aftersales.notifications import sms
from aftersales.notifications.channels import EmailAdapter, SmsAdapter
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.notifications.outbox import (
    DeliveryFailed,
    Envelope,
    outbound_enqueue,
    outbox_drain,
    outbox_message_deliver,
)
from aftersales.notifications.tasks import outbox_drain_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_console_sender():  # type: ignore[no-untyped-def]
    ConsoleReplySender.sent.clear()
    yield
    ConsoleReplySender.sent.clear()


@pytest.fixture
def texts(monkeypatch):  # type: ignore[no-untyped-def]
    """Every text handed to the SMS gateway, as (phone, text)."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(sms, "console_gateway", lambda phone, text: sent.append((phone, text)))
    return sent


def wechat_message(text: str, key: str, sender: str = "o-li") -> InboundMessage:
    return InboundMessage(
        channel="wechat", account="gh_brand", sender_id=sender, key=key, message_type="text", text=text
    )


def douyin_message(text: str, key: str) -> InboundMessage:
    return InboundMessage(
        channel="douyin",
        account="dy-brand",
        sender_id="dy-zhou",
        key=key,
        message_type="text",
        text=text,
        reply_to={"to_user_id": "dy-zhou", "conversation_id": "conv-9", "msg_id": key},
        passive_reply=False,
    )


# --- written with the change ---------------------------------------------------------------------


def test_a_message_is_queued_in_the_changes_transaction_and_rolls_back_with_it(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(email="carol@mail.example")
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint_reply(actor=staff_actor(alice), complaint=complaint, body="马上处理")
        assert OutboxMessage.objects.count() == before + 1
        raise RuntimeError("the reply's transaction fails")
    assert OutboxMessage.objects.count() == before


def test_with_the_worker_down_the_messages_wait_queued_and_go_when_it_drains(alice):  # type: ignore[no-untyped-def]
    # No on-commit callback runs here: as if the broker were down and no worker nudged.
    complaint = submit_complaint(email="carol@mail.example", language="en")
    complaint_reply(actor=staff_actor(alice), complaint=complaint, body="We are on it")
    queued = OutboxMessage.objects.filter(complaint_id=complaint.pk).order_by("pk")
    assert [(m.reason, m.state, m.channel) for m in queued] == [
        ("acknowledgement", "queued", "email"),
        ("reply", "queued", "email"),
    ]
    assert mail.outbox == []
    assert outbox_drain_task() == 2
    assert [m.subject for m in mail.outbox] == [
        f"Complaint {complaint.number} received",
        f"New reply on {complaint.number}",
    ]
    assert set(queued.values_list("state", flat=True)) == {"sent"}
    # The row holds a reference, never the address.
    assert all("carol" not in str(m.params) and m.recipient.startswith("customer:") for m in queued)


def test_the_same_key_queues_one_message(carol):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    first = outbound_enqueue(
        channel="sms",
        recipient=f"customer:{complaint.customer_id}",
        reason="reply",
        key="k-1",
        complaint_id=complaint.pk,
    )
    again = outbound_enqueue(
        channel="sms",
        recipient=f"customer:{complaint.customer_id}",
        reason="reply",
        key="k-1",
        complaint_id=complaint.pk,
    )
    assert first.pk == again.pk and OutboxMessage.objects.filter(key="k-1").count() == 1


def test_an_unknown_channel_is_a_programming_error_not_a_silent_drop() -> None:
    with pytest.raises(ValueError, match="fax"):
        outbound_enqueue(channel="fax", recipient="customer:1", reason="reply")


# --- on the customer's channel, in their language -----------------------------------------------------


def test_a_phone_customer_is_texted_in_chinese(texts):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="１３８００１３８０００")  # typed in full-width digits
    outbox_drain()
    [(phone, text)] = texts
    assert phone == "+8613800138000" and f"工单号 {complaint.number}" in text and not mail.outbox


def test_an_english_customer_by_email_is_written_to_in_english_and_threaded(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(email="Carol.Wu@mail.example", language="en")
    complaint_reply(actor=staff_actor(alice), complaint=complaint, body="Checked")
    outbox_drain()
    ack, reply = mail.outbox
    assert "We have your complaint" in ack.body and "new reply" in reply.body
    assert ack.to == ["carol.wu@mail.example"]
    sent = OutboxMessage.objects.get(reason="acknowledgement")
    assert ack.message()["Message-ID"] == f"<{sent.reference}>"


def test_a_wechat_customer_hears_of_a_reply_on_wechat_not_by_sms(alice, texts):  # type: ignore[no-untyped-def]
    result = channel_message_receive(message=wechat_message("屏幕碎了，開不了機 😭", key="m-1"))
    complaint = result.delivery.complaint
    assert complaint is not None and complaint.number in result.reply_text  # the passive answer
    complaint.team = alice.team
    complaint.save(update_fields=["team"])
    complaint_reply(actor=staff_actor(alice), complaint=complaint, body="请到门店检测")
    outbox_drain()
    # The acknowledgement was the webhook's answer: only the reply notice leaves, on WeChat.
    [(channel, reply_to, text)] = ConsoleReplySender.sent
    assert channel == "wechat" and reply_to["to_user_id"] == "o-li"
    assert complaint.number in text and "新的回复" in text
    assert texts == [] and mail.outbox == []
    assert Notification.objects.get(complaint_id=complaint.pk).channel == "wechat"


def test_a_douyin_reply_and_a_later_notice_go_into_the_customers_conversation(alice):  # type: ignore[no-untyped-def]
    result = channel_message_receive(message=douyin_message("扫地机器人不回充了", key="smid-1"))
    complaint = result.delivery.complaint
    assert complaint is not None
    complaint.team = alice.team
    complaint.save(update_fields=["team"])
    complaint_reply(actor=staff_actor(alice), complaint=complaint, body="已安排")
    assert outbox_drain().sent == 2
    (first, second) = ConsoleReplySender.sent
    assert first[0] == second[0] == "douyin"
    assert first[1]["conversation_id"] == second[1]["conversation_id"] == "conv-9"
    assert complaint.number in first[2] and "新的回复" in second[2]
    result.delivery.refresh_from_db()
    assert result.delivery.reply_state == "sent"


# --- retries, failures, never twice ---------------------------------------------------------------------


def test_a_temporary_failure_is_retried_after_a_growing_wait(texts, monkeypatch, settings):  # type: ignore[no-untyped-def]
    settings.OUTBOX_RETRY_SECONDS = 30
    calls = []

    def gateway_down(phone: str, text: str) -> None:
        calls.append(phone)
        raise OSError("gateway unreachable")

    monkeypatch.setattr(sms, "console_gateway", gateway_down)
    submit_complaint()
    start = clock.now()
    with clock.travel_to(start):
        assert outbox_drain().retried == 1
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == ("queued", 1) and "gateway unreachable" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=30)
    with clock.travel_to(start + timedelta(seconds=29)):
        assert outbox_drain().handled == 0
    with clock.travel_to(start + timedelta(seconds=31)):
        assert outbox_drain().retried == 1
    row.refresh_from_db()
    assert row.next_attempt_at == start + timedelta(seconds=31 + 60)
    monkeypatch.setattr(sms, "console_gateway", lambda phone, text: texts.append((phone, text)))
    with clock.travel_to(start + timedelta(seconds=200)):
        assert outbox_drain().sent == 1
    assert len(calls) == 2 and len(texts) == 1
    assert OutboxMessage.objects.get().state == "sent"


def test_the_last_failed_attempt_fails_it_and_says_so_on_the_complaints_timeline(monkeypatch, settings):  # type: ignore[no-untyped-def]
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def gateway_down(phone: str, text: str) -> None:
        raise OSError("gateway unreachable")

    monkeypatch.setattr(sms, "console_gateway", gateway_down)
    complaint = submit_complaint()
    outbox_drain()
    with clock.travel_to(clock.now() + timedelta(hours=1)):
        assert outbox_drain().failed == 1
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == ("failed", 2)
    event = complaint.events.get(kind="delivery_failed")
    assert event.payload["channel"] == "sms" and "gateway unreachable" in event.payload["reason"]
    assert event.actor == "system"
    # Failed for good: later drains leave it alone.
    with clock.travel_to(clock.now() + timedelta(days=1)):
        assert outbox_drain().handled == 0


def test_the_failure_reads_in_words_on_the_staff_timeline(monkeypatch, settings):  # type: ignore[no-untyped-def]
    from django.utils import translation

    from aftersales.desk.words import event_words

    settings.OUTBOX_MAX_ATTEMPTS = 1
    monkeypatch.setattr(sms, "console_gateway", lambda phone, text: (_ for _ in ()).throw(OSError("down")))
    complaint = submit_complaint()
    outbox_drain()
    event = complaint.events.get(kind="delivery_failed")
    with translation.override("zh-hans"):
        headline, detail = event_words(event, {})
    assert headline == "通过短信发给客户的消息未能送达" and "down" in detail
    with translation.override("en"):
        assert event_words(event, {})[0] == "A message to the customer by SMS could not be delivered"


def test_a_platform_refusing_for_good_is_not_retried(alice, monkeypatch):  # type: ignore[no-untyped-def]
    def closed(self, **_):  # type: ignore[no-untyped-def]
        raise ReplySendFailed("reply window closed", permanent=True)

    monkeypatch.setattr(ConsoleReplySender, "send", closed)
    result = channel_message_receive(message=douyin_message("音箱没有声音", key="smid-2"))
    assert outbox_drain().failed == 1
    row = OutboxMessage.objects.get(key=f"delivery:{result.delivery.pk}")
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "reply window closed")
    assert Complaint.objects.get().events.filter(kind="delivery_failed").count() == 1


def test_a_drain_run_twice_or_a_redelivered_task_sends_nothing_twice(texts):  # type: ignore[no-untyped-def]
    submit_complaint()
    assert outbox_drain_task() == 1
    assert outbox_drain_task() == 0
    row = OutboxMessage.objects.get()
    assert outbox_message_deliver(message_id=row.pk) is None
    assert len(texts) == 1


def test_a_message_left_sending_by_a_dead_worker_is_failed_not_sent_again(texts, settings):  # type: ignore[no-untyped-def]
    settings.OUTBOX_SENDING_LEASE_SECONDS = 600
    complaint = submit_complaint()
    row = OutboxMessage.objects.get()
    claimed_at = clock.now()
    OutboxMessage.objects.filter(pk=row.pk).update(state="sending", claimed_at=claimed_at, attempts=1)
    with clock.travel_to(claimed_at + timedelta(seconds=599)):
        assert outbox_drain().handled == 0
    with clock.travel_to(claimed_at + timedelta(seconds=601)):
        assert outbox_drain().failed == 1
    row.refresh_from_db()
    assert row.state == "failed" and "not sent again" in row.last_error and texts == []
    assert complaint.events.filter(kind="delivery_failed").exists()


def test_an_erased_customer_gets_nothing_that_was_still_queued(texts):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    complaint.customer.erased_at = clock.now()
    complaint.customer.save(update_fields=["erased_at"])
    assert outbox_drain().cancelled == 1
    assert OutboxMessage.objects.get().state == "cancelled" and texts == []


# --- unsafe text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope(subject="投诉\r\nBcc: victim@example.net", body="x", address="carol@mail.example"),
        Envelope(subject="ok", body="x", address="carol@mail.example\nBcc: victim@example.net"),
        Envelope(subject="行分隔\u2028Bcc: v@example.net", body="x", address="carol@mail.example"),
        Envelope(
            subject="ok", body="x", address="carol@mail.example", headers={"In-Reply-To": "<a>\r\nX: y"}
        ),
    ],
    ids=["subject", "address", "unicode-line-separator", "thread-header"],
)
def test_a_line_break_in_a_header_is_refused_for_good(envelope) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DeliveryFailed, match="header injection") as refused:
        EmailAdapter().send(envelope=envelope, message=OutboxMessage(pk=1))
    assert refused.value.permanent and mail.outbox == []


def test_a_sender_name_with_a_line_break_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEFAULT_FROM_EMAIL = '"售后\r\nBcc: victim@example.net" <service@aftersales.example>'
    envelope = Envelope(subject="ok", body="x", address="carol@mail.example")
    with pytest.raises(DeliveryFailed, match="sender"):
        EmailAdapter().send(envelope=envelope, message=OutboxMessage(pk=1))
    assert mail.outbox == []


def test_long_text_is_cut_and_control_characters_dropped(texts) -> None:  # type: ignore[no-untyped-def]
    body = "屏幕\x00闪烁\x1b" + "很长的描述😀" * 400
    EmailAdapter().send(
        envelope=Envelope(subject="主题" * 300, body=body, address="carol@mail.example"),
        message=OutboxMessage(pk=1),
    )
    (sent,) = mail.outbox
    assert len(sent.subject) == 200 and sent.subject.endswith("…")
    assert "\x00" not in sent.body and "\x1b" not in sent.body and "屏幕闪烁" in sent.body
    SmsAdapter().send(
        envelope=Envelope(subject="", body=body, address="+8613800138000"), message=OutboxMessage()
    )
    [(_, text)] = texts
    assert len(text) == 500 and text.endswith("…")


# --- who sees the outbox -----------------------------------------------------------------------------


def test_administrators_see_the_outbox_in_the_admin_and_agents_do_not(client, adam, alice):  # type: ignore[no-untyped-def]
    from aftersales.accounts.services import staff_enable_workspace

    submit_complaint()
    for person in (adam, alice):
        staff_enable_workspace(user=person, password="outbox-pass-2026")
    assert client.login(username="adam", password="outbox-pass-2026")
    listing = client.get("/admin/notifications/outboxmessage/")
    assert listing.status_code == 200 and b"acknowledgement" in listing.content
    assert client.get("/admin/notifications/outboxmessage/add/").status_code == 403
    client.logout()
    assert client.login(username="alice", password="outbox-pass-2026")
    assert client.get("/admin/notifications/outboxmessage/").status_code == 403


# --- privacy ---------------------------------------------------------------------------------------


def test_erasure_cancels_what_is_still_queued_and_export_lists_it(texts):  # type: ignore[no-untyped-def]
    from aftersales.accounts.privacy.registry import DataSubject
    from aftersales.notifications import privacy

    complaint = submit_complaint()
    subject = DataSubject(customer_id=complaint.customer_id, complaint_ids=(complaint.pk,))
    exported = privacy._export(subject=subject)
    assert [(m["reason"], m["state"]) for m in exported["outbound_messages"]] == [
        ("acknowledgement", "queued")
    ]
    assert "+8613800138000" not in str(exported["outbound_messages"])
    erased = privacy._erase(subject=subject, at=clock.now(), request_id=1)
    assert erased["outbound_messages_cancelled"] == 1
    assert outbox_drain().handled == 0 and texts == []
    assert OutboxMessage.objects.get().state == "cancelled"


def test_a_customer_who_gave_only_a_landline_is_not_texted(texts):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="021-6432 1000")
    assert complaint.contact_identity is not None and not complaint.contact_identity.is_mobile
    assert not OutboxMessage.objects.filter(complaint_id=complaint.pk).exists()
    assert outbox_drain().handled == 0 and texts == []
