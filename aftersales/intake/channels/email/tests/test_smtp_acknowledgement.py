"""The acknowledgement over a real SMTP conversation: aiosmtpd receives what Django's SMTP backend sends."""

from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from aftersales.intake.channels.email.parsing import parse_mail
from aftersales.intake.channels.email.services import mail_receive
from aftersales.intake.channels.email.tests.conftest import _free_port, mail

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def test_the_acknowledgement_reaches_the_sender_over_smtp_threaded_to_their_mail(smtp_server) -> None:  # type: ignore[no-untyped-def]
    outcome = mail_receive(raw=mail("qq_gbk_labelled_gb2312"), source="test")
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["1849302211@qq.com"]
    assert envelope.mail_from == "service@aftersales.example"
    message = message_from_bytes(envelope.original_content, policy=default)
    assert outcome.complaint_number in str(message["Subject"])
    assert message["In-Reply-To"] == "<tencent_4F2B8A1C9D0E7F6A5B3C2D1E0F9A8B7C6D05@qq.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert outcome.complaint_number in message.get_content()


def test_our_acknowledgement_coming_back_to_us_would_never_be_answered(smtp_server) -> None:  # type: ignore[no-untyped-def]
    mail_receive(raw=mail("x_gbk_label"), source="test")
    (envelope,) = smtp_server.envelopes
    echoed = parse_mail(envelope.original_content)
    assert echoed.auto == "auto_reply"


def test_an_smtp_failure_leaves_the_acknowledgement_pending_for_a_retry(settings) -> None:  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.email.models import SentMail

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    outcome = mail_receive(raw=mail("x_gbk_label"), source="test")
    assert outcome.outcome == "opened"
    row = SentMail.objects.get()
    assert (row.state, row.attempts) == (SentMail.State.PENDING, 1)
    assert row.last_error
