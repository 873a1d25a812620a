"""The one clock. Services read the time once per decision and pass it on.

`travel_to` moves the clock for the duration of a block: tests use it to cross nights
and holidays, and the demo seeder to lay down a history of past complaints.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

_fixed: list[datetime] = []


def now() -> datetime:
    return _fixed[-1] if _fixed else timezone.now()


def localdate(moment: datetime) -> date:
    return timezone.localtime(moment).date()


@contextmanager
def travel_to(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("travel_to needs an aware datetime")
    _fixed.append(moment)
    try:
        yield
    finally:
        _fixed.pop()
