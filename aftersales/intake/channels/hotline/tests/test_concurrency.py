"""Pushes racing each other (PostgreSQL: real row locks): a call retried while the first push is
still being handled is taken in once; two agents closing one call-back, one wins."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from aftersales.accounts.actors import staff_actor
from aftersales.common.errors import Conflict
from aftersales.complaints.models import Complaint
from aftersales.intake.channels.hotline.models import Call, CallBack
from aftersales.intake.channels.hotline.services import CallReport, call_back_mark_done, call_receive
from aftersales.intake.channels.hotline.tests.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")


def run_together(*steps: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(steps))
    results: list[object] = [None] * len(steps)

    def run(index: int, step: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = step()
        except Conflict as refused:
            results[index] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, step)) for i, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_a_call_pushed_three_times_at_once_is_taken_in_once(wang):  # type: ignore[no-untyped-def]
    report = CallReport(
        call_id="c-race",
        direction="inbound",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:06"),
        customer_number="+86 139 1234 5678",
        agent="E10001",
        complaint_text="耳机连不上蓝牙，重置也没用",
    )
    results = run_together(*[lambda: call_receive(system="yunhu", report=report)] * 3)
    assert Call.objects.count() == 1 and Complaint.objects.count() == 1
    assert sorted(result.replayed for result in results) == [False, True, True]  # type: ignore[attr-defined]
    assert Complaint.objects.get().events.filter(kind="call").count() == 1


def test_two_agents_closing_one_call_back_one_wins(wang, zhou):  # type: ignore[no-untyped-def]
    result = call_receive(
        system="yunhu",
        report=CallReport(
            call_id="c-night",
            direction="inbound",
            started_at=at("2026-11-30 23:40"),
            ended_at=at("2026-11-30 23:41"),
            customer_number="13912345678",
        ),
    )
    assert result.call_back is not None
    outcomes = run_together(
        lambda: call_back_mark_done(actor=staff_actor(wang), call_back_id=result.call_back.pk).done_by_id,  # type: ignore[union-attr]
        lambda: call_back_mark_done(actor=staff_actor(zhou), call_back_id=result.call_back.pk).done_by_id,  # type: ignore[union-attr]
    )
    assert sorted(map(str, outcomes)) in (
        sorted([str(wang.pk), "call_back_done"]),
        sorted([str(zhou.pk), "call_back_done"]),
    )
    assert CallBack.objects.get().done_by_id in (wang.pk, zhou.pk)
