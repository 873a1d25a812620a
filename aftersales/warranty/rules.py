"""Warranty decisions that explain themselves: pure functions over facts and the brand's rules.

The rules and their thresholds are the policy pack's `warranty_rules`: a list of versions,
each in force from its `effective_from` date until the next one. A decision reads the
version in force on the day it is made and writes down which one, every rule it applied and
the facts each rule read, in Chinese and English:

    "电池健康度 76% < 80%:免费更换电池" / "battery health 76% < 80%: free battery"

Decisions are stored by the caller and never recomputed, so a later rule change leaves
them as they were.

The warranty period: a device bought on 2024-03-02 under a 24-month rule is covered up to
and including 2026-03-01, the last day of its 24th month; on 2026-03-02 it is out.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from aftersales.policy.pack import PolicyError

COVERED = "covered"
NOT_COVERED = "not_covered"
PARTIAL = "partial"
OUTCOMES = (COVERED, NOT_COVERED, PARTIAL)

# Components whose fault a device check reads directly (check kind -> component).
CHECKED_COMPONENTS = {
    "camera": "camera",
    "audio": "speaker",
    "signal": "antenna",
    "charge_current": "charging_port",
}
SCREEN_COVERS = ("parts_and_labour", "parts")


@dataclass(frozen=True)
class WarrantyRules:
    """One version of the brand's warranty rules (policy pack `warranty_rules[i]`)."""

    effective_from: date
    source: dict[str, str]
    months_from_purchase: int
    battery_health_below_percent: int
    touch_failures_in_a_row: int
    screen_damage_report_within_days: int
    screen_damage_covers: str
    liquid_indicator_excludes: bool
    unauthorised_repair_excludes: bool


_FIELDS = {
    "months_from_purchase": (1, 240),
    "battery_health_below_percent": (1, 100),
    "touch_failures_in_a_row": (1, 100),
    "screen_damage_report_within_days": (0, 365),
}


def parse_rules(raw: Any) -> tuple[WarrantyRules, ...]:
    """The pack's `warranty_rules` list, oldest first. PolicyError naming the bad entry otherwise."""
    if not isinstance(raw, list) or not raw:
        raise PolicyError("warranty_rules: a non-empty list of rule versions")
    versions = []
    for index, spec in enumerate(raw):
        where = f"warranty_rules[{index}]"
        try:
            effective_from = date.fromisoformat(spec["effective_from"])
            numbers = {}
            for name, (low, high) in _FIELDS.items():
                value = spec[name]
                if type(value) is not int or not low <= value <= high:
                    raise PolicyError(f"{where}.{name}: a whole number from {low} to {high}")
                numbers[name] = value
            covers = spec.get("screen_damage_covers", "parts_and_labour")
            if covers not in SCREEN_COVERS:
                raise PolicyError(f"{where}.screen_damage_covers: one of {SCREEN_COVERS}")
            versions.append(
                WarrantyRules(
                    effective_from=effective_from,
                    source=dict(spec.get("source", {})),
                    screen_damage_covers=covers,
                    liquid_indicator_excludes=bool(spec["liquid_indicator_excludes"]),
                    unauthorised_repair_excludes=bool(spec["unauthorised_repair_excludes"]),
                    **numbers,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(f"{where}: {exc!r}") from exc
    versions.sort(key=lambda v: v.effective_from)
    days = [v.effective_from for v in versions]
    if len(set(days)) != len(days):
        raise PolicyError("warranty_rules: two versions take effect on the same day")
    return tuple(versions)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> tuple[WarrantyRules, ...]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return parse_rules(raw.get("warranty_rules"))


def rule_versions() -> tuple[WarrantyRules, ...]:
    """Every version of the current pack's warranty rules, oldest first."""
    path = Path(settings.POLICY_PACK)
    return _load(str(path), path.stat().st_mtime_ns)


def rules_on(day: date) -> WarrantyRules:
    """The version in force on `day` (the earliest one for days before any)."""
    versions = rule_versions()
    in_force = [v for v in versions if v.effective_from <= day]
    return in_force[-1] if in_force else versions[0]


# --- the facts and the decision ---------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the decision may read. Dates are local calendar days.

    reported_on: the day the customer reported the fault (the complaint's date).
    touch_failures_in_a_row: the touch test's consecutive abnormal results (None: not tested).
    failed_checks: kinds of device checks that failed (camera, audio, signal, charge_current).
    damage_date: the day the customer says the screen was damaged (None: no damage reported).
    """

    purchase_date: date | None
    reported_on: date
    battery_health: int | None = None
    touch_failures_in_a_row: int | None = None
    moisture_indicator_red: bool = False
    unauthorised_repair: bool = False
    damage_date: date | None = None
    failed_checks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reason:
    rule: str
    effect: str  # covers | excludes | none
    facts: dict[str, Any]
    text: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "effect": self.effect, "facts": self.facts, **self.text}


@dataclass(frozen=True)
class ItemDecision:
    component: str
    outcome: str
    covers_parts: bool
    covers_labour: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the 31st becomes the month's last day where it has none."""
    year = day.year + (day.month - 1 + months) // 12
    month = (day.month - 1 + months) % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def last_covered_day(purchase: date, months: int) -> date:
    """The last day of the `months`-th month from `purchase`: the day before the same date
    `months` later (2024-03-02, 24 -> 2026-03-01; 2024-01-31, 1 -> 2024-02-28)."""
    return add_months(purchase, months) - timedelta(days=1)


def warranty_last_day(purchase: date, *, rules: WarrantyRules) -> date:
    """The last day a device bought on `purchase` is covered under `rules` (their
    `months_from_purchase`, read as the last day of that month): every reading of the warranty
    period (decisions, the device's stored end, the public look-up) goes through here."""
    return last_covered_day(purchase, rules.months_from_purchase)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (20 for 2025-03-02 .. 2026-11-05)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def _reason(rule: str, effect: str, facts: dict[str, Any], zh: str, en: str) -> Reason:
    return Reason(rule=rule, effect=effect, facts=facts, text={"zh-hans": zh, "en": en})


def _exclusions(facts: Facts, rules: WarrantyRules) -> list[Reason]:
    found = []
    if rules.liquid_indicator_excludes and facts.moisture_indicator_red:
        found.append(
            _reason(
                "liquid_damage",
                "excludes",
                {"moisture_indicator": "red"},
                "进液指示标签变红:不在保修范围",
                "liquid damage indicator red: excluded",
            )
        )
    if rules.unauthorised_repair_excludes and facts.unauthorised_repair:
        found.append(
            _reason(
                "unauthorised_repair",
                "excludes",
                {"unauthorised_repair": True},
                "曾在非授权网点维修:不在保修范围",
                "repaired by an unauthorised shop: excluded",
            )
        )
    return found


def _period(facts: Facts, rules: WarrantyRules) -> Reason:
    months = rules.months_from_purchase
    if facts.purchase_date is None:
        return _reason(
            "warranty_period",
            "excludes",
            {"purchase_date": None},
            "购买日期未知:无法确认保修",
            "purchase date unknown: warranty cannot be verified",
        )
    purchase = facts.purchase_date
    last_day = warranty_last_day(purchase, rules=rules)
    elapsed = max(0, months_between(purchase, facts.reported_on))
    data = {
        "purchase_date": purchase.isoformat(),
        "reported_on": facts.reported_on.isoformat(),
        "last_covered_day": last_day.isoformat(),
        "months": months,
    }
    if purchase <= facts.reported_on <= last_day:
        return _reason(
            "warranty_period",
            "covers",
            data,
            f"购买于 {purchase.isoformat()},{elapsed} 个月前:在 {months} 个月保修期内",
            f"purchase {purchase.isoformat()}, {elapsed} months ago: within the {months}-month warranty",
        )
    return _reason(
        "warranty_period",
        "excludes",
        data,
        f"购买于 {purchase.isoformat()},保修期至 {last_day.isoformat()}:已过 {months} 个月保修期",
        f"purchase {purchase.isoformat()}, warranty ended {last_day.isoformat()}: outside the {months}-month warranty",
    )


def _battery(facts: Facts, rules: WarrantyRules) -> Reason:
    limit = rules.battery_health_below_percent
    health = facts.battery_health
    if health is None:
        return _reason(
            "battery_health",
            "none",
            {"battery_health": None},
            "未检测电池健康度",
            "battery health not measured",
        )
    data = {"battery_health": health, "below": limit}
    if health < limit:
        return _reason(
            "battery_health",
            "covers",
            data,
            f"电池健康度 {health}% < {limit}%:免费更换电池",
            f"battery health {health}% < {limit}%: free battery",
        )
    return _reason(
        "battery_health",
        "none",
        data,
        f"电池健康度 {health}% ≥ {limit}%:属正常损耗,更换电池需付费",
        f"battery health {health}% ≥ {limit}%: normal wear, a new battery is paid",
    )


def _screen(facts: Facts, rules: WarrantyRules) -> Reason:
    if facts.damage_date is not None:
        window = rules.screen_damage_report_within_days
        days = (facts.reported_on - facts.damage_date).days
        data = {
            "damage_date": facts.damage_date.isoformat(),
            "reported_on": facts.reported_on.isoformat(),
            "days": days,
            "window_days": window,
        }
        if 0 <= days <= window:
            return _reason(
                "screen_damage_window",
                "covers",
                data,
                f"屏幕损坏后 {days} 天报修:在 {window} 天期限内",
                f"screen damage reported {days} days after the damage date: within the {window}-day window",
            )
        return _reason(
            "screen_damage_window",
            "excludes",
            data,
            f"屏幕损坏后 {days} 天报修:超出 {window} 天期限",
            f"screen damage reported {days} days after the damage date: outside the {window}-day window",
        )
    needed = rules.touch_failures_in_a_row
    failures = facts.touch_failures_in_a_row or 0
    data = {"touch_failures_in_a_row": failures, "needed": needed}
    if failures >= needed:
        return _reason(
            "touch_failures",
            "covers",
            data,
            f"触控连续 {failures} 次检测异常:屏幕更换在保修范围",
            f"touch abnormal {failures} times in a row: screen replacement covered",
        )
    return _reason(
        "touch_failures",
        "none",
        data,
        f"触控连续异常 {failures} 次,少于 {needed} 次:未确认屏幕故障",
        f"touch abnormal {failures} times in a row, fewer than {needed}: no screen fault confirmed",
    )


def _other(component: str, facts: Facts) -> Reason:
    checks = [kind for kind, part in CHECKED_COMPONENTS.items() if part == component]
    if not checks:
        return _reason(
            "defect",
            "covers",
            {"component": component},
            "诊断确认部件故障",
            "defect confirmed by the diagnosis",
        )
    failed = [kind for kind in checks if kind in facts.failed_checks]
    data = {"component": component, "checks": checks, "failed": failed}
    if failed:
        return _reason(
            "defect",
            "covers",
            data,
            f"{failed[0]} 检测未通过:部件故障",
            f"{failed[0]} check failed: component defect",
        )
    return _reason(
        "defect",
        "none",
        data,
        f"{checks[0]} 检测通过:未发现部件故障",
        f"{checks[0]} check passed: no defect found",
    )


def decide_item(*, component: str, facts: Facts, rules: WarrantyRules) -> ItemDecision:
    """Covered, not covered or partially covered (parts free, labour paid) for one work item."""
    excluded = _exclusions(facts, rules)
    period = _period(facts, rules)
    reasons = [*excluded, period]
    if excluded or period.effect == "excludes":
        return ItemDecision(component, NOT_COVERED, False, False, tuple(reasons))
    if component == "battery":
        reason = _battery(facts, rules)
    elif component == "screen":
        reason = _screen(facts, rules)
    else:
        reason = _other(component, facts)
    reasons.append(reason)
    if reason.effect != "covers":
        return ItemDecision(component, NOT_COVERED, False, False, tuple(reasons))
    if reason.rule == "screen_damage_window" and rules.screen_damage_covers == "parts":
        return ItemDecision(component, PARTIAL, True, False, tuple(reasons))
    return ItemDecision(component, COVERED, True, True, tuple(reasons))
