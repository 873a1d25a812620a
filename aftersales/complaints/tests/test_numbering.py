"""Complaint numbers: unique, sortable by date, never reused, and on PostgreSQL drawn without
waiting for any other transaction (no counter row locked until COMMIT)."""

import json
import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction
from django.test import Client

from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintNumberSequence
from aftersales.complaints.services import complaint_number_issue, complaint_numbering_prepare
from aftersales.policy.pack import current_pack

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL numbers from a sequence"
)
# 10:00 in Shanghai on 24 November 2026.
AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def serial(number: str) -> int:
    return int(number.split("-")[2])


@pytest.mark.django_db
def test_numbers_carry_the_day_and_a_check_digit_and_follow_each_other():  # type: ignore[no-untyped-def]
    pack = current_pack()
    first = complaint_number_issue(at=AT, pack=pack)
    second = complaint_number_issue(at=AT, pack=pack)
    next_day = complaint_number_issue(at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC), pack=pack)
    assert first.startswith("OP-20261124-00001-") and second.startswith("OP-20261124-00002-")
    assert next_day.startswith("OP-20261125-00001-")
    assert sorted([next_day, second, first]) == [first, second, next_day]


@on_postgresql
@pytest.mark.django_db
def test_a_day_numbered_by_the_counter_goes_on_after_its_last_number():  # type: ignore[no-untyped-def]
    # A bulk load (or the counter before the sequence) issued 137 numbers that day.
    ComplaintNumberSequence.objects.create(day=date(2026, 11, 24), last=137)
    pack = current_pack()
    assert serial(complaint_number_issue(at=AT, pack=pack)) == 138
    assert serial(complaint_number_issue(at=AT, pack=pack)) == 139


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_number_drawn_by_a_rolled_back_intake_is_never_issued_again():  # type: ignore[no-untyped-def]
    pack = current_pack()
    kept = complaint_number_issue(at=AT, pack=pack)
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = complaint_number_issue(at=AT, pack=pack)
        raise RuntimeError("the intake failed after numbering")
    after = complaint_number_issue(at=AT, pack=pack)
    assert after not in (kept, lost)
    assert serial(kept) < serial(lost) < serial(after)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_draw_numbers_without_waiting_for_each_other():  # type: ignore[no-untyped-def]
    """Eight transactions each draw a number and hold it uncommitted until all eight have one:
    a counter row locked until COMMIT would leave seven of them waiting, and the barrier broken.
    The day's row is written beforehand, as intake does before its transaction."""
    count = 8
    services._days_ready.clear()  # another test's day row may have been flushed since
    complaint_numbering_prepare(at=AT)
    barrier = threading.Barrier(count, timeout=20)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    pack = current_pack()

    def draw() -> None:
        try:
            with transaction.atomic():
                number = complaint_number_issue(at=AT, pack=pack)
                barrier.wait()
            with lock:
                numbers.append(number)
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=draw) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert len(set(numbers)) == count
    assert all(number.startswith("OP-20261124-") for number in numbers)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_numbers():  # type: ignore[no-untyped-def]
    count, each = 6, 5
    barrier = threading.Barrier(count, timeout=20)
    answers: list = []
    lock = threading.Lock()

    def submit(thread_index: int) -> None:
        client = Client()
        try:
            barrier.wait()
            for index in range(each):
                body = {
                    "text": f"手機充電很慢，第{thread_index}-{index}次",
                    "phone": f"1370000{thread_index:02d}{index:02d}",
                }
                response = client.post(
                    "/api/v1/complaints", json.dumps(body), content_type="application/json"
                )
                with lock:
                    answers.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [a.status_code for a in answers] == [201] * count * each, [
        a.content for a in answers if a.status_code != 201
    ]
    numbers = [a.json()["number"] for a in answers]
    assert len(set(numbers)) == count * each
    assert Complaint.objects.count() == count * each
