"""The watcher against a real IMAP server (Dovecot, started by the `dovecot` fixture).

A mail appended while the watcher waits in IDLE is taken in at once, not at the next poll
(the poll interval here is ten minutes); a server without IDLE is polled; nothing is read twice.
"""

import threading
import time

import pytest
from django.db import connection

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.email.imap import MailboxConfig, PollReport, mailbox_watch
from aftersales.intake.channels.email.models import MailboxPosition, ReceivedMail
from aftersales.intake.channels.email.tests.conftest import mail
from aftersales.intake.channels.email.tests.test_imap_poller import deliver

pytestmark = pytest.mark.django_db(transaction=True)


class Watcher:
    """mailbox_watch in a thread, with every read's report kept.

    While it runs, the test reads only the reports, not the database: SQLite's shared
    in-memory test database locks whole tables between threads.
    """

    def __init__(self, config: MailboxConfig, **options: object) -> None:
        self.stop = threading.Event()
        self.reports: list[PollReport] = []
        self.failure: BaseException | None = None

        def run() -> None:
            try:
                mailbox_watch(config=config, stop=self.stop, on_report=self.reports.append, **options)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                self.failure = exc
            finally:
                connection.close()

        self.thread = threading.Thread(target=run, daemon=True)

    @property
    def taken_in(self) -> int:
        return sum(report.taken_in for report in list(self.reports))

    def __enter__(self) -> "Watcher":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the watcher did not stop"
        assert self.failure is None, self.failure

    def wait_for(self, condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False


def test_a_mail_appended_while_idling_is_taken_in_at_once(dovecot) -> None:  # type: ignore[no-untyped-def]
    deliver(dovecot, mail("qq_gbk_labelled_gb2312"))
    with Watcher(dovecot, idle_seconds=300, poll_seconds=600) as watcher:
        assert watcher.wait_for(lambda: len(watcher.reports) >= 1)
        assert watcher.reports[0].taken_in == 1
        time.sleep(0.5)  # in IDLE now
        deliver(dovecot, mail("big5_traditional"))
        # The poll interval is ten minutes: only IDLE can bring it in within seconds.
        assert watcher.wait_for(lambda: watcher.taken_in == 2), "not taken in while idling"
        deliver(dovecot, mail("coremail_163_html_only"))
        assert watcher.wait_for(lambda: watcher.taken_in == 3)
    assert watcher.taken_in == 3
    assert sum(r.duplicates for r in watcher.reports) == 0
    assert not any(r.quarantined for r in watcher.reports)
    assert Complaint.objects.count() == 3
    assert ReceivedMail.objects.count() == 3
    assert MailboxPosition.objects.get().last_uid == 3


def test_without_idle_it_polls_and_still_reads_each_message_once(dovecot) -> None:  # type: ignore[no-untyped-def]
    with Watcher(dovecot, use_idle=False, poll_seconds=0.3) as watcher:
        assert watcher.wait_for(lambda: len(watcher.reports) >= 1)
        deliver(dovecot, mail("qq_gbk_labelled_gb2312"), mail("big5_traditional"))
        assert watcher.wait_for(lambda: watcher.taken_in == 2)
        polls = len(watcher.reports)
        assert watcher.wait_for(lambda: len(watcher.reports) >= polls + 3)  # several polls after
    assert watcher.taken_in == 2
    assert Complaint.objects.count() == 2
    assert sum(r.duplicates for r in watcher.reports) == 0
    assert MailboxPosition.objects.get().last_uid == 2


def test_it_renews_the_idle_wait_and_stops_when_asked(dovecot) -> None:  # type: ignore[no-untyped-def]
    with Watcher(dovecot, idle_seconds=0.5, poll_seconds=600) as watcher:
        # Each renewal ends IDLE and reads again: several reads without new mail, none taken in.
        assert watcher.wait_for(lambda: len(watcher.reports) >= 3, seconds=10)
    assert all(r.taken_in == 0 for r in watcher.reports)
    assert Complaint.objects.count() == 0


def test_an_unreachable_server_is_retried_not_fatal(dovecot) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from aftersales.intake.channels.email.tests.conftest import _free_port

    nowhere = replace(dovecot, port=_free_port(), timeout=1)
    with Watcher(nowhere, poll_seconds=0.2) as watcher:
        time.sleep(1.0)
    assert watcher.reports == []
