"""Acknowledgements and reply notices reach the customer on the right channel, in their language."""

import pytest
from django.core import mail

from aftersales.accounts.actors import staff_actor
from aftersales.complaints.services import complaint_reply
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_customer_with_email_gets_an_acknowledgement_then_a_reply_notice(
    alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        complaint = submit_complaint(email="carol@mail.example", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        complaint_reply(actor=staff_actor(alice), complaint=complaint, body="We are on it")
    assert [m.subject for m in mail.outbox] == [
        f"Complaint {complaint.number} received",
        f"New reply on {complaint.number}",
    ]
    assert "/track/" in mail.outbox[1].body and "new reply" in mail.outbox[1].body


def test_a_customer_without_email_gets_an_sms_in_chinese(caplog, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        complaint = submit_complaint()
    notice = Notification.objects.get(complaint_id=complaint.pk)
    assert notice.channel == "sms" and notice.sent_at is not None
    assert f"工单号 {complaint.number}" in caplog.text and not mail.outbox
