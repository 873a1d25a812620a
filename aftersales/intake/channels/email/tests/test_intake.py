"""A mail in: a complaint opened or joined, an acknowledgement out, automatic mail left alone.

Personas: 朱镕 (1849302211@qq.com) writes from QQMail; Mark writes from Outlook with a
Reply-To at home; mallory@example.com knows a complaint number that is not hers.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail as outbox

from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.intake.channels.email.models import MailAttachment, ReceivedMail, SentMail
from aftersales.intake.channels.email.services import (
    MailRefused,
    acknowledgement_deliver,
    mail_receive,
)
from aftersales.intake.channels.email.tests.conftest import ACK_ID, mail
from aftersales.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def receive(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def take_in(raw: bytes):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return mail_receive(raw=raw, source="test")

    return take_in


@pytest.fixture
def acknowledged_complaint(receive):  # type: ignore[no-untyped-def]
    """朱镕's first mail opened a complaint; its acknowledgement carries the Message-ID replies cite."""
    outcome = receive(mail("qq_gbk_labelled_gb2312"))
    complaint = Complaint.objects.get(number=outcome.complaint_number)
    SentMail.objects.filter(complaint=complaint).update(message_id=ACK_ID)
    outbox.outbox.clear()
    return complaint


def test_a_new_mail_opens_a_complaint_with_the_sender_as_contact(receive) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail("qq_gbk_labelled_gb2312"))
    assert outcome.outcome == "opened"
    complaint = Complaint.objects.get(number=outcome.complaint_number)
    assert complaint.channel == "email"
    assert complaint.subject == "手机屏幕出现绿线，朱镕先生的投诉"
    assert complaint.email_identity is not None and complaint.email_identity.value == "1849302211@qq.com"
    assert complaint.customer.name == "朱镕"
    assert "王喆和李堃" in complaint.messages.get().body
    # The IMEI in the text found the device.
    assert complaint.device is not None and complaint.device.imei == "490154203237518"


def test_the_sender_is_acknowledged_at_once_with_the_number_threaded_to_their_mail(receive) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail("qq_gbk_labelled_gb2312"))
    (sent,) = outbox.outbox
    assert sent.to == ["1849302211@qq.com"]
    assert outcome.complaint_number in sent.subject
    assert outcome.complaint_number in sent.body
    message = sent.message()
    assert message["In-Reply-To"] == "<tencent_4F2B8A1C9D0E7F6A5B3C2D1E0F9A8B7C6D05@qq.com>"
    assert "<tencent_4F2B8A1C9D0E7F6A5B3C2D1E0F9A8B7C6D05@qq.com>" in message["References"]
    assert message["Auto-Submitted"] == "auto-replied"
    row = SentMail.objects.get()
    assert message["Message-ID"] == f"<{row.message_id}>"
    assert row.state == SentMail.State.SENT


def test_only_the_threaded_acknowledgement_is_sent_not_the_generic_one_too(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("big5_traditional"))
    assert len(outbox.outbox) == 1


def test_the_acknowledgement_goes_to_reply_to_when_the_mail_names_one(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("outlook_english_from_block"))
    (sent,) = outbox.outbox
    assert sent.to == ["mark.home@example.net"]
    assert sent.subject.startswith("[") and "Received: Your charger" in sent.subject


def test_a_reply_to_our_acknowledgement_joins_its_complaint(receive, acknowledged_complaint) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail("qq_reply_quoting_original"))
    assert outcome.outcome == "joined"
    assert outcome.complaint_number == acknowledged_complaint.number
    assert Complaint.objects.count() == 1
    latest = acknowledged_complaint.messages.order_by("-id").first()
    # Triage reads what the customer wrote this time, not the quoted original.
    assert latest.body == "电池还是充不进电，今天又试了原装充电器。"
    assert outbox.outbox and acknowledged_complaint.number in outbox.outbox[0].subject


def test_a_subject_number_joins_only_when_the_sender_is_the_complaints_customer(
    receive, acknowledged_complaint
) -> None:  # type: ignore[no-untyped-def]
    number = acknowledged_complaint.number
    own = (
        f"From: 1849302211@qq.com\r\nTo: service@aftersales.example\r\nSubject: Re: {number}\r\n"
        "Message-ID: <again.1@qq.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n还是不行\r\n"
    ).encode()
    assert receive(own).outcome == "joined"
    stranger = own.replace(b"1849302211@qq.com", b"mallory@example.com").replace(b"again.1", b"m.1")
    outcome = receive(stranger)
    assert outcome.outcome == "opened"
    assert outcome.complaint_number != number
    assert acknowledged_complaint.messages.filter(body="还是不行").count() == 1


def test_a_full_width_complaint_number_in_the_subject_is_read(receive, acknowledged_complaint) -> None:  # type: ignore[no-untyped-def]
    wide = acknowledged_complaint.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    raw = (
        f"From: 1849302211@qq.com\r\nSubject: =?utf-8?B?{__import__('base64').b64encode(('回复：' + wide).encode()).decode()}?=\r\n"
        "Message-ID: <wide.1@qq.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n补充一下\r\n"
    ).encode()
    assert receive(raw).outcome == "joined"


def test_a_bounce_of_our_acknowledgement_becomes_a_delivery_failure_on_its_complaint(
    receive, acknowledged_complaint
) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail("exchange_ndr"))
    assert outcome.outcome == "delivery_failure"
    assert Complaint.objects.count() == 1
    event = acknowledged_complaint.events.get(kind=TimelineEvent.Kind.DELIVERY_FAILED)
    assert event.payload["reference"] == ACK_ID
    assert "5.1.10" in event.payload["reason"]
    assert SentMail.objects.get(message_id=ACK_ID).state == SentMail.State.BOUNCED
    assert outbox.outbox == []


@pytest.mark.parametrize("name", ["postfix_bounce", "qq_plain_bounce"])
def test_bounces_in_other_shapes_are_matched_too(receive, acknowledged_complaint, name) -> None:  # type: ignore[no-untyped-def]
    assert receive(mail(name)).outcome == "delivery_failure"
    assert outbox.outbox == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("exchange_out_of_office", "auto_reply"),
        ("qq_auto_reply", "auto_reply"),
        ("out_of_office_english", "auto_reply"),
        ("postfix_bounce", "bounce_unmatched"),
        ("own_address", "own_address"),
    ],
)
def test_automatic_mail_opens_nothing_and_gets_no_answer(receive, name, reason) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail(name))
    assert (outcome.outcome, outcome.reason) == ("ignored", reason)
    assert Complaint.objects.count() == 0
    assert outbox.outbox == []
    assert ReceivedMail.objects.get().reason == reason


def test_list_mail_is_taken_in_without_an_acknowledgement(receive) -> None:  # type: ignore[no-untyped-def]
    outcome = receive(mail("mailing_list"))
    assert outcome.outcome == "opened" and outcome.reason == "list"
    assert outbox.outbox == []


def test_the_loop_guard_stops_acknowledging_a_sender_after_three_in_an_hour(receive, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_ACKS_PER_SENDER_PER_HOUR = 3
    for index in range(5):
        raw = (
            f"From: loop@example.com\r\nSubject: phone {index}\r\nMessage-ID: <loop.{index}@example.com>\r\n"
            f"Content-Type: text/plain\r\n\r\nmy phone broke, take {index}\r\n"
        ).encode()
        receive(raw)
    assert len(outbox.outbox) == 3
    SentMail.objects.update(
        created_at=SentMail.objects.get(pk=SentMail.objects.first().pk).created_at - timedelta(hours=2)
    )
    receive(
        b"From: loop@example.com\r\nSubject: later\r\nMessage-ID: <loop.9@example.com>\r\n\r\nstill broken\r\n"
    )
    assert len(outbox.outbox) == 4


def test_the_same_message_twice_is_taken_in_once(receive) -> None:  # type: ignore[no-untyped-def]
    raw = mail("x_gbk_label")
    assert receive(raw).outcome == "opened"
    assert receive(raw).outcome == "duplicate"
    assert Complaint.objects.count() == 1 and len(outbox.outbox) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (mail("five_hundred_recipients"), "too_many_recipients"),
        (b"Subject: nobody sent this\r\n\r\ntext\r\n", "no_sender"),
    ],
)
def test_mail_that_must_be_set_aside_is_refused_with_its_reason(receive, raw, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MailRefused) as refused:
        receive(raw)
    assert refused.value.reason == reason
    assert Complaint.objects.count() == 0 and ReceivedMail.objects.count() == 0


def test_a_mail_above_the_size_limit_is_refused(receive, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_MAX_BYTES = 4 * 1024 * 1024
    with pytest.raises(MailRefused, match="too_large"):
        receive(mail("five_megabytes"))


def test_a_five_megabyte_mail_is_taken_in_with_its_photo(receive, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    assert receive(mail("five_megabytes")).outcome == "opened"
    (photo,) = MailAttachment.objects.all()
    assert photo.content_type == "image/jpeg" and photo.size > 5 * 1024 * 1024
    assert photo.file.size == photo.size


def test_executables_and_zip_bombs_are_kept_out_of_storage(receive, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    receive(mail("executable_attachments"))
    receive(mail("zip_bomb_attachment"))
    rows = {(a.name, a.refused, bool(a.file)) for a in MailAttachment.objects.all()}
    assert rows == {
        ("发票.pdf", "type_not_allowed", False),
        ("setup.exe", "type_not_allowed", False),
        ("photo.exe", "", True),
        ("logs.zip", "zip_bomb", False),
    }


def test_nul_bytes_and_an_unknown_charset_still_open_a_readable_complaint(receive) -> None:  # type: ignore[no-untyped-def]
    nul = Complaint.objects.get(number=receive(mail("nul_bytes")).complaint_number)
    assert nul.messages.get().body == "音箱蓝牙连接后没有声音。"
    unknown = Complaint.objects.get(number=receive(mail("unknown_charset")).complaint_number)
    assert unknown.subject == "洗衣机漏水"


def test_a_line_break_in_the_subject_cannot_add_a_header_to_the_acknowledgement(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("header_injection_subject"))
    (sent,) = outbox.outbox
    message = sent.message()
    assert message["Bcc"] is None
    assert "\n" not in sent.subject
    assert sent.recipients() == ["attacker@example.com"]


def test_an_outbox_row_with_a_line_break_is_never_sent_and_never_retried(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("x_gbk_label"))
    outbox.outbox.clear()
    row = SentMail.objects.get()
    SentMail.objects.filter(pk=row.pk).update(subject="hi\r\nBcc: victim@example.net")
    # Queued again, as if the line break had been there from the start.
    OutboxMessage.objects.filter(key=f"mail:{row.pk}").update(state="queued")
    assert acknowledgement_deliver(sent_mail_id=row.pk) is False
    assert outbox.outbox == []
    assert SentMail.objects.get(pk=row.pk).state == SentMail.State.FAILED
    queued = OutboxMessage.objects.get(key=f"mail:{row.pk}")
    assert queued.state == "failed" and "header injection" in queued.last_error
    assert acknowledgement_deliver(sent_mail_id=row.pk) is False and outbox.outbox == []


def test_an_acknowledgement_is_sent_once_however_often_delivery_runs(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("x_gbk_label"))
    row = SentMail.objects.get()
    assert acknowledgement_deliver(sent_mail_id=row.pk) is False
    assert len(outbox.outbox) == 1


def test_an_english_mail_is_acknowledged_in_english(receive) -> None:  # type: ignore[no-untyped-def]
    receive(mail("outlook_english_from_block"))
    assert re.search(r"your complaint number is \S+", outbox.outbox[0].body)


def test_a_reply_its_complaint_refuses_is_taken_in_as_a_new_complaint(
    receive, acknowledged_complaint, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from aftersales.common.errors import TransitionNotAllowed
    from aftersales.intake.channels.email import services

    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise TransitionNotAllowed(action="add a message", number="-", state="closed", allowed="-")

    monkeypatch.setattr(services, "complaint_follow_up", refuse)
    outcome = receive(mail("qq_reply_quoting_original"))
    assert outcome.outcome == "opened"
    assert outcome.complaint_number != acknowledged_complaint.number
    assert Complaint.objects.count() == 2


def test_a_reply_to_a_resolved_complaint_reopens_it(receive, acknowledged_complaint) -> None:  # type: ignore[no-untyped-def]
    Complaint.objects.filter(pk=acknowledged_complaint.pk).update(state="resolved", is_open=False)
    outcome = receive(mail("qq_reply_quoting_original"))
    assert (outcome.outcome, outcome.complaint_number) == ("joined", acknowledged_complaint.number)
    acknowledged_complaint.refresh_from_db()
    assert acknowledged_complaint.is_open
