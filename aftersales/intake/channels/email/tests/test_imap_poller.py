"""The poller against a real IMAP server (Dovecot, started by the `dovecot` fixture).

Messages are delivered with IMAP APPEND, as a mail server would file them; the poller reads
them by UID, takes each in, and moves what it cannot take in to the quarantine folder.
"""

import pytest
from django.core import mail as outbox
from imapclient import IMAPClient

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.email.imap import MailboxConfig, mailbox_poll
from aftersales.intake.channels.email.models import MailboxPosition
from aftersales.intake.channels.email.services import mail_receive
from aftersales.intake.channels.email.tests.conftest import mail

pytestmark = pytest.mark.django_db(transaction=True)


def deliver(config: MailboxConfig, *raws: bytes, folder: str = "INBOX") -> None:
    with IMAPClient(config.host, port=config.port, ssl=False) as client:
        client.login(config.username, config.password)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in raws:
            client.append(folder, raw)


def folder_uids(config: MailboxConfig, folder: str) -> list[int]:
    with IMAPClient(config.host, port=config.port, ssl=False) as client:
        client.login(config.username, config.password)
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        return list(client.search(["ALL"]))


def seen_uids(config: MailboxConfig) -> list[int]:
    with IMAPClient(config.host, port=config.port, ssl=False) as client:
        client.login(config.username, config.password)
        client.select_folder(config.folder, readonly=True)
        return list(client.search(["SEEN"]))


def test_it_takes_in_new_mail_and_never_reads_a_message_twice(dovecot) -> None:  # type: ignore[no-untyped-def]
    deliver(dovecot, mail("qq_gbk_labelled_gb2312"), mail("coremail_163_html_only"))
    first = mailbox_poll(config=dovecot)
    assert (first.taken_in, first.quarantined) == (2, [])
    assert Complaint.objects.count() == 2
    assert len(outbox.outbox) == 2
    assert seen_uids(dovecot) == [1, 2]
    again = mailbox_poll(config=dovecot)
    assert (again.taken_in, again.duplicates) == (0, 0)
    deliver(dovecot, mail("big5_traditional"))
    third = mailbox_poll(config=dovecot)
    assert third.taken_in == 1
    assert Complaint.objects.count() == 3
    assert MailboxPosition.objects.get().last_uid == 3


def test_a_bad_message_is_moved_aside_and_the_poll_goes_on(dovecot) -> None:  # type: ignore[no-untyped-def]
    deliver(
        dovecot,
        mail("five_hundred_recipients"),
        mail("broken_mime_tree"),
        b"From: crash@example.com\r\nSubject: makes the service fail\r\n\r\nboom\r\n",
        mail("x_gbk_label"),
    )

    def receive(*, raw: bytes, source: str):  # type: ignore[no-untyped-def]
        if b"makes the service fail" in raw:
            raise RuntimeError("database went away")
        return mail_receive(raw=raw, source=source)

    report = mailbox_poll(config=dovecot, receive=receive)
    assert report.taken_in == 2  # the broken MIME tree and the x-gbk mail
    assert report.quarantined == [(1, "too_many_recipients"), (3, "error_RuntimeError")]
    assert len(folder_uids(dovecot, "Quarantine")) == 2
    assert folder_uids(dovecot, "INBOX") == [2, 4]
    assert Complaint.objects.count() == 2


def test_a_mail_above_the_size_limit_is_quarantined_without_being_fetched(dovecot, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_MAX_BYTES = 1024 * 1024
    deliver(dovecot, mail("five_megabytes"), mail("x_gbk_label"))
    fetched: list[bytes] = []

    def receive(*, raw: bytes, source: str):  # type: ignore[no-untyped-def]
        fetched.append(raw)
        return mail_receive(raw=raw, source=source)

    report = mailbox_poll(config=dovecot, receive=receive)
    assert report.quarantined == [(1, "too_large")]
    assert len(fetched) == 1


def test_the_poller_survives_a_five_megabyte_mail(dovecot, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    deliver(dovecot, mail("five_megabytes"))
    assert mailbox_poll(config=dovecot).taken_in == 1


def test_a_new_uidvalidity_reads_the_folder_again_without_taking_anything_in_twice(dovecot) -> None:  # type: ignore[no-untyped-def]
    config = MailboxConfig(**{**dovecot.__dict__, "folder": "Support"})
    deliver(config, mail("x_gbk_label"), mail("raw_8bit_headers"), folder="Support")
    assert mailbox_poll(config=config).taken_in == 2
    before = MailboxPosition.objects.get(mailbox=config.key).uidvalidity
    with IMAPClient(config.host, port=config.port, ssl=False) as client:
        client.login(config.username, config.password)
        client.delete_folder("Support")
    deliver(config, mail("x_gbk_label"), mail("raw_8bit_headers"), mail("unknown_charset"), folder="Support")
    report = mailbox_poll(config=config)
    assert MailboxPosition.objects.get(mailbox=config.key).uidvalidity != before
    assert (report.taken_in, report.duplicates) == (1, 2)
    assert Complaint.objects.count() == 3


def _configure(settings, config: MailboxConfig) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_IMAP_HOST, settings.EMAIL_IMAP_PORT, settings.EMAIL_IMAP_SSL = (
        config.host,
        config.port,
        False,
    )
    settings.EMAIL_IMAP_USER, settings.EMAIL_IMAP_PASSWORD = config.username, config.password


def test_the_celery_task_polls_the_configured_mailbox(dovecot, settings) -> None:  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.email.tasks import poll_mailbox_task

    assert poll_mailbox_task() == 0  # no mailbox configured: nothing to do
    _configure(settings, dovecot)
    deliver(dovecot, mail("foxmail_attachment_encoded_name"))
    assert poll_mailbox_task() == 1
    assert Complaint.objects.get().channel == "email"


def test_the_poll_command_reads_the_mailbox_once(dovecot, settings) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    _configure(settings, dovecot)
    deliver(dovecot, mail("x_gbk_label"), mail("five_hundred_recipients"))
    out = StringIO()
    call_command("email", "poll", "--once", stdout=out)
    assert "taken in 1, duplicates 0, quarantined 1" in out.getvalue()
