"""`aftersales email parse FILE.eml` prints one JSON object and writes nothing."""

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.intake.channels.email.models import ReceivedMail, SentMail
from aftersales.intake.channels.email.tests.conftest import ACK_ID, MAILS

pytestmark = pytest.mark.django_db


def parse(name: str) -> dict:
    out = StringIO()
    call_command("email", "parse", str(MAILS / f"{name}.eml"), stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_what_a_mail_holds() -> None:
    printed = parse("outlook_english_from_block")
    assert printed["subject"] == "RE: Your charger"
    assert printed["from"] == "mark.chen@example.org"
    assert printed["reply_to"] == "mark.home@example.net"
    assert printed["text"].startswith("Hi,")
    assert (printed["auto"], printed["acknowledge"], printed["complaint_number"]) == (None, True, None)
    assert printed["attachments"] == []


def test_attachments_are_listed_with_the_type_their_bytes_show() -> None:
    printed = parse("executable_attachments")
    assert [(a["name"], a["content_type"], a["bytes"]) for a in printed["attachments"]][:2] == [
        ("发票.pdf", "application/x-msdownload", 268),
        ("setup.exe", "application/x-msdownload", 268),
    ]


@pytest.mark.parametrize(
    ("name", "auto"),
    [("exchange_out_of_office", "auto_reply"), ("postfix_bounce", "bounce"), ("mailing_list", "list")],
)
def test_automatic_mail_is_never_to_be_acknowledged(name, auto) -> None:  # type: ignore[no-untyped-def]
    printed = parse(name)
    assert (printed["auto"], printed["acknowledge"]) == (auto, False)


def test_the_complaint_number_comes_from_the_subject_or_from_the_mail_it_answers() -> None:
    assert parse("qq_reply_quoting_original")["complaint_number"] == "OP-20261201-00001-3"
    complaint = submit_complaint()
    SentMail.objects.create(
        message_id=ACK_ID,
        complaint=complaint,
        recipient="x@example.com",
        subject="s",
        body="b",
        created_at=complaint.created_at,
    )
    assert parse("exchange_out_of_office")["complaint_number"] == complaint.number


def test_parsing_writes_nothing() -> None:
    parse("qq_gbk_labelled_gb2312")
    assert Complaint.objects.count() == ReceivedMail.objects.count() == SentMail.objects.count() == 0
    assert mail.outbox == []


def test_an_unreadable_file_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot read"):
        call_command("email", "parse", "/nonexistent/mail.eml")
