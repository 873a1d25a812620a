"""Walk-in queues: tickets per lane, urgent first, only the outlet's own staff call tickets,
and concurrent joins and calls neither lose nor repeat a ticket.

Personas: oscar works at outlet sh-01 (team outlet-sh-01); alice is a hotline agent.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from aftersales.accounts.actors import ANONYMOUS, staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common.errors import Conflict, Forbidden, ValidationFailed
from aftersales.network.models import Outlet, OutletEvent, OutletQueue
from aftersales.network.services import outlet_queue_join, outlet_queue_serve
from aftersales.network.tests.factories import make_outlet, make_outlets, outlet_row


@pytest.fixture
def shanghai(db):  # type: ignore[no-untyped-def]
    return make_outlet(
        "sh-01",
        province="上海市",
        province_adcode="310000",
        city="上海市",
        city_adcode="310100",
        district="黄浦区",
        district_adcode="310101",
        lat="31.2304",
        lon="121.4737",
        address="上海市黄浦区南京东路 300 号",
    )


def waiting(outlet: Outlet) -> dict[str, int]:
    return {q.lane: q.waiting for q in OutletQueue.objects.filter(outlet=outlet)}


@pytest.mark.django_db
def test_the_outlet_team_is_derived_from_its_code(shanghai, oscar):  # type: ignore[no-untyped-def]
    assert shanghai.team == "outlet-sh-01" == oscar.team


@pytest.mark.django_db
def test_joining_numbers_tickets_per_lane_and_staff_call_urgent_first(shanghai, oscar):  # type: ignore[no-untyped-def]
    normal = [outlet_queue_join(actor=ANONYMOUS, outlet=shanghai, lane="normal") for _ in range(2)]
    urgent = outlet_queue_join(actor=ANONYMOUS, outlet=shanghai, lane="urgent")
    assert [t.ticket for t in normal] == [1, 2] and urgent.ticket == 1
    assert waiting(shanghai) == {"urgent": 1, "normal": 2}

    called = [outlet_queue_serve(actor=staff_actor(oscar), outlet=shanghai) for _ in range(3)]
    assert [(t.lane, t.ticket) for t in called] == [("urgent", 1), ("normal", 1), ("normal", 2)]
    assert waiting(shanghai) == {"urgent": 0, "normal": 0}
    kinds = list(OutletEvent.objects.filter(outlet=shanghai).values_list("kind", flat=True))
    assert kinds.count("queue_joined") == 3 and kinds.count("queue_served") == 3


@pytest.mark.django_db
def test_calling_an_empty_queue_is_a_conflict_and_leaves_it_at_zero(shanghai, oscar):  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as caught:
        outlet_queue_serve(actor=staff_actor(oscar), outlet=shanghai, lane="urgent")
    assert caught.value.code == "queue_empty"
    assert waiting(shanghai) == {"urgent": 0, "normal": 0}


@pytest.mark.django_db
def test_an_unknown_lane_is_refused_naming_the_lane(shanghai):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        outlet_queue_join(actor=ANONYMOUS, outlet=shanghai, lane="vip")
    assert set(caught.value.fields) == {"lane"}


@pytest.mark.django_db
def test_only_the_outlets_own_staff_or_an_administrator_call_its_tickets(shanghai, oscar, alice, adam):  # type: ignore[no-untyped-def]
    other = make_outlets(outlet_row("sz-01"))["sz-01"]
    outlet_queue_join(actor=ANONYMOUS, outlet=other, lane="normal")
    # Oscar works at sh-01, not sz-01; Alice is a hotline agent.
    with pytest.raises(Forbidden):
        outlet_queue_serve(actor=staff_actor(oscar), outlet=other)
    with pytest.raises(Forbidden):
        outlet_queue_serve(actor=staff_actor(alice), outlet=other)
    with pytest.raises(Forbidden):
        outlet_queue_serve(actor=ANONYMOUS, outlet=other)
    assert waiting(other)["normal"] == 1
    assert outlet_queue_serve(actor=staff_actor(adam), outlet=other).ticket == 1


@contextmanager
def database_threads_can_share(tmp_path: Path) -> Iterator[None]:
    """Threads get their own connections. On PostgreSQL they share the test database. SQLite's
    in-memory test database shares one cache between threads, where a busy table fails at
    once ("table is locked") instead of waiting as a deployment's file database does (BEGIN
    IMMEDIATE, 30 s timeout): there the threads run on a file copy of it."""
    if connection.vendor != "sqlite" or "mode=memory" not in str(connection.settings_dict["NAME"]):
        yield
        return
    copy = tmp_path / "threads.sqlite3"
    target = sqlite3.connect(copy)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    name = connection.settings_dict["NAME"]
    connections.settings["default"]["NAME"] = str(copy)
    try:
        yield
    finally:
        connections.settings["default"]["NAME"] = name


def in_threads(count: int, work: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run `work` once in each of `count` threads, started together; (results, errors)."""
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_and_calls_neither_lose_nor_repeat_a_ticket(tmp_path):  # type: ignore[no-untyped-def]
    outlet = make_outlet("sh-02")
    desk = StaffFactory(username="desk", role=Role.OUTLET_TECHNICIAN, team="outlet-sh-02")
    people = 24

    def join_four() -> list[int]:
        return [outlet_queue_join(actor=ANONYMOUS, outlet=outlet, lane="normal").ticket for _ in range(4)]

    def serve_four() -> list[int]:
        return [
            outlet_queue_serve(actor=staff_actor(desk), outlet=outlet, lane="normal").ticket for _ in range(4)
        ]

    def counters() -> tuple[int, int, int]:
        queue = OutletQueue.objects.get(outlet=outlet, lane="normal")
        return (queue.waiting, queue.issued, queue.served)

    with database_threads_can_share(tmp_path):
        joined, join_errors = in_threads(people // 4, join_four)
        after_joins, _ = in_threads(1, counters)
        served, serve_errors = in_threads(people // 4, serve_four)
        # One more desk calls when nobody is left: refused, and the count stays at zero.
        _, late = in_threads(1, lambda: outlet_queue_serve(actor=staff_actor(desk), outlet=outlet))
        final, _ = in_threads(1, counters)
    assert join_errors == [] and serve_errors == []
    assert sorted(t for batch in joined for t in batch) == list(range(1, people + 1))
    assert after_joins == [(people, people, 0)]
    assert sorted(t for batch in served for t in batch) == list(range(1, people + 1))
    assert [type(e) for e in late] == [Conflict]
    assert final == [(0, people, people)]
