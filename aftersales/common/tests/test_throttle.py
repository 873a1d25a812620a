"""Request limits per client address, counted in the database (common/throttle.py)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from aftersales.common.errors import Throttled
from aftersales.common.models import RateLimitHit
from aftersales.common.throttle import client_bucket, client_key, throttle_hit

NOON = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def hit(address: str = "198.51.100.7", *, at: datetime = NOON, limit: int = 3, scope: str = "lookup") -> None:
    throttle_hit(scope=scope, client_address=address, limit=limit, window_seconds=600, now=at)


def test_addresses_are_counted_by_host_for_ipv4_and_by_64_for_ipv6() -> None:
    assert client_bucket("198.51.100.7") == "198.51.100.7"
    assert client_bucket("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_bucket("2001:db8:1:2:aaaa::1") == client_bucket("2001:db8:1:2::ffff") == "2001:db8:1:2::/64"
    assert client_bucket("unknown") == "unknown"


def test_a_key_never_holds_the_address_and_differs_per_scope() -> None:
    one, other = client_key(scope="a", address="198.51.100.7"), client_key(scope="b", address="198.51.100.7")
    assert "198.51.100" not in one and one.split(":")[1] != other.split(":")[1]


@pytest.mark.django_db
def test_the_limit_refuses_the_next_request_until_the_oldest_leaves_the_window(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("WARNING", logger="aftersales.security")
    for minute in range(3):
        hit(at=NOON + timedelta(minutes=minute))
    with pytest.raises(Throttled) as refused:
        hit(at=NOON + timedelta(minutes=4))
    assert refused.value.code == "lookup_limit" and refused.value.retry_after == 6 * 60
    assert RateLimitHit.objects.count() == 3  # the refused request was not counted
    assert "198.51.100.7" not in caplog.text and "lookup limit reached" in caplog.text
    hit("198.51.100.8", at=NOON + timedelta(minutes=4))  # another client counts apart
    hit(scope="other", at=NOON + timedelta(minutes=4))  # and another limit too
    hit(at=NOON + timedelta(minutes=10, seconds=1))
    # Hits that left the window were removed by the client's next request.
    assert RateLimitHit.objects.filter(key=client_key(scope="lookup", address="198.51.100.7")).count() == 3


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_cannot_all_take_the_last_places() -> None:
    count, outcomes = 8, []
    start = threading.Barrier(count)

    def send() -> None:
        try:
            start.wait()
            hit(limit=3)
            outcomes.append("counted")
        except Throttled:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 5
    assert RateLimitHit.objects.count() == 3
