"""Walk-in lightning service rules: which counter route a device read-out takes, explained.

The rules are the policy pack's `lightning`: a list of versions, each in force from its
`effective_from` date, like `warranty_rules`. A decision reads the version in force on the
day it is made and lists every rule it applied with the facts it read, in Chinese and
English ("bought 2026-11-20, 11 days ago: within the 15-day replacement window").

Routes, first that applies:

1. `express_replacement`: a replacement device within `express_within_hours` (48). The
   device was bought at most `express_within_days_of_purchase` days before the report day
   (day 15 yes, day 16 no: the three-guarantees rule for a performance fault), one of the
   `express_faults` checks failed, and no exclusion holds (liquid indicator red, visible
   damage, opened by an unauthorised shop).
2. `on_spot`: solved at the counter. Nothing failed (advice or a software fix), or every
   faulty component is one the counter replaces (`on_spot_components`) and its part is free
   at the outlet.
3. `regular`: the device stays for an ordinary repair.

Whether a walk-in was in fact solved on the spot is measured afterwards: handed back within
`on_spot_within_minutes` of opening (repairs.selectors.lightning_share).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from aftersales.policy.pack import PolicyError
from aftersales.warranty.rules import CHECKED_COMPONENTS, Reason, _reason

EXPRESS = "express_replacement"
ON_SPOT = "on_spot"
REGULAR = "regular"
ROUTES = (ON_SPOT, EXPRESS, REGULAR)
FAULT_CHECKS = ("touch", "camera", "audio", "signal", "charge_current", "battery_health")


@dataclass(frozen=True)
class LightningRules:
    """One version of the brand's lightning-service rules (policy pack `lightning[i]`)."""

    effective_from: date
    source: dict[str, str]
    channel: str
    on_spot_components: frozenset[str]
    on_spot_within_minutes: int
    express_within_hours: int
    express_within_days_of_purchase: int
    express_faults: frozenset[str]
    express_excludes_liquid: bool
    express_excludes_visible_damage: bool
    express_excludes_unauthorised_repair: bool


_NUMBERS = {
    "on_spot_within_minutes": (1, 24 * 60),
    "express_within_hours": (1, 24 * 30),
    "express_within_days_of_purchase": (0, 365),
}


def parse_lightning(raw: Any) -> tuple[LightningRules, ...]:
    """The pack's `lightning` list, oldest first. PolicyError naming the bad entry otherwise."""
    if not isinstance(raw, list) or not raw:
        raise PolicyError("lightning: a non-empty list of rule versions")
    versions = []
    for index, spec in enumerate(raw):
        where = f"lightning[{index}]"
        try:
            numbers = {}
            for name, (low, high) in _NUMBERS.items():
                value = spec[name]
                if type(value) is not int or not low <= value <= high:
                    raise PolicyError(f"{where}.{name}: a whole number from {low} to {high}")
                numbers[name] = value
            faults = frozenset(spec["express_faults"])
            if not faults <= set(FAULT_CHECKS):
                raise PolicyError(f"{where}.express_faults: checks among {FAULT_CHECKS}")
            versions.append(
                LightningRules(
                    effective_from=date.fromisoformat(spec["effective_from"]),
                    source=dict(spec.get("source", {})),
                    channel=str(spec["channel"]),
                    on_spot_components=frozenset(spec["on_spot_components"]),
                    express_faults=faults,
                    express_excludes_liquid=bool(spec["express_excludes_liquid"]),
                    express_excludes_visible_damage=bool(spec["express_excludes_visible_damage"]),
                    express_excludes_unauthorised_repair=bool(spec["express_excludes_unauthorised_repair"]),
                    **numbers,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(f"{where}: {exc!r}") from exc
    versions.sort(key=lambda v: v.effective_from)
    return tuple(versions)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> tuple[LightningRules, ...]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return parse_lightning(raw.get("lightning"))


def lightning_rules_on(day: date) -> LightningRules:
    """The version in force on `day` (the earliest one for days before any)."""
    path = Path(settings.POLICY_PACK)
    versions = _load(str(path), path.stat().st_mtime_ns)
    in_force = [v for v in versions if v.effective_from <= day]
    return in_force[-1] if in_force else versions[0]


@dataclass(frozen=True)
class CounterFacts:
    """What the counter's decision reads: the purchase, the report day and the read-out's results.

    failed_checks: check kinds that failed (battery_health when below the warranty threshold).
    faulty_components: the components those failures point at (battery, screen, camera...).
    """

    purchase_date: date | None
    reported_on: date
    failed_checks: frozenset[str]
    faulty_components: frozenset[str]
    moisture_indicator_red: bool = False
    visible_damage: bool = False
    unauthorised_repair: bool = False


@dataclass(frozen=True)
class CounterDecision:
    route: str
    reasons: tuple[Reason, ...]
    # Components to replace at the counter (on_spot only).
    on_spot_components: tuple[str, ...] = ()


def faulty_components(failed_checks: frozenset[str]) -> frozenset[str]:
    """The components a set of failed checks points at (touch: screen; battery health: battery)."""
    found = {CHECKED_COMPONENTS[kind] for kind in failed_checks if kind in CHECKED_COMPONENTS}
    if "touch" in failed_checks:
        found.add("screen")
    if "battery_health" in failed_checks:
        found.add("battery")
    return frozenset(found)


def decide_counter(
    *, facts: CounterFacts, rules: LightningRules, part_free: Callable[[str], bool]
) -> CounterDecision:
    """The route of a walk-in (module docstring), with every rule applied and the facts it read.

    `part_free(component)` says whether the outlet can promise the model's part for it now.
    """
    express, reasons = _express(facts, rules)
    if express:
        return CounterDecision(EXPRESS, tuple(reasons))
    if not facts.faulty_components:
        reasons.append(
            _reason(
                "no_fault_found",
                "on_spot",
                {"failed_checks": []},
                "检测未发现硬件故障:柜台现场处理(指导或系统修复)",
                "no hardware fault in the read-out: handled at the counter (advice or software fix)",
            )
        )
        return CounterDecision(ON_SPOT, tuple(reasons))
    components = sorted(facts.faulty_components)
    outside = [c for c in components if c not in rules.on_spot_components]
    missing = [c for c in components if c in rules.on_spot_components and not part_free(c)]
    if not outside and not missing:
        reasons.append(
            _reason(
                "on_spot_part",
                "on_spot",
                {"components": components},
                f"{'、'.join(components)} 可在柜台更换且配件有货:现场解决",
                f"{', '.join(components)} replaced at the counter, parts free at the outlet: solved on the spot",
            )
        )
        return CounterDecision(ON_SPOT, tuple(reasons), tuple(components))
    facts_read: dict[str, Any] = {
        "components": components,
        "not_at_counter": outside,
        "out_of_stock": missing,
    }
    reasons.append(
        _reason(
            "regular_repair",
            "regular",
            facts_read,
            f"需送修:{'、'.join(outside + missing)} 无法在柜台更换或缺货",
            f"needs a regular repair: {', '.join(outside + missing)} not replaced at the counter or out of stock",
        )
    )
    return CounterDecision(REGULAR, tuple(reasons))


def _express(facts: CounterFacts, rules: LightningRules) -> tuple[bool, list[Reason]]:
    reasons: list[Reason] = []
    window = rules.express_within_days_of_purchase
    if facts.purchase_date is None:
        reasons.append(
            _reason(
                "express_window",
                "none",
                {"purchase_date": None},
                "无购买日期:不适用快速换机",
                "no purchase date: express replacement does not apply",
            )
        )
        return False, reasons
    days = (facts.reported_on - facts.purchase_date).days
    within = 0 <= days <= window
    bought = facts.purchase_date.isoformat()
    reasons.append(
        _reason(
            "express_window",
            "covers" if within else "none",
            {"purchase_date": bought, "days": days, "window_days": window},
            f"购买于 {bought},{days} 天前:{'在' if within else '超出'} {window} 天换机期{'内' if within else ''}",
            f"bought {bought}, {days} days ago: {'within' if within else 'outside'} the {window}-day replacement window",
        )
    )
    faults = sorted(facts.failed_checks & rules.express_faults)
    reasons.append(
        _reason(
            "performance_fault",
            "covers" if faults else "none",
            {"failed_checks": faults},
            f"性能故障:{'、'.join(faults)}" if faults else "无性能故障检测项失败",
            f"performance fault: {', '.join(faults)}"
            if faults
            else "no performance fault among the failed checks",
        )
    )
    excluded = False
    for applies, rule, zh, en in (
        (
            rules.express_excludes_liquid and facts.moisture_indicator_red,
            "liquid_damage",
            "进液指示变红",
            "liquid indicator red",
        ),
        (
            rules.express_excludes_visible_damage and facts.visible_damage,
            "visible_damage",
            "外观损伤",
            "visible damage",
        ),
        (
            rules.express_excludes_unauthorised_repair and facts.unauthorised_repair,
            "unauthorised_repair",
            "非授权维修拆机",
            "opened by an unauthorised shop",
        ),
    ):
        if applies:
            excluded = True
            reasons.append(
                _reason(
                    rule, "excludes", {rule: True}, f"{zh}:不适用快速换机", f"{en}: no express replacement"
                )
            )
    eligible = within and bool(faults) and not excluded
    if eligible:
        hours = rules.express_within_hours
        reasons.append(
            _reason(
                "express_replacement",
                "covers",
                {"within_hours": hours},
                f"符合条件:{hours} 小时内提供换机",
                f"eligible: a replacement device within {hours} hours",
            )
        )
    return eligible, reasons
