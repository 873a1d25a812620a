"""Writes to the service network: outlet lists, single outlets, ratings, walk-in queues.

Every write that changes where an outlet is or what it offers also changes the
network's version token (NetworkVersion) in the same transaction, so that each process
rebuilds its finder index on its next query.
"""

import logging
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from aftersales.accounts.actors import SYSTEM, Actor
from aftersales.accounts.roles import Role
from aftersales.common import clock
from aftersales.common.errors import Conflict, DomainError, Forbidden, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import staff_may_see
from aftersales.complaints.services import complaint_hand_to_outlet
from aftersales.network import events
from aftersales.network.dispatch import Choice, choose, reason_words, weigh
from aftersales.network.geo import CHINA_BOUNDS, within
from aftersales.network.models import (
    Dispatch,
    NetworkVersion,
    Outlet,
    OutletEvent,
    OutletPhone,
    OutletQueue,
    OutletRating,
    outlet_team,
)
from aftersales.network.records import OUTLET_FIELDS, OutletRecord, parse_outlet_row, record_from_outlet
from aftersales.network.selectors import (
    NearestQuery,
    dispatch_candidate,
    dispatch_candidates,
    dispatch_current,
    in_force,
    outlet_by_code,
    query_point,
    staff_works_at,
)
from aftersales.policy.pack import PolicyPack, current_pack

log = logging.getLogger(__name__)

# SQLite allows 999 bound parameters in older builds: look rows up in slices below that.
_SLICE = 900
LANES = (OutletQueue.Lane.URGENT.value, OutletQueue.Lane.NORMAL.value)


@dataclass(frozen=True)
class RowProblem:
    """Why one row of an outlet list was refused: its row number (the header is row 1), column and reason."""

    row: int
    column: str
    code: str
    params: dict[str, object]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused_rows,
        }


@dataclass(frozen=True)
class QueueTicket:
    outlet: str
    lane: str
    ticket: int
    waiting: int


def network_version_change(*, at: datetime) -> str:
    """Give the network a new version token; call inside the transaction of the change."""
    token = uuid.uuid4().hex
    if not NetworkVersion.objects.filter(pk=1).update(token=token, changed_at=at):
        NetworkVersion.objects.update_or_create(pk=1, defaults={"token": token, "changed_at": at})
    return token


def outlets_import(
    *,
    actor: Actor,
    rows: Iterable[tuple[int, dict[str, Any] | str]],
    source: str,
    progress: Callable[[Iterator[Any], int, str], Iterator[Any]] | None = None,
    total: int = 0,
) -> ImportReport:
    """Load an outlet list: create new outlets, update changed ones in place, refuse bad rows.

    rows: (row number, the row's values by column, or why the row could not be read).
    The outlet code is the key: importing the same list twice changes nothing the second
    time. Good rows land even when others are refused; all the good rows land in one
    transaction, or none do. `progress` wraps an iterator to show progress (a tqdm bar).
    """
    pack = current_pack()
    report = ImportReport()
    records: dict[str, tuple[int, OutletRecord]] = {}
    refused_rows: set[int] = set()
    wrap = progress or (lambda iterator, _total, _label: iterator)

    # 1. Check every row; a code seen twice in one file refuses the later row.
    for number, row in wrap(iter(rows), total, "check"):
        if isinstance(row, str):
            report.problems.append(RowProblem(number, "", "row_unreadable", {"detail": row}))
            refused_rows.add(number)
            continue
        record, problems = parse_outlet_row(row, pack=pack)
        if record is not None and record.code in records:
            problems = {"code": problem("duplicate_in_file", row=records[record.code][0])}
            record = None
        for column, issue in problems.items():
            report.problems.append(RowProblem(number, column, issue.code, issue.params))
        if record is None:
            refused_rows.add(number)
        else:
            records[record.code] = (number, record)
    report.refused_rows = len(refused_rows)

    # 2. Write the good rows.
    with transaction.atomic():
        _apply(
            actor=actor,
            records=[record for _number, record in records.values()],
            source=source,
            report=report,
            progress=wrap,
        )
    return report


def outlet_save(*, actor: Actor, row: dict[str, Any], source: str = "admin") -> Outlet:
    """Create or update one outlet from its values by column (the admin form); 422 names the bad fields."""
    record, problems = parse_outlet_row(row, pack=current_pack())
    if record is None:
        raise ValidationFailed(problems)
    with transaction.atomic():
        _apply(actor=actor, records=[record], source=source, report=ImportReport())
    return Outlet.objects.get(code=record.code)


def _apply(
    *,
    actor: Actor,
    records: list[OutletRecord],
    source: str,
    report: ImportReport,
    progress: Callable[[Iterator[Any], int, str], Iterator[Any]] | None = None,
) -> None:
    """Upsert checked records by code, with their phones, queues and events, in the caller's transaction."""
    now = clock.now()
    wrap = progress or (lambda iterator, _total, _label: iterator)
    existing: dict[str, Outlet] = {}
    codes = [record.code for record in records]
    for start in range(0, len(codes), _SLICE):
        for found in Outlet.objects.filter(code__in=codes[start : start + _SLICE]):
            existing[found.code] = found
    phones: dict[int, list[OutletPhone]] = {}
    ids = [found.pk for found in existing.values()]
    for start in range(0, len(ids), _SLICE):
        for phone in OutletPhone.objects.filter(outlet_id__in=ids[start : start + _SLICE]).order_by(
            "outlet_id", "position"
        ):
            phones.setdefault(phone.outlet_id, []).append(phone)

    new: list[tuple[Outlet, OutletRecord]] = []
    changed: list[tuple[Outlet, OutletRecord, list[str]]] = []
    for record in wrap(iter(records), len(records), "compare"):
        outlet = existing.get(record.code)
        if outlet is None:
            new.append((Outlet(**record.outlet_values(), created_at=now, updated_at=now), record))
            continue
        before = record_from_outlet(outlet, phones.get(outlet.pk, []))
        fields = [
            name for name in (*OUTLET_FIELDS, "phones") if getattr(before, name) != getattr(record, name)
        ]
        if not fields:
            report.unchanged += 1
            continue
        for name, value in record.outlet_values().items():
            setattr(outlet, name, value)
        outlet.updated_at = now
        changed.append((outlet, record, fields))

    if not new and not changed:
        return
    Outlet.objects.bulk_create([outlet for outlet, _ in new], batch_size=500)
    if changed:
        update_fields = sorted({*(set(OUTLET_FIELDS) | {"name_key", "updated_at"})})
        Outlet.objects.bulk_update([outlet for outlet, _, _ in changed], update_fields, batch_size=500)
    rewrite = [(outlet, record) for outlet, record, fields in changed if "phones" in fields]
    stale = [outlet.pk for outlet, _ in rewrite]
    for start in range(0, len(stale), _SLICE):
        OutletPhone.objects.filter(outlet_id__in=stale[start : start + _SLICE]).delete()
    OutletPhone.objects.bulk_create(
        [
            OutletPhone(
                outlet=outlet,
                position=position,
                raw=phone.raw,
                e164=phone.e164,
                digits=phone.digits,
                valid=phone.valid,
            )
            for outlet, record in [*new, *rewrite]
            for position, phone in enumerate(record.phones)
        ],
        batch_size=1000,
    )
    OutletQueue.objects.bulk_create(
        [OutletQueue(outlet=outlet, lane=lane, updated_at=now) for outlet, _ in new for lane in LANES],
        batch_size=1000,
    )
    OutletEvent.objects.bulk_create(
        [events.outlet_created_event(outlet=outlet, actor=actor, at=now, source=source) for outlet, _ in new]
        + [
            events.outlet_updated_event(outlet=outlet, actor=actor, at=now, source=source, fields=fields)
            for outlet, _, fields in changed
        ],
        batch_size=1000,
    )
    report.created += len(new)
    report.updated += len(changed)
    network_version_change(at=now)


def outlet_record_rating(*, actor: Actor, outlet: Outlet, source: str, score: int) -> Outlet:
    """Count one satisfaction score (1-5) for the outlet that handled `source` (e.g. "complaint:OP…").

    The same source rating again replaces its earlier score, so a customer who changes
    their mind is counted once. Returns the outlet with its new count and sum.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed({"score": problem("rating_invalid")})
    if not source or len(source) > 64:
        raise ValidationFailed({"source": problem("text_too_long", limit=64, length=len(source))})
    now = clock.now()
    with transaction.atomic():
        rating, created = OutletRating.objects.select_for_update().get_or_create(
            outlet=outlet, source=source, defaults={"score": score, "at": now}
        )
        replaced = None if created else rating.score
        if created:
            Outlet.objects.filter(pk=outlet.pk).update(
                rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + score
            )
        elif replaced != score:
            OutletRating.objects.filter(pk=rating.pk).update(score=score, at=now)
            Outlet.objects.filter(pk=outlet.pk).update(rating_sum=F("rating_sum") + (score - rating.score))
        events.outlet_rated_event(
            outlet=outlet, actor=actor, at=now, source=source, score=score, replaced=replaced
        ).save()
    outlet.refresh_from_db(fields=["rating_count", "rating_sum"])
    return outlet


def outlet_record_ratings(*, actor: Actor, outlet: Outlet, scores: dict[str, int]) -> Outlet:
    """Many satisfaction scores at once, by source (a backfill, the demo): as outlet_record_rating
    for each, in one transaction, with one event counting them."""
    bad = [s for s in scores.values() if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5]
    if bad or any(not source or len(source) > 64 for source in scores):
        raise ValidationFailed({"scores": problem("rating_invalid")})
    now = clock.now()
    with transaction.atomic():
        known = {
            r.source: r
            for r in OutletRating.objects.select_for_update().filter(outlet=outlet, source__in=list(scores))
        }
        fresh = [
            OutletRating(outlet=outlet, source=k, score=v, at=now)
            for k, v in scores.items()
            if k not in known
        ]
        changed = [r for r in known.values() if r.score != scores[r.source]]
        delta = sum(r.score for r in fresh) + sum(scores[r.source] - r.score for r in changed)
        for rating in changed:
            rating.score, rating.at = scores[rating.source], now
        OutletRating.objects.bulk_create(fresh, batch_size=1000)
        OutletRating.objects.bulk_update(changed, ["score", "at"], batch_size=1000)
        Outlet.objects.filter(pk=outlet.pk).update(
            rating_count=F("rating_count") + len(fresh), rating_sum=F("rating_sum") + delta
        )
        events.outlet_ratings_loaded_event(
            outlet=outlet, actor=actor, at=now, added=len(fresh), replaced=len(changed)
        ).save()
    outlet.refresh_from_db(fields=["rating_count", "rating_sum"])
    return outlet


def _lane(lane: str) -> str:
    if lane not in LANES:
        raise ValidationFailed({"lane": problem("lane_unknown", allowed=", ".join(LANES))})
    return lane


def outlet_queue_join(*, actor: Actor, outlet: Outlet, lane: str) -> QueueTicket:
    """A walk-in customer takes a ticket in a lane (urgent or normal): one more waiting.

    One conditional UPDATE adds to the counters, so that concurrent joins each get their
    own ticket number on SQLite (whose write transactions run one at a time) and
    PostgreSQL (where the row stays locked by the update until commit).
    """
    _lane(lane)
    now = clock.now()
    with transaction.atomic():
        moved = OutletQueue.objects.filter(outlet=outlet, lane=lane).update(
            waiting=F("waiting") + 1, issued=F("issued") + 1, updated_at=now
        )
        if not moved:
            OutletQueue.objects.create(outlet=outlet, lane=lane, waiting=1, issued=1, updated_at=now)
        queue = OutletQueue.objects.get(outlet=outlet, lane=lane)
        events.queue_joined_event(outlet=outlet, actor=actor, at=now, lane=lane, ticket=queue.issued).save()
    return QueueTicket(outlet=outlet.code, lane=lane, ticket=queue.issued, waiting=queue.waiting)


def outlet_queue_serve(*, actor: Actor, outlet: Outlet, lane: str | None = None) -> QueueTicket:
    """Outlet staff call the next ticket: of `lane`, or urgent before normal when no lane is given.

    Only the outlet's own staff (team outlet-<code>) or an administrator may; 409 when
    nobody waits. The decrement is conditional (waiting > 0), so two desks calling at
    once never serve the same ticket nor take the count below zero.
    """
    if not staff_works_at(actor, outlet):
        raise Forbidden(what="serve the outlet queue", outlet=outlet.code)
    lanes = [_lane(lane)] if lane else list(LANES)
    now = clock.now()
    with transaction.atomic():
        for candidate in lanes:
            served = OutletQueue.objects.filter(outlet=outlet, lane=candidate, waiting__gt=0).update(
                waiting=F("waiting") - 1, served=F("served") + 1, updated_at=now
            )
            if served:
                queue = OutletQueue.objects.get(outlet=outlet, lane=candidate)
                events.queue_served_event(
                    outlet=outlet, actor=actor, at=now, lane=candidate, ticket=queue.served
                ).save()
                return QueueTicket(
                    outlet=outlet.code, lane=candidate, ticket=queue.served, waiting=queue.waiting
                )
    raise Conflict("queue_empty", lane=lane or "urgent/normal", outlet=outlet.code)


# --- dispatch: a complaint goes to an outlet ---------------------------------------------

# A staff member's reason for a dispatch: a sentence or two, as complaints' reasons are.
REASON_LIMIT = 500


@dataclass(frozen=True)
class Location:
    """Where the customer is: WGS-84 degrees. Used to choose an outlet, never stored."""

    lat: float
    lon: float


def complaint_dispatch(
    *,
    complaint: Complaint,
    actor: Actor,
    outlet: Outlet | None = None,
    reason: str = "",
    location: Location | None = None,
) -> Dispatch:
    """Send the complaint to an outlet: `outlet` when staff name one, else the cheapest near `location`.

    The choice weighs distance, the live queue, today's capacity and the speciality the
    complaint's category needs (network/dispatch.py, weights in the pack's
    `network.dispatch`). In one transaction: the complaint goes to the outlet's team with
    the reason in words on its timeline and the outlet's inspection clock starting now
    (complaints.complaint_hand_to_outlet), and the dispatch is recorded with its facts.
    Central staff dispatch (permission `complaint.dispatch`); the system does on intake.
    Errors: 403 for anyone else; 422 `reason` when re-dispatching without one (or too long),
    `outlet` when it is not in force or neither an outlet nor a location is given, `lat`/`lon`
    out of range or outside China (geo.CHINA_BOUNDS); 409 `already_at_outlet`,
    `no_outlet_in_reach` (no outlet in force within the pack's `max_distance_km` of the location;
    a named outlet is not bound by it), `dispatch_category_needs_no_outlet` (by location only),
    `transition_not_allowed`; 403 `dispatch_level_held` (see _check_may_dispatch)
    when the complaint is not open.
    """
    if actor.kind != "system" and (
        not actor.is_staff or not actor.may("complaint.dispatch") or not staff_may_see(actor, complaint)
    ):
        raise Forbidden(what="dispatch a complaint")
    reason = reason.strip()
    _check_dispatch_reason(reason)
    if location is not None:
        _check_location(location)
        _check_in_china(location)
    if outlet is None and location is None:
        raise ValidationFailed({"outlet": problem("dispatch_needs_location")})
    with transaction.atomic():
        # Locked first: two staff re-dispatching at once take turns, the second sees the first's.
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        previous = dispatch_current(complaint_id=complaint.pk)
        if previous is not None and not reason:
            raise ValidationFailed({"reason": problem("dispatch_reason_required")})
        _check_may_dispatch(complaint=complaint, actor=actor, by_location=outlet is None)
        now = clock.now()
        # A named outlet is staff's call; a location is answered within the pack's reach.
        choice = _choose(
            complaint=complaint,
            outlet=outlet,
            location=location,
            now=now,
            max_km=current_pack().network.dispatch.max_distance_km,
        )
        if choice is None:
            raise Conflict("no_outlet_in_reach", number=complaint.number)
        return _record(
            complaint=complaint,
            actor=actor,
            choice=choice,
            reason=reason,
            located=location is not None,
            previous=previous,
            now=now,
        )


def complaint_dispatch_as_asked(
    *,
    complaint: Complaint,
    actor: Actor,
    outlet_code: str = "",
    reason: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
) -> Dispatch:
    """Staff's dispatch as asked on the API or the desk: the outlet named by its code, else the
    best near the customer's point (`lat` and `lon`), else near their address resolved offline
    (network.address, as the finder reads it). Then complaint_dispatch.

    422 names the field: `outlet` unknown, `lat`/`lon` half given, `address` naming no place or
    several; otherwise complaint_dispatch's errors.
    """
    outlet = None
    if outlet_code:
        outlet = outlet_by_code(outlet_code)
        if outlet is None:
            raise ValidationFailed({"outlet": problem("outlet_unknown", outlet=outlet_code[:40])})
    location = None
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise ValidationFailed({"lat" if lat is None else "lon": problem("required")})
        location = Location(lat=lat, lon=lon)
    elif address.strip() and outlet is None:
        point = query_point(NearestQuery(address=address))
        location = Location(lat=point[0], lon=point[1])
    return complaint_dispatch(
        complaint=complaint, actor=actor, outlet=outlet, reason=reason, location=location
    )


def complaint_dispatch_on_intake(*, complaint: Complaint, location: Location) -> Dispatch | None:
    """Dispatch a new complaint at once when the pack says it needs an outlet, or leave it to staff.

    Automatic when its category needs inspection or repair (pack `network.dispatch.categories`),
    its level is dispatched automatically (`automatic_levels`), it is not waiting for human
    triage, and an outlet in force lies within `max_distance_km`. Runs in the intake's
    transaction: when no outlet fits, the complaint is opened all the same and waits for staff
    (None).
    """
    pack = current_pack()
    policy = pack.network.dispatch
    if (
        complaint.category not in policy.categories
        or complaint.level not in policy.automatic_levels
        or complaint.team == pack.triage_team
    ):
        return None
    now = clock.now()
    try:
        # Everything that may refuse comes before the first write: no savepoint is needed.
        _check_location(location)
        choice = _choose(
            complaint=complaint, outlet=None, location=location, now=now, max_km=policy.max_distance_km
        )
    except DomainError as error:
        log.warning("complaint %s not dispatched on intake: %s", complaint.number, error)
        return None
    if choice is None:
        return None
    return _record(
        complaint=complaint, actor=SYSTEM, choice=choice, reason="", located=True, previous=None, now=now
    )


def _choose(
    *,
    complaint: Complaint,
    outlet: Outlet | None,
    location: Location | None,
    now: datetime,
    max_km: float | None,
) -> Choice | None:
    pack = current_pack()
    network = pack.network
    wanted = network.specialities_for_category(complaint.category)
    if outlet is not None:
        if not in_force(outlet, clock.localdate(now)):
            raise ValidationFailed({"outlet": problem("outlet_not_in_force", outlet=outlet.code)})
        candidate = dispatch_candidate(
            outlet=outlet,
            lat=location.lat if location else None,
            lon=location.lon if location else None,
            now=now,
        )
        chosen = weigh(candidate, wanted=wanted, weights=network.dispatch.weights, policy=network)
        return Choice(chosen=chosen, basis=Dispatch.Basis.STAFF, weighed=(chosen,))
    assert location is not None
    candidates = dispatch_candidates(
        lat=location.lat, lon=location.lon, wanted=wanted, now=now, limit=network.dispatch.candidates
    )
    if max_km is not None:
        candidates = [c for c in candidates if c.distance_m <= max_km * 1000]
    return choose(candidates, wanted=wanted, policy=network)


def _record(
    *,
    complaint: Complaint,
    actor: Actor,
    choice: Choice,
    reason: str,
    located: bool,
    previous: Dispatch | None,
    now: datetime,
) -> Dispatch:
    """Hand the complaint over and write the dispatch, in the caller's transaction."""
    pack = current_pack()
    chosen = choice.chosen
    candidate = chosen.candidate
    # Escalation hands a complaint to a central team: sending it back to the same outlet is a move.
    if (
        previous is not None
        and previous.outlet_id == candidate.pk
        and complaint.team == outlet_team(candidate.code)
    ):
        raise Conflict("already_at_outlet", number=complaint.number, outlet=candidate.code)
    distance = candidate.distance_m if located else None
    words = {
        language: reason_words(
            basis=choice.basis,
            speciality=chosen.speciality,
            distance_m=distance,
            waiting=candidate.waiting,
            capacity_left=candidate.capacity_left,
            reason=reason,
            language=language,
            pack=pack,
        )
        for language in _languages(pack)
    }
    automatic = choice.basis != Dispatch.Basis.STAFF
    facts = {
        "outlet": candidate.code,
        "outlet_from": previous.outlet.code if previous is not None else None,
        "automatic": automatic,
        "basis": choice.basis,
        "speciality": chosen.speciality or None,
        "distance_m": distance,
        "waiting": candidate.waiting,
        "capacity_left": candidate.capacity_left,
        "reason": reason,
        "text": words,
    }
    handed = complaint_hand_to_outlet(
        actor=actor, complaint=complaint, team=outlet_team(candidate.code), facts=facts
    )
    return Dispatch.objects.create(
        complaint=handed,
        outlet_id=candidate.pk,
        at=now,
        actor=actor.ref,
        automatic=automatic,
        basis=choice.basis,
        reason=reason,
        speciality=chosen.speciality,
        distance_m=distance,
        waiting=candidate.waiting,
        capacity_left=candidate.capacity_left,
        cost=chosen.cost,
        candidates=[
            {
                "outlet": w.candidate.code,
                "distance_m": w.candidate.distance_m if located else None,
                "waiting": w.candidate.waiting,
                "capacity_left": w.candidate.capacity_left,
                "speciality": w.speciality or None,
                "cost": w.cost,
            }
            for w in choice.weighed
        ],
    )


def _languages(pack: PolicyPack) -> tuple[str, ...]:
    return tuple(language for language in ("zh-hans", "en") if language in pack.languages) or ("zh-hans",)


def _check_dispatch_reason(reason: str) -> None:
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed({"reason": problem("text_too_long", limit=REASON_LIMIT, length=len(reason))})
    found = text_problem(reason)
    if found is not None:
        raise ValidationFailed({"reason": found})


def _check_location(location: Location) -> None:
    problems = {}
    for name, value, bound in (("lat", location.lat, 90), ("lon", location.lon, 180)):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not -bound <= value <= bound:
            problems[name] = problem("coordinate_invalid", low=-bound, high=bound)
    if problems:
        raise ValidationFailed(problems)


def _check_may_dispatch(*, complaint: Complaint, actor: Actor, by_location: bool) -> None:
    """Refuse what the pack's `network.dispatch` keeps from an outlet or from this actor.

    A complaint at a level outside `automatic_levels` (the L3 major complaint) stays with that
    level's team (pack `levels.<level>.team`, the HQ experts), who dispatch it themselves:
    403 `dispatch_level_held` for other staff; administrators may. A complaint whose category
    needs no outlet (not in `categories`) is not sent to one by location: 409
    `dispatch_category_needs_no_outlet`, naming the category; staff may still name an outlet.
    """
    pack = current_pack()
    policy = pack.network.dispatch
    if actor.kind == "staff" and complaint.level not in policy.automatic_levels:
        level = pack.levels.get(complaint.level)
        team = actor.user.team if actor.user is not None else ""
        if actor.role != Role.ADMIN and (level is None or team != level.team):
            raise Forbidden("dispatch_level_held", number=complaint.number)
    if by_location and complaint.category not in policy.categories:
        refused = Conflict(
            "dispatch_category_needs_no_outlet",
            number=complaint.number,
            category=pack.categories.get(complaint.category, {}),
        )
        refused.extra = {"category": complaint.category}
        raise refused


def _check_in_china(location: Location) -> None:
    """Refuse a point outside China's extent (network/geo.py CHINA_BOUNDS), naming both coordinates."""
    if not within(CHINA_BOUNDS, location.lat, location.lon):
        found = problem("coordinates_outside_china", lat=location.lat, lon=location.lon)
        raise ValidationFailed({"lat": found, "lon": found})
