"""Choosing the outlet a complaint goes to, and saying why in words: pure functions.

Each candidate outlet costs kilometre-equivalents (the pack's `network.dispatch.weights`):

    cost = per_km × km
         + per_waiting × people waiting (both lanes)
         + without_speciality, when the complaint's category has specialities and the outlet offers none
         + per_load × share of today's capacity taken, or when_full once none is left

The cheapest wins; at equal cost the nearer, then the lower code. Capacity taken today is
the complaints dispatched to the outlet since local midnight plus the people waiting now;
an outlet of unknown capacity (0) is never full. The reason names what decided: the nearest
outlet, the nearest with the needed speciality, a shorter queue than nearer outlets, or
nearer outlets full today; then the distance, the queue and the places left.
"""

from dataclasses import dataclass

from aftersales.policy.pack import DispatchWeights, NetworkPolicy, PolicyPack


@dataclass(frozen=True)
class Candidate:
    """An outlet in force near the customer, with its live queue and today's dispatches."""

    pk: int
    code: str
    distance_m: int
    specialities: frozenset[str]
    waiting: int
    capacity_per_day: int
    dispatched_today: int

    @property
    def capacity_left(self) -> int | None:
        """Places left today, or None when the outlet's capacity is unknown (0)."""
        if not self.capacity_per_day:
            return None
        return max(0, self.capacity_per_day - self.dispatched_today - self.waiting)


@dataclass(frozen=True)
class Weighed:
    candidate: Candidate
    cost: float
    # The speciality serving the category that the outlet offers ("" when none or none needed).
    speciality: str


@dataclass(frozen=True)
class Choice:
    chosen: Weighed
    basis: str  # network.models.Dispatch.Basis
    weighed: tuple[Weighed, ...]


def serving_speciality(offered: frozenset[str], wanted: frozenset[str], policy: NetworkPolicy) -> str:
    """The most specific speciality in both sets (serving the fewest categories, then by code), or ""."""
    both = offered & wanted
    if not both:
        return ""
    return min(both, key=lambda code: (len(policy.specialities[code].categories), code))


def weigh(
    candidate: Candidate, *, wanted: frozenset[str], weights: DispatchWeights, policy: NetworkPolicy
) -> Weighed:
    speciality = serving_speciality(candidate.specialities, wanted, policy)
    cost = weights.per_km * candidate.distance_m / 1000 + weights.per_waiting * candidate.waiting
    if wanted and not speciality:
        cost += weights.without_speciality
    left = candidate.capacity_left
    if left == 0:
        cost += weights.when_full
    elif left is not None:
        cost += weights.per_load * (1 - left / candidate.capacity_per_day)
    return Weighed(candidate=candidate, cost=round(cost, 6), speciality=speciality)


def choose(candidates: list[Candidate], *, wanted: frozenset[str], policy: NetworkPolicy) -> Choice | None:
    """The cheapest candidate and the basis of the choice; None without candidates.

    wanted: the specialities serving the complaint's category (empty when none does).
    """
    if not candidates:
        return None
    weights = policy.dispatch.weights
    weighed = sorted(
        (weigh(c, wanted=wanted, weights=weights, policy=policy) for c in candidates),
        key=lambda w: (w.cost, w.candidate.distance_m, w.candidate.code),
    )
    best = weighed[0]
    nearer = [w for w in weighed if _nearer(w, best)]
    if not nearer:
        basis = "nearest"
    elif best.speciality and all(not w.speciality for w in nearer):
        basis = "nearest_with_speciality"
    elif all(w.candidate.capacity_left == 0 for w in nearer if w.speciality or not best.speciality):
        basis = "nearer_full"
    else:
        basis = "shorter_queue"
    return Choice(chosen=best, basis=basis, weighed=tuple(weighed))


def _nearer(one: Weighed, other: Weighed) -> bool:
    a, b = one.candidate, other.candidate
    return (a.distance_m, a.code) < (b.distance_m, b.code)


# --- the reason in words ----------------------------------------------------------------

BASIS_WORDS = {
    "nearest": {"en": "nearest", "zh-hans": "最近的网点"},
    "nearest_with_speciality": {"en": "nearest with {speciality}", "zh-hans": "最近的提供{speciality}的网点"},
    "shorter_queue": {"en": "shorter queue than nearer outlets", "zh-hans": "比更近的网点排队更短"},
    "nearer_full": {"en": "nearer outlets full today", "zh-hans": "更近的网点今日已满"},
    "staff": {"en": "chosen by staff", "zh-hans": "人工指定"},
}
# "nearest" when the nearest outlet also offers the speciality.
NEAREST_WITH = {"en": "nearest, with {speciality}", "zh-hans": "最近的网点,提供{speciality}"}
FACT_WORDS = {
    "km": {"en": "{km} km", "zh-hans": "{km} 公里"},
    "waiting": {"en": "{waiting} waiting", "zh-hans": "{waiting} 人排队"},
    "left": {"en": "{left} places left today", "zh-hans": "今日余 {left} 个名额"},
    "full": {"en": "full today", "zh-hans": "今日已满"},
    "reason": {"en": "reason: {reason}", "zh-hans": "原因:{reason}"},
}
SEPARATOR = {"en": ", ", "zh-hans": ","}


def kilometres(distance_m: int) -> str:
    """2.3 below 100 km, whole kilometres above."""
    km = distance_m / 1000
    return f"{km:.1f}" if km < 100 else f"{km:.0f}"


def reason_words(
    *,
    basis: str,
    speciality: str,
    distance_m: int | None,
    waiting: int,
    capacity_left: int | None,
    reason: str,
    language: str,
    pack: PolicyPack,
) -> str:
    """Why the complaint went where it went, in `language` ("nearest with battery green channel, 2.3 km, 4 waiting")."""
    lang = language if language in ("en", "zh-hans") else "zh-hans"
    name = ""
    if speciality and speciality in pack.network.specialities:
        name = pack.label(pack.network.specialities[speciality].labels, lang)
        if lang == "en":
            name = name[:1].lower() + name[1:]
    if basis == "nearest" and name:
        head = NEAREST_WITH[lang].format(speciality=name)
    else:
        head = BASIS_WORDS.get(basis, BASIS_WORDS["staff"])[lang].format(speciality=name)
    parts = [head]
    if distance_m is not None:
        parts.append(FACT_WORDS["km"][lang].format(km=kilometres(distance_m)))
    parts.append(FACT_WORDS["waiting"][lang].format(waiting=waiting))
    if capacity_left == 0:
        parts.append(FACT_WORDS["full"][lang])
    elif capacity_left is not None:
        parts.append(FACT_WORDS["left"][lang].format(left=capacity_left))
    if reason:
        parts.append(FACT_WORDS["reason"][lang].format(reason=reason))
    return SEPARATOR[lang].join(parts)
