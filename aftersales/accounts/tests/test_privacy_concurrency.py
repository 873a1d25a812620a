"""Erasure under concurrency (PostgreSQL: real row locks): a cancel racing the sweeper, two sweepers.

Persona (conftest): carol, a customer who asks for erasure and changes her mind at the last moment.
"""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection

from aftersales.accounts.actors import customer_actor
from aftersales.accounts.models import ErasureRequest
from aftersales.accounts.privacy.services import erasure_cancel, erasure_request, erasure_sweep
from aftersales.common import clock
from aftersales.common.errors import TransitionNotAllowed

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*steps: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(steps))
    results: list[object] = [None] * len(steps)

    def run(index: int, step: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = step()
        except TransitionNotAllowed as refused:
            results[index] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, step)) for i, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def due_request(carol):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    return erasure_request(customer=carol, actor=customer_actor(carol.pk))


def test_a_cancel_racing_the_sweeper_either_cancels_or_is_refused_after_the_erasure(carol, due_request):  # type: ignore[no-untyped-def]
    with clock.travel_to(due_request.due_at + timedelta(seconds=1)):
        swept, cancelled = run_together(
            erasure_sweep,
            lambda: erasure_cancel(request=due_request, actor=customer_actor(carol.pk)).state,
        )
    state = ErasureRequest.objects.get(pk=due_request.pk).state
    assert (state, swept, cancelled) in (
        ("cancelled", [], "cancelled"),
        ("done", [due_request.pk], "erasure_not_pending"),
    )


def test_two_sweepers_erase_once(carol, due_request):  # type: ignore[no-untyped-def]
    with clock.travel_to(due_request.due_at + timedelta(seconds=1)):
        first, second = run_together(erasure_sweep, erasure_sweep)
    assert sorted([first, second], key=len) == [[], [due_request.pk]]
    from aftersales.complaints.models import TimelineEvent

    assert ErasureRequest.objects.get(pk=due_request.pk).state == "done"
    assert TimelineEvent.objects.filter(kind="erasure").count() == len(carol.complaints.all())
