"""The finder's spatial index: the nearest outlets to a point, by great-circle distance.

Outlets are points on the unit sphere in a k-d tree (scipy's cKDTree); the straight-line
(chord) distance there orders points exactly as the great-circle distance does, so the
tree's nearest are the Earth's nearest. The answer is ordered by the great-circle
distance in whole millimetres (2R asin(chord/2)) and, at equal distance, by outlet code:
the same outlets in the same order as a scan of every outlet with the haversine formula,
at distances equal to the millimetre (tested against one). Whole millimetres make equal
distances compare equal whatever rounding the last bit of a sine took.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

from aftersales.network.geo import EARTH_RADIUS_KM, unit_vector
from aftersales.network.hours import MINUTES_PER_DAY, HoursError, is_open, parse_hours

# A chord margin of about 6 mm: points this close to the last one kept may tie with it
# once distances are rounded to millimetres, so they are compared too.
_TIE_CHORD = 1e-9
# Great-circle millimetres from a unit-sphere chord c: 2R asin(c/2).
_MM_PER_HALF_CHORD = 2 * EARTH_RADIUS_KM * 1_000_000
_FAR_PAST, _FAR_FUTURE = date.min.toordinal(), date.max.toordinal()


@dataclass(frozen=True)
class IndexedOutlet:
    pk: int
    code: str
    lat: float
    lon: float
    specialities: frozenset[str]
    hours: str
    timezone: str
    authorised_from: date | None
    authorised_until: date | None
    # Customers a day (0 = unknown): dispatch weighs what is left of it.
    capacity_per_day: int = 0


class Hit(NamedTuple):
    pk: int
    code: str
    distance_mm: int


@dataclass(frozen=True)
class Filters:
    """What a result must satisfy besides nearness. `specialities`: any one of them."""

    open_at: datetime | None = None
    specialities: frozenset[str] | None = None


def _chord_mm(chord: float) -> int:
    return round(math.asin(chord / 2) * _MM_PER_HALF_CHORD)


@lru_cache(maxsize=4096)
def week_intervals(hours: str) -> tuple[tuple[int, int], ...]:
    """Open intervals of canonical hours; unknown or unreadable hours are never open."""
    if not hours:
        return ()
    try:
        return parse_hours(hours).week_intervals()
    except HoursError:
        return ()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def minute_of_week(moment: datetime, zone: str) -> int:
    local = moment.astimezone(_zone(zone))
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


class OutletIndex:
    """The authorised outlets at one network version (`token`); a new version gets a new index.

    Besides the tree it keeps, for the day and for the minute, which outlets are out of
    force and which are open, so that filtering a candidate is a set look-up.
    """

    def __init__(self, outlets: list[IndexedOutlet], token: str) -> None:
        self.token = token
        self.size = len(outlets)
        self.pks = [o.pk for o in outlets]
        self.position = {o.pk: i for i, o in enumerate(outlets)}
        self.codes = [o.code for o in outlets]
        self.specialities = [o.specialities for o in outlets]
        self.capacity = [o.capacity_per_day for o in outlets]
        self.intervals = [week_intervals(o.hours) for o in outlets]
        self.zones = [o.timezone for o in outlets]
        self.valid_from = [o.authorised_from.toordinal() if o.authorised_from else _FAR_PAST for o in outlets]
        self.valid_until = [
            o.authorised_until.toordinal() if o.authorised_until else _FAR_FUTURE for o in outlets
        ]
        self._closed_on: tuple[int, frozenset[int]] = (-1, frozenset())
        self._open_minute: tuple[int, frozenset[int]] = (-1, frozenset())
        points = np.array([unit_vector(o.lat, o.lon) for o in outlets], dtype=float).reshape(-1, 3)
        self.tree = cKDTree(points) if outlets else None

    def nearest(
        self, lat: float, lon: float, *, limit: int, today: date, filters: Filters | None = None
    ) -> list[Hit]:
        """Up to `limit` outlets in force on `today` and passing `filters`, nearest first.

        lat, lon: degrees, finite. The tree is asked for a few more points than wanted,
        four times more each round while filters refuse too many, until the points it
        returned reach beyond the last one kept (so no tie at that distance is missed).
        """
        if self.tree is None or limit < 1:
            return []
        today_number = today.toordinal()
        if self.size == 1:
            if not self._acceptor(today_number, filters)(0):
                return []
            chord, _ = self.tree.query(unit_vector(lat, lon), k=1)
            return [Hit(self.pks[0], self.codes[0], _chord_mm(float(chord)))]
        # Without filters, and with every outlet in force (the usual case), nothing is refused.
        out_of_force = self._not_in_force(today_number)
        accept = None if filters is None and not out_of_force else self._acceptor(today_number, filters)
        query = unit_vector(lat, lon)
        # Ask for a few more than wanted (more when filters will refuse some); k >= 2 keeps arrays.
        k = max(2, min(self.size, limit + 1 if filters is None else 8 * limit))
        while True:
            found_chords, found = self.tree.query(query, k=k)
            chords: list[float] = found_chords.tolist()
            if accept is None:
                kept = list(zip(chords, found.tolist(), strict=True))
            else:
                kept = [(chord, i) for chord, i in zip(chords, found.tolist(), strict=True) if accept(i)]
            if len(kept) >= limit:
                boundary = kept[limit - 1][0] + _TIE_CHORD
                if k >= self.size or chords[-1] > boundary:
                    cut = limit
                    while cut < len(kept) and kept[cut][0] <= boundary:
                        cut += 1
                    kept = kept[:cut]
                    break
            elif k >= self.size:
                break
            k = min(self.size, k * 4)
        codes, pks, asin = self.codes, self.pks, math.asin
        ranked = sorted((round(asin(chord / 2) * _MM_PER_HALF_CHORD), codes[i], pks[i]) for chord, i in kept)
        return [Hit(pk, code, mm) for mm, code, pk in ranked[:limit]]

    def _not_in_force(self, today: int) -> frozenset[int]:
        """Positions of outlets whose authorisation does not cover `today` (kept for the day)."""
        day, positions = self._closed_on
        if day != today:
            positions = frozenset(
                i for i in range(self.size) if not self.valid_from[i] <= today <= self.valid_until[i]
            )
            self._closed_on = (today, positions)
        return positions

    def _open_at(self, moment: datetime) -> frozenset[int]:
        """Positions of outlets open at `moment`, each in its own time zone (kept for the minute)."""
        minute = int(moment.timestamp() // 60)
        cached, positions = self._open_minute
        if cached != minute:
            minutes = {zone: minute_of_week(moment, zone) for zone in set(self.zones)}
            positions = frozenset(
                i for i in range(self.size) if is_open(self.intervals[i], minutes[self.zones[i]])
            )
            self._open_minute = (minute, positions)
        return positions

    def _acceptor(self, today: int, filters: Filters | None) -> Callable[[int], bool]:
        out_of_force = self._not_in_force(today)
        if filters is None or (filters.open_at is None and filters.specialities is None):
            return lambda i: i not in out_of_force
        wanted = filters.specialities
        open_now = self._open_at(filters.open_at) if filters.open_at is not None else None
        offers = self.specialities

        def accept(i: int) -> bool:
            return (
                i not in out_of_force
                and (wanted is None or not wanted.isdisjoint(offers[i]))
                and (open_now is None or i in open_now)
            )

        return accept


def open_now(hours: str, zone: str, moment: datetime) -> bool:
    """Whether hours written in `zone` are open at the aware `moment` (a night span counts after midnight)."""
    return is_open(week_intervals(hours), minute_of_week(moment, zone))
