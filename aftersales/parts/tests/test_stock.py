"""Reserve, consume and release stock; never below zero, never promised twice."""

import threading

import pytest
from django.db import connection

from aftersales.accounts.actors import SYSTEM
from aftersales.common.errors import FieldConflict, ValidationFailed
from aftersales.parts.models import Reservation, Stock
from aftersales.parts.services import parts_consume, parts_release, parts_reserve
from aftersales.parts.tests.factories import make_catalogue, stock_up

OUTLET = "sz-futian-01"


@pytest.fixture
def catalogue(db):  # type: ignore[no-untyped-def]
    return make_catalogue()


def stock_of(part):  # type: ignore[no-untyped-def]
    return Stock.objects.get(location_code=OUTLET, part=part)


def test_a_reservation_holds_parts_until_consumed(catalogue):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.screen, 2)
    parts_reserve(actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=[(catalogue.screen.number, 1)])
    assert (stock_of(catalogue.screen).on_hand, stock_of(catalogue.screen).reserved) == (2, 1)
    consumed = parts_consume(actor=SYSTEM, holder="repair:A")
    assert [r.state for r in consumed] == ["consumed"]
    assert (stock_of(catalogue.screen).on_hand, stock_of(catalogue.screen).reserved) == (1, 0)


def test_a_release_gives_the_parts_back(catalogue):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.battery, 1)
    parts_reserve(
        actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=[(catalogue.battery.number, 1)]
    )
    parts_release(actor=SYSTEM, holder="repair:A")
    assert (stock_of(catalogue.battery).on_hand, stock_of(catalogue.battery).reserved) == (1, 0)
    assert Reservation.objects.get().state == "released"


def test_a_shortage_on_one_line_reserves_nothing_and_names_the_line(catalogue):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.screen, 1)
    stock_up(OUTLET, catalogue.battery, 1)
    lines = [(catalogue.screen.number, 1), (catalogue.battery.number, 2)]
    with pytest.raises(FieldConflict) as refused:
        parts_reserve(actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=lines)
    assert refused.value.fields["lines.1.part"].code == "part_out_of_stock"
    assert refused.value.fields["lines.1.part"].params["available"] == 1
    assert stock_of(catalogue.screen).reserved == 0 and not Reservation.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_of_zero_or_less_is_refused(catalogue, quantity):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.screen, 1)
    with pytest.raises(ValidationFailed) as refused:
        parts_reserve(
            actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=[(catalogue.screen.number, quantity)]
        )
    assert refused.value.fields["lines.0.quantity"].code == "quantity_not_positive"


def test_an_unknown_part_number_is_refused_naming_the_line(catalogue):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        parts_reserve(actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=[("NO-SUCH-PART", 1)])
    assert refused.value.fields["lines.0.part"].code == "part_unknown"


def test_consuming_a_part_never_reserved_is_refused_and_changes_nothing(catalogue):  # type: ignore[no-untyped-def]
    stock_up(OUTLET, catalogue.screen, 1)
    stock_up(OUTLET, catalogue.camera, 1)
    parts_reserve(actor=SYSTEM, holder="repair:A", location_code=OUTLET, lines=[(catalogue.screen.number, 1)])
    with pytest.raises(FieldConflict) as refused:
        parts_consume(
            actor=SYSTEM, holder="repair:A", part_numbers=[catalogue.screen.number, catalogue.camera.number]
        )
    assert refused.value.fields["parts_used.1"].code == "part_not_reserved"
    assert (stock_of(catalogue.screen).on_hand, stock_of(catalogue.screen).reserved) == (1, 1)
    assert stock_of(catalogue.camera).on_hand == 1


# Two repairs racing for the last part, each on its own connection, released together.


race_database = pytest.mark.skipif(
    connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME"),
    reason="in-memory SQLite shares one cache between threads; set AFTERSALES_TEST_SQLITE to a file",
)


def race_for(part_number: str, holders: list[str]) -> list[str]:
    """What each holder got when all reserve one `part_number` at the same moment."""
    barrier = threading.Barrier(len(holders))
    outcomes: list[str] = []

    def reserve(holder: str) -> None:
        barrier.wait()
        try:
            parts_reserve(actor=SYSTEM, holder=holder, location_code=OUTLET, lines=[(part_number, 1)])
            outcomes.append("reserved")
        except FieldConflict as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(holder,)) for holder in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


@race_database
@pytest.mark.django_db(transaction=True)
def test_two_repairs_racing_for_the_last_part_one_gets_it_and_the_other_is_told():  # type: ignore[no-untyped-def]
    catalogue = make_catalogue()
    for attempt in range(3):
        stock_up(OUTLET, catalogue.screen, 1)
        outcomes = race_for(catalogue.screen.number, [f"repair:{attempt}-a", f"repair:{attempt}-b"])
        assert outcomes == ["part_out_of_stock", "reserved"]
        stock = stock_of(catalogue.screen)
        assert stock.reserved == stock.on_hand == attempt + 1
    assert Reservation.objects.filter(state="reserved").count() == 3
