"""Two workers draining at once send every message exactly once (PostgreSQL; SQLite in a file).

Each thread is a worker with its own database connection. On PostgreSQL they lock disjoint
batches (SKIP LOCKED); everywhere the queued -> sending claim lets one of them win a row.
"""

import threading
import time

import pytest
from django.db import connection

from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications import sms
from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.outbox import outbound_enqueue, outbox_drain, outbox_message_deliver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _shared_database(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OUTBOX_NUDGE = False  # the rows wait for the two workers below
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and ("memory" in name or not name):
        pytest.skip("threads need a database they can each open: PostgreSQL, or AFTERSALES_TEST_SQLITE")


@pytest.fixture
def slow_gateway(monkeypatch):  # type: ignore[no-untyped-def]
    """An SMS gateway that takes 20 ms per text and counts what it was given."""
    sent: list[str] = []
    lock = threading.Lock()

    def send(phone: str, text: str) -> None:
        time.sleep(0.02)
        with lock:
            sent.append(text)

    monkeypatch.setattr(sms, "console_gateway", send)
    return sent


def run_workers(count: int, work) -> list:  # type: ignore[no-untyped-def]
    start = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            start.wait()
            results[index] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_workers_draining_together_send_each_message_once(slow_gateway) -> None:  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    for index in range(39):
        outbound_enqueue(
            channel="sms",
            recipient=f"customer:{complaint.customer_id}",
            reason="reply",
            key=f"race-{index}",
            complaint_id=complaint.pk,
        )

    def drain_until_empty() -> int:
        handled = 0
        while (batch := outbox_drain(limit=5).handled) > 0:
            handled += batch
        return handled

    handled = run_workers(2, drain_until_empty)
    assert sum(handled) == 40 and len(slow_gateway) == 40
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}
    assert sorted(OutboxMessage.objects.values_list("attempts", flat=True).distinct()) == [1]


def test_two_workers_sending_the_same_message_send_it_once(slow_gateway) -> None:  # type: ignore[no-untyped-def]
    submit_complaint()
    row = OutboxMessage.objects.get()
    states = run_workers(2, lambda: outbox_message_deliver(message_id=row.pk))
    assert sorted(map(str, states)) == ["None", "sent"]
    assert len(slow_gateway) == 1
