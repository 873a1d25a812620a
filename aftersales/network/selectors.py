"""Reads of the service network: the finder, a city's best outlets, one outlet, the verify check.

What leaves for the public is built here, field by field (`outlet_public`): never the
staff notes, the team, the raw rating sums or internal ids.
"""

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from stdnum.cn import uscc as uscc_number

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import Role
from aftersales.common import clock
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed, problem
from aftersales.common.prepared import PreparedRead
from aftersales.network.address import address_resolve
from aftersales.network.dispatch import Candidate
from aftersales.network.finder import Filters, Hit, IndexedOutlet, OutletIndex, open_now, week_intervals
from aftersales.network.geo import distance_mm, haversine_km
from aftersales.network.models import Dispatch, NetworkVersion, Outlet, OutletPhone, OutletQueue
from aftersales.network.records import (
    CODE_PATTERN,
    fold_name,
    normalise_uscc,
    parse_phone,
    phone_digits,
    record_from_outlet,
)
from aftersales.policy.pack import NetworkPolicy, current_pack

MAX_QUERY_LENGTH = 100
# Queue filters look among this many nearest outlets (that pass the other filters) at most:
# an outlet with no queue 300 outlets away is no answer to "near me with a short wait".
QUEUE_SEARCH_LIMIT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()（）.]+(?:\s*(?:转|分机|ext\.?|x)\s*\d+)?$", re.I)
_USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")


def bayesian_rating(*, count: int, total: int, policy: NetworkPolicy) -> float:
    """(prior_weight * prior_mean + sum of scores) / (prior_weight + number of scores), on 1-5."""
    weight = policy.rating_prior_weight
    if weight + count == 0:
        return policy.rating_prior_mean
    return (weight * policy.rating_prior_mean + total) / (weight + count)


def minutes_per_customer(*, hours: str, capacity_per_day: int, policy: NetworkPolicy) -> float:
    """How long one customer takes on average: an open day's minutes over the day's capacity,
    or the pack's default when either is unknown."""
    intervals = week_intervals(hours)
    open_minutes = sum(b - a for a, b in intervals)
    open_days = len({a // 1440 for a, _b in intervals})
    if not capacity_per_day or not open_days:
        return float(policy.default_minutes_per_customer)
    return open_minutes / open_days / capacity_per_day


def estimated_waits(*, urgent: int, normal: int, minutes_each: float) -> dict[str, int]:
    """Whole minutes a newcomer waits in each lane; urgent tickets are called first."""
    return {
        "urgent": round(urgent * minutes_each),
        "normal": round((urgent + normal) * minutes_each),
    }


# --- the finder's index, rebuilt when the network's version token changes -------------

_index_lock = threading.Lock()
_index: list[OutletIndex] = []


def outlet_index_warm() -> None:
    """Build the index once in this process if it never was; no query once it is."""
    if not _index:
        outlet_index()


def network_token() -> str:
    """The network's version token ("" before its first change). Plain SQL: every located
    intake reads it, and the ORM's statement building costs more than the read."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {connection.ops.quote_name(NetworkVersion._meta.db_table)} WHERE id = 1"
        )
        row = cursor.fetchone()
    return (row[0] if row is not None else "") or ""


def outlet_index() -> OutletIndex:
    """The index of authorised outlets, as of the network's current version.

    The token is read before the rows: a change committed in between makes the index
    newer than its token says, and the next query rebuilds it again; never older.
    """
    token = network_token()
    if _index and _index[0].token == token:
        return _index[0]
    with _index_lock:
        if _index and _index[0].token == token:
            return _index[0]
        rows = Outlet.objects.filter(authorisation=Outlet.Authorisation.AUTHORISED).values_list(
            "pk",
            "code",
            "lat",
            "lon",
            "specialities",
            "hours",
            "timezone",
            "authorised_from",
            "authorised_until",
            "capacity_per_day",
        )
        index = OutletIndex(
            [
                IndexedOutlet(pk, code, lat, lon, frozenset(specialities), hours, zone, start, end, capacity)
                for pk, code, lat, lon, specialities, hours, zone, start, end, capacity in rows.order_by(
                    "code"
                )
            ],
            token,
        )
        _index[:] = [index]
        return index


@dataclass(frozen=True)
class NearestQuery:
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    city: str | None = None
    limit: int = 5
    open_now: bool = False
    speciality: str | None = None
    category: str | None = None
    max_queue: int | None = None
    max_wait_minutes: int | None = None


def outlets_nearest(*, query: NearestQuery, now: datetime, language: str) -> list[dict[str, Any]]:
    """The nearest authorised outlets passing the filters, nearest first, as public dicts with distance.

    speciality: an outlet must offer it; category: an outlet must offer a speciality
    that serves it (pack network.specialities); open_now: open at `now` in the outlet's
    own time zone; max_queue: at most this many waiting in both lanes; max_wait_minutes:
    a newcomer in the normal lane waits at most this long (both among the QUEUE_SEARCH_LIMIT
    nearest). Unknown speciality or category: 422.
    """
    lat, lon = query_point(query)
    policy = current_pack().network
    wanted: frozenset[str] | None = None
    if query.speciality is not None:
        if query.speciality not in policy.specialities:
            raise ValidationFailed(
                {
                    "speciality": problem(
                        "speciality_unknown",
                        unknown=query.speciality[:40],
                        allowed=", ".join(policy.specialities),
                    )
                }
            )
        wanted = frozenset({query.speciality})
    if query.category is not None:
        if query.category not in current_pack().categories:
            raise ValidationFailed(
                {"category": problem("category_unknown", allowed=", ".join(current_pack().categories))}
            )
        serving = policy.specialities_for_category(query.category)
        wanted = serving if wanted is None else wanted & serving
    filters = Filters(open_at=now if query.open_now else None, specialities=wanted)
    index = outlet_index()
    today = clock.localdate(now)
    queue_bound = query.max_queue is not None or query.max_wait_minutes is not None
    if wanted is not None and not wanted:
        return []
    batch = query.limit if not queue_bound else query.limit * 3
    while True:
        hits = index.nearest(lat, lon, limit=batch, today=today, filters=filters)
        outlets = _load_public(hits, token=index.token, now=now, language=language)
        if queue_bound:
            outlets = [o for o in outlets if _within_queue_bounds(o, query)]
        if len(outlets) >= query.limit or len(hits) < batch or batch >= QUEUE_SEARCH_LIMIT:
            return outlets[: query.limit]
        batch = min(batch * 4, QUEUE_SEARCH_LIMIT)


def query_point(query: NearestQuery) -> tuple[float, float]:
    """Where to search from: the point given, else the address resolved offline
    (network.address.address_resolve, with `city` as the hint).

    Errors (422, field `address`): nothing in the address names a place, only a province, or
    two readings in different cities remain (the candidates are listed in the body's
    `candidates`, each with province, city, district and adcode, so the client can ask).
    Neither a point nor an address: 422 on `lat`.
    """
    if query.lat is not None and query.lon is not None:
        return query.lat, query.lon
    if query.address is None:
        if query.lat is None and query.lon is None:
            raise ValidationFailed({"lat": problem("point_or_address_required")})
        raise ValidationFailed({"lon" if query.lon is None else "lat": problem("required")})
    if not query.address.strip():
        raise ValidationFailed({"address": problem("address_empty")})
    found = address_resolve(address=query.address, city_hint=query.city)
    if found.resolved and found.lat is not None and found.lon is not None:
        return found.lat, found.lon
    if found.ambiguous:
        listed = "; ".join(
            " ".join(dict.fromkeys(p for p in (c["province"], c["city"], c["district"]) if p))
            + f" ({c['adcode']})"
            for c in found.candidates
        )
        error = ValidationFailed({"address": problem("address_ambiguous", candidates=listed)})
        error.extra = {
            "candidates": [
                {key: c[key] for key in ("province", "city", "district", "adcode")} for c in found.candidates
            ]
        }
        raise error
    if found.reason == "address_only_province":
        raise ValidationFailed({"address": problem("address_only_province", province=found.province)})
    raise ValidationFailed({"address": problem(found.reason or "address_no_place")})


def city_location(*, city: str) -> tuple[float, float] | None:
    """(lat, lon) of the seat of the city a customer named (`深圳`, `深圳市`, `東莞`),
    resolved offline (network.address.address_resolve); None when it names no single city
    (empty, a province only, ambiguous, unknown). Never raises."""
    found = address_resolve(address=city[:100])
    if found.resolved and found.lat is not None and found.lon is not None:
        return found.lat, found.lon
    return None


def _within_queue_bounds(outlet: dict[str, Any], query: NearestQuery) -> bool:
    queue = outlet["queue"]
    if (
        query.max_queue is not None
        and queue["urgent"]["waiting"] + queue["normal"]["waiting"] > query.max_queue
    ):
        return False
    return query.max_wait_minutes is None or queue["normal"]["wait_minutes"] <= query.max_wait_minutes


# The unchanging part of each outlet's public view, by (outlet id, language), for the finder:
# kept while the network's version token stays the same (every change to those fields
# changes it); ratings and queues are read live.
_static_views: dict[str, Any] = {"token": None, "views": {}}


def _load_public(hits: list[Hit], *, token: str, now: datetime, language: str) -> list[dict[str, Any]]:
    """The public views of the outlets hit, in order: two queries when their fixed parts are known."""
    if not hits:
        return []
    if _static_views["token"] != token:
        _static_views.update(token=token, views={})
    views: dict[tuple[int, str], tuple[dict[str, Any], float]] = _static_views["views"]
    missing = [h.pk for h in hits if (h.pk, language) not in views]
    if missing:
        for outlet in _public_rows(Outlet.objects.filter(pk__in=missing), with_queues=False):
            views[(outlet.pk, language)] = _static_view(outlet, language)
    live: dict[int, dict[str, int]] = {}
    rows = OutletQueue.objects.filter(outlet_id__in=[h.pk for h in hits]).values_list(
        "outlet_id", "lane", "waiting", "outlet__rating_count", "outlet__rating_sum"
    )
    for outlet_id, lane, waiting, count, total in rows:
        live.setdefault(outlet_id, {"count": count, "total": total})[lane] = waiting
    answers = []
    for hit in hits:
        if (hit.pk, language) not in views:
            continue
        view, minutes_each = views[(hit.pk, language)]
        counts = live.get(hit.pk, {})
        answers.append(
            {
                **_live_view(
                    view,
                    minutes_each=minutes_each,
                    now=now,
                    rating_count=counts.get("count", 0),
                    rating_sum=counts.get("total", 0),
                    urgent=counts.get("urgent", 0),
                    normal=counts.get("normal", 0),
                ),
                "distance_m": round(hit.distance_mm / 1000),
            }
        )
    return answers


def _public_rows(outlets: QuerySet[Outlet], *, with_queues: bool = True) -> list[Outlet]:
    """Outlets with their phones (and queues) loaded in one more query each, whatever their number."""
    rows = list(outlets)
    phones: dict[int, list[OutletPhone]] = {}
    queues: dict[int, dict[str, OutletQueue]] = {}
    ids = [o.pk for o in rows]
    for phone in OutletPhone.objects.filter(outlet_id__in=ids).order_by("outlet_id", "position"):
        phones.setdefault(phone.outlet_id, []).append(phone)
    if with_queues:
        for queue in OutletQueue.objects.filter(outlet_id__in=ids):
            queues.setdefault(queue.outlet_id, {})[queue.lane] = queue
    for outlet in rows:
        outlet._public_phones = phones.get(outlet.pk, [])  # type: ignore[attr-defined]
        outlet._public_queues = queues.get(outlet.pk, {})  # type: ignore[attr-defined]
    return rows


def in_force(outlet: Outlet, today: date) -> bool:
    return _in_force(outlet.authorisation, outlet.authorised_from, outlet.authorised_until, today)


def _in_force(status: str, start: date | None, end: date | None, today: date) -> bool:
    return (
        status == Outlet.Authorisation.AUTHORISED
        and (start is None or start <= today)
        and (end is None or today <= end)
    )


def outlet_public(outlet: Outlet, *, now: datetime, language: str) -> dict[str, Any]:
    """What anyone may see of an outlet (loaded by _public_rows). The list of keys is the public schema."""
    view, minutes_each = _static_view(outlet, language)
    queues: dict[str, OutletQueue] = getattr(outlet, "_public_queues", {})
    return _live_view(
        view,
        minutes_each=minutes_each,
        now=now,
        rating_count=outlet.rating_count,
        rating_sum=outlet.rating_sum,
        urgent=queues["urgent"].waiting if "urgent" in queues else 0,
        normal=queues["normal"].waiting if "normal" in queues else 0,
    )


def _static_view(outlet: Outlet, language: str) -> tuple[dict[str, Any], float]:
    """The public fields that change only with the outlet list, and the minutes one customer takes."""
    pack = current_pack()
    policy = pack.network
    view = {
        "code": outlet.code,
        "name": outlet.name,
        "brand": outlet.brand,
        "kind": outlet.kind,
        "address": outlet.address,
        "province": outlet.province,
        "province_adcode": outlet.province_adcode,
        "city": outlet.city,
        "city_adcode": outlet.city_adcode,
        "district": outlet.district,
        "district_adcode": outlet.district_adcode,
        "lat": outlet.lat,
        "lon": outlet.lon,
        "phones": [
            {"number": p.raw, "e164": p.e164 or None, "valid": p.valid}
            for p in getattr(outlet, "_public_phones", [])
        ],
        "hours": outlet.hours,
        "timezone": outlet.timezone,
        "specialities": [
            {"code": code, "name": pack.label(policy.specialities[code].labels, language)}
            for code in outlet.specialities
            if code in policy.specialities
        ],
        "capacity_per_day": outlet.capacity_per_day,
        "uscc": outlet.uscc,
        "authorisation": {
            "status": outlet.authorisation,
            "authorised_from": outlet.authorised_from,
            "authorised_until": outlet.authorised_until,
        },
    }
    minutes_each = minutes_per_customer(
        hours=outlet.hours, capacity_per_day=outlet.capacity_per_day, policy=policy
    )
    return view, minutes_each


def _live_view(
    view: dict[str, Any],
    *,
    minutes_each: float,
    now: datetime,
    rating_count: int,
    rating_sum: int,
    urgent: int,
    normal: int,
) -> dict[str, Any]:
    """The fixed view with what changes by the minute: open now, rating, queues, authorisation in force."""
    waits = estimated_waits(urgent=urgent, normal=normal, minutes_each=minutes_each)
    authorisation = view["authorisation"]
    today = clock.localdate(now)
    return {
        **view,
        "open_now": open_now(view["hours"], view["timezone"], now),
        "rating": {
            "score": round(
                bayesian_rating(count=rating_count, total=rating_sum, policy=current_pack().network), 2
            ),
            "count": rating_count,
        },
        "queue": {
            "urgent": {"waiting": urgent, "wait_minutes": waits["urgent"]},
            "normal": {"waiting": normal, "wait_minutes": waits["normal"]},
        },
        "authorisation": {
            **authorisation,
            "in_force": _in_force(
                authorisation["status"],
                authorisation["authorised_from"],
                authorisation["authorised_until"],
                today,
            ),
        },
    }


def _in_force_filter(today: date) -> Q:
    return (
        Q(authorisation=Outlet.Authorisation.AUTHORISED)
        & (Q(authorised_from__isnull=True) | Q(authorised_from__lte=today))
        & (Q(authorised_until__isnull=True) | Q(authorised_until__gte=today))
    )


def outlets_top_in_city(*, city: str, now: datetime, language: str, limit: int = 3) -> list[dict[str, Any]]:
    """A city's best outlets in force by Bayesian rating, then by code; `city` is its adcode or name
    (深圳, 深圳市). An unknown city answers an empty list."""
    name = unicodedata.normalize("NFKC", city).strip()
    if _CONTROL.search(name) or not 0 < len(name) <= 50:
        raise ValidationFailed({"city": problem("query_invalid", limit=50)})
    names = {name, name + "市", name.removesuffix("市")}
    policy = current_pack().network
    weight, mean = policy.rating_prior_weight, policy.rating_prior_mean
    score = (Cast(F("rating_sum"), FloatField()) + weight * mean) / (
        Cast(F("rating_count"), FloatField()) + weight
    )
    if weight == 0:
        score = Cast(F("rating_sum"), FloatField()) / Cast(F("rating_count"), FloatField())
    match = Q(city_adcode=name) if name.isdigit() and len(name) == 6 else Q(city__in=names)
    outlets = (
        Outlet.objects.filter(match & _in_force_filter(clock.localdate(now)))
        .annotate(bayesian=score)
        .order_by(F("bayesian").desc(nulls_last=True), "code")[:limit]
    )
    return [outlet_public(o, now=now, language=language) for o in _public_rows(outlets)]


# The finder page lists this many outlets near the customer, and a city's best this many.
FINDER_NEAREST = 10
FINDER_CITY_TOP = 3
# A city's best outlets are filtered among this many of its best-rated.
FINDER_CITY_POOL = 50


@dataclass(frozen=True)
class FinderQuery:
    """What the public finder page asks: a point (the customer's) or a city (name or adcode), or
    both (the city's best, with their distance from the point), and the filters."""

    lat: float | None = None
    lon: float | None = None
    city: str | None = None
    open_now: bool = False
    speciality: str | None = None
    max_wait_minutes: int | None = None


def finder_reach_km() -> float:
    """How far the finder's "near you" looks, in km: the pack's dispatch reach
    (`network.dispatch.max_distance_km`), the distance an outlet is still sent complaints from."""
    return float(current_pack().network.dispatch.max_distance_km)


def outlets_for_finder(*, query: FinderQuery, now: datetime, language: str) -> list[dict[str, Any]]:
    """The finder page's outlets as public dicts with `distance_m` (None without a point).

    With a city: its FINDER_CITY_TOP best-rated outlets in force (Bayesian average, as
    outlets_top_in_city) among those passing the filters. Without: the FINDER_NEAREST nearest
    to the point passing them (outlets_nearest) within finder_reach_km of it, so that filters
    never answer "near you" with an outlet in another province. Neither: an empty list. Unknown speciality: 422.
    """
    point = (query.lat, query.lon) if query.lat is not None and query.lon is not None else None
    if not query.city:
        if point is None:
            return []
        reach_m = finder_reach_km() * 1000
        nearest = outlets_nearest(
            query=NearestQuery(
                lat=point[0],
                lon=point[1],
                limit=FINDER_NEAREST,
                open_now=query.open_now,
                speciality=query.speciality,
                max_wait_minutes=query.max_wait_minutes,
            ),
            now=now,
            language=language,
        )
        return [outlet for outlet in nearest if outlet["distance_m"] <= reach_m]
    policy = current_pack().network
    if query.speciality is not None and query.speciality not in policy.specialities:
        raise ValidationFailed(
            {
                "speciality": problem(
                    "speciality_unknown",
                    unknown=query.speciality[:40],
                    allowed=", ".join(policy.specialities),
                )
            }
        )
    bounds = NearestQuery(lat=0, lon=0, max_wait_minutes=query.max_wait_minutes)
    chosen = [
        outlet
        for outlet in outlets_top_in_city(city=query.city, now=now, language=language, limit=FINDER_CITY_POOL)
        if (not query.open_now or outlet["open_now"])
        and (query.speciality is None or any(s["code"] == query.speciality for s in outlet["specialities"]))
        and _within_queue_bounds(outlet, bounds)
    ][:FINDER_CITY_TOP]
    for outlet in chosen:
        outlet["distance_m"] = (
            round(haversine_km(point[0], point[1], outlet["lat"], outlet["lon"]) * 1000) if point else None
        )
    return chosen


def outlet_cities(*, now: datetime) -> list[tuple[str, str]]:
    """(city adcode, city name) of every city with an outlet in force, by adcode (one query)."""
    rows = (
        Outlet.objects.filter(_in_force_filter(clock.localdate(now)))
        .values_list("city_adcode", "city")
        .order_by("city_adcode", "city")
        .distinct()
    )
    cities: dict[str, str] = {}
    for adcode, name in rows:
        cities.setdefault(adcode, name)
    return list(cities.items())


def outlet_get_public(*, code: str, now: datetime, language: str) -> dict[str, Any]:
    """One outlet's public view by code (any case); 404 for unknown codes and outlets not yet authorised."""
    normal = unicodedata.normalize("NFKC", code).strip().lower()
    if not CODE_PATTERN.match(normal):
        raise NotFound(what="outlet")
    rows = _public_rows(
        Outlet.objects.filter(code=normal).exclude(authorisation=Outlet.Authorisation.PENDING)
    )
    if not rows:
        raise NotFound(what="outlet")
    return outlet_public(rows[0], now=now, language=language)


def outlet_verify(*, query: str, now: datetime, language: str) -> dict[str, Any]:
    """Whether a name, a phone number (any spelling) or a unified social credit code belongs to
    an outlet whose authorisation is in force: the customer's check against fake repair shops.

    verdict: authorised (with those outlets), not_authorised (it belongs to an outlet whose
    authorisation is suspended, revoked or lapsed), invalid_code (looks like a credit code
    but its check character is wrong: no business has it) or unknown.
    """
    text = unicodedata.normalize("NFKC", query).strip()
    if _CONTROL.search(text) or not 0 < len(text) <= MAX_QUERY_LENGTH:
        raise ValidationFailed({"q": problem("query_invalid", limit=MAX_QUERY_LENGTH)})
    compact = normalise_uscc(text)
    matches: QuerySet[Outlet]
    if _USCC_LIKE.match(compact) and not compact.isdigit():
        kind = "uscc"
        if not uscc_number.is_valid(compact):
            return {"query_kind": kind, "verdict": "invalid_code", "outlets": []}
        matches = Outlet.objects.filter(uscc=compact)
    elif _USCC_LIKE.match(compact) and uscc_number.is_valid(compact):
        kind = "uscc"
        matches = Outlet.objects.filter(uscc=compact)
    elif _PHONE_LIKE.match(text) and len(phone_digits(text)) >= 5:
        kind = "phone"
        entry = parse_phone(text, current_pack().default_region)
        same = Q(digits=phone_digits(text)) | (Q(e164=entry.e164) if entry.valid else Q(pk__in=[]))
        matches = Outlet.objects.filter(pk__in=OutletPhone.objects.filter(same).values("outlet_id"))
    else:
        kind = "name"
        key = fold_name(text)
        matches = Outlet.objects.filter(name_key=key) if key else Outlet.objects.none()
    today = clock.localdate(now)
    found = list(matches.exclude(authorisation=Outlet.Authorisation.PENDING).order_by("code")[:50])
    authorised = [o for o in found if in_force(o, today)][:5]
    verdict = "authorised" if authorised else "not_authorised" if found else "unknown"
    return {
        "query_kind": kind,
        "verdict": verdict,
        "outlets": [outlet_public(o, now=now, language=language) for o in _public_rows_of(authorised)],
    }


def _public_rows_of(outlets: list[Outlet]) -> list[Outlet]:
    return (
        _public_rows(Outlet.objects.filter(pk__in=[o.pk for o in outlets]).order_by("code"))
        if outlets
        else []
    )


def outlet_export_rows(batch: int = 2000) -> Iterator[dict[str, str]]:
    """Every outlet as a row of the outlet list, by code; phones loaded a batch at a time."""
    last = ""
    while True:
        outlets = list(Outlet.objects.filter(code__gt=last).order_by("code")[:batch])
        if not outlets:
            return
        phones: dict[int, list[OutletPhone]] = {}
        for phone in OutletPhone.objects.filter(outlet_id__in=[o.pk for o in outlets]).order_by(
            "outlet_id", "position"
        ):
            phones.setdefault(phone.outlet_id, []).append(phone)
        for outlet in outlets:
            yield record_from_outlet(outlet, phones.get(outlet.pk, [])).row()
        last = outlets[-1].code


# --- dispatch: the outlets weighed for a complaint --------------------------------------


def dispatch_candidates(
    *, lat: float, lon: float, wanted: frozenset[str], now: datetime, limit: int
) -> list[Candidate]:
    """The `limit` nearest outlets in force, and the `limit` nearest offering one of `wanted`,
    with their live queues and today's dispatches: three queries besides the in-memory index."""
    index = outlet_index()
    today = clock.localdate(now)
    hits = index.nearest(lat, lon, limit=limit, today=today)
    if wanted:
        hits += index.nearest(lat, lon, limit=limit, today=today, filters=Filters(specialities=wanted))
    unique = {hit.pk: hit for hit in hits}
    return _live_candidates(
        [
            (
                hit.pk,
                hit.code,
                round(hit.distance_mm / 1000),
                index.specialities[index.position[hit.pk]],
                index.capacity[index.position[hit.pk]],
            )
            for hit in unique.values()
        ],
        now=now,
    )


def dispatch_candidate(*, outlet: Outlet, lat: float | None, lon: float | None, now: datetime) -> Candidate:
    """One outlet staff chose, as a candidate (distance 0 when the customer's location is unknown)."""
    distance = (
        0 if lat is None or lon is None else round(distance_mm(lat, lon, outlet.lat, outlet.lon) / 1000)
    )
    return _live_candidates(
        [(outlet.pk, outlet.code, distance, frozenset(outlet.specialities), outlet.capacity_per_day)], now=now
    )[0]


def _live_candidates(
    outlets: list[tuple[int, str, int, frozenset[str], int]], *, now: datetime
) -> list[Candidate]:
    """The outlets (id, code, metres, specialities, capacity) with their queues and today's
    dispatches: two queries."""
    if not outlets:
        return []
    ids = [outlet[0] for outlet in outlets]
    waiting: dict[int, int] = dict.fromkeys(ids, 0)
    for outlet_id, count in OutletQueue.objects.filter(outlet_id__in=ids).values_list("outlet_id", "waiting"):
        waiting[outlet_id] += count
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = dict(
        Dispatch.objects.filter(outlet_id__in=ids, at__gte=midnight)
        .values("outlet_id")
        .annotate(count=Count("id"))
        .values_list("outlet_id", "count")
    )
    return [
        Candidate(
            pk=pk,
            code=code,
            distance_m=distance,
            specialities=specialities,
            waiting=waiting[pk],
            capacity_per_day=capacity,
            dispatched_today=today.get(pk, 0),
        )
        for pk, code, distance, specialities, capacity in outlets
    ]


def dispatch_current(*, complaint_id: int) -> Dispatch | None:
    """The complaint's dispatch in force (its latest), with its outlet; None if never dispatched."""
    return (
        Dispatch.objects.select_related("outlet")
        .filter(complaint_id=complaint_id)
        .order_by("-at", "-id")
        .first()
    )


# The outlet's public columns only, of the latest dispatch (as dispatch_current), and its
# published phones: the detail of every complaint asks, dispatched or not, so both statements
# are built once (common.prepared).
_SERVICE_OUTLET = PreparedRead(
    lambda complaint_id: (
        Dispatch.objects.filter(complaint_id=complaint_id)
        .order_by("-at", "-id")
        .values(
            "outlet_id",
            "outlet__code",
            "outlet__name",
            "outlet__address",
            "outlet__city",
            "outlet__district",
            "outlet__hours",
        )[:1]
    ),
    complaint_id=int,
)
_OUTLET_PHONES = PreparedRead(
    lambda outlet_id: OutletPhone.objects.filter(outlet_id=outlet_id).order_by("id").values("raw"),
    outlet_id=int,
)


def complaint_service_outlet(*, complaint_id: int) -> dict[str, Any] | None:
    """Where the customer takes the device: the outlet the complaint is dispatched to, as anyone may
    see it (public outlet data only; who dispatched it and why stay with staff). None before dispatch.

    Shape: {"code", "name", "address", "city", "district", "phones": [as published], "hours"
    (canonical opening hours, network/hours.py)}. Two queries.
    """
    outlet = next(iter(_SERVICE_OUTLET(complaint_id=complaint_id)), None)
    if outlet is None:
        return None
    return {
        "code": outlet["outlet__code"],
        "name": outlet["outlet__name"],
        "address": outlet["outlet__address"],
        "city": outlet["outlet__city"],
        "district": outlet["outlet__district"],
        "phones": [phone["raw"] for phone in _OUTLET_PHONES(outlet_id=outlet["outlet_id"])],
        "hours": outlet["outlet__hours"],
    }


def outlet_get_for_staff(*, actor: Actor, code: str) -> Outlet:
    """The outlet `code` for the staff who work its desk: its own team or an administrator.

    Unknown code: 404. Anyone else (another outlet's staff, central agents, customers): 403,
    since which outlets exist is public. The one access check of the walk-in desk endpoints.
    """
    if not actor.is_staff:
        raise (
            Unauthenticated("staff_sign_in_required")
            if actor.kind == "anonymous"
            else Forbidden(what="work the outlet desk")
        )
    outlet = outlet_by_code(code)
    if outlet is None:
        raise NotFound(what="outlet")
    if not staff_works_at(actor, outlet):
        raise Forbidden(what="work the outlet desk", outlet=outlet.code)
    return outlet


def staff_works_at(actor: Actor, outlet: Outlet) -> bool:
    """Whether `actor` works the outlet's desk: its own team's staff, or an administrator."""
    return actor.may("outlet.serve_queue") and (
        actor.role == Role.ADMIN or (actor.user is not None and actor.user.team == outlet.team)
    )


def outlet_by_code(code: str) -> Outlet | None:
    """The outlet with this code, in any case or width; None for unknown or malformed codes."""
    normal = unicodedata.normalize("NFKC", code).strip().lower()
    if not CODE_PATTERN.match(normal):
        return None
    return Outlet.objects.filter(code=normal).first()


def outlet_queue_state(*, outlet: Outlet) -> dict[str, dict[str, int]]:
    """The outlet's two lanes now: waiting, issued, served, and a newcomer's wait in minutes."""
    lanes = {q.lane: q for q in OutletQueue.objects.filter(outlet=outlet)}
    minutes_each = minutes_per_customer(
        hours=outlet.hours, capacity_per_day=outlet.capacity_per_day, policy=current_pack().network
    )
    counts = {lane: lanes[lane].waiting if lane in lanes else 0 for lane in ("urgent", "normal")}
    waits = estimated_waits(urgent=counts["urgent"], normal=counts["normal"], minutes_each=minutes_each)
    return {
        lane: {
            "waiting": counts[lane],
            "issued": lanes[lane].issued if lane in lanes else 0,
            "served": lanes[lane].served if lane in lanes else 0,
            "wait_minutes": waits[lane],
        }
        for lane in ("urgent", "normal")
    }
