"""Pre-diagnosis on arrival: fault category, priority 1-4 and response level, with reasons.

The category comes from the policy pack's symptom lexicon; priority and level come from
the pack's rules (safety words, legal threats, customer flags, repeated contact). Every
fired rule leaves a reason that staff see on the complaint.
"""

from dataclasses import dataclass, field

from aftersales.policy.pack import LEVELS, PolicyPack, current_pack

MODEL_VERSION = "lexicon-1"


@dataclass(frozen=True)
class TriageResult:
    category: str
    confidence: float
    priority: int
    level: str
    reasons: list[dict[str, str]] = field(default_factory=list)
    model: str = MODEL_VERSION


@dataclass(frozen=True)
class CustomerContext:
    is_senior: bool = False
    is_vip: bool = False
    # Earlier contacts about the same device within the policy's repeat window.
    recent_contacts: int = 0


def categorise(text: str, pack: PolicyPack) -> tuple[str, float]:
    scores = {
        category: len({m.group(0).lower() for m in pattern.finditer(text)})
        for category, pattern in pack.category_keywords.items()
    }
    best = max(scores, key=lambda c: scores[c], default="other")
    top = scores.get(best, 0)
    if top == 0:
        return "other", 0.2
    runner_up = max((s for c, s in scores.items() if c != best), default=0)
    confidence = min(0.95, 0.45 + 0.15 * top - 0.2 * runner_up / top)
    return best, round(max(confidence, 0.3), 4)


def triage_complaint(*, text: str, context: CustomerContext, pack: PolicyPack | None = None) -> TriageResult:
    pack = pack or current_pack()
    category, confidence = categorise(text, pack)
    priority = pack.default_priority
    level = pack.default_level
    reasons: list[dict[str, str]] = []

    def fire(rule_id: str, labels: dict[str, str], evidence: str = "") -> None:
        reasons.append({"rule": rule_id, "evidence": evidence, **labels})

    for rule in pack.text_rules:
        matched = rule.pattern.search(text)
        if matched is None:
            continue
        fire(rule.id, rule.reason, matched.group(0))
        if rule.set_priority is not None:
            priority = min(priority, rule.set_priority)
        if rule.raise_priority_to is not None:
            priority = min(priority, rule.raise_priority_to)
        priority = max(1, priority - rule.raise_priority_by)
        if rule.set_level and LEVELS.index(rule.set_level) > LEVELS.index(level):
            level = rule.set_level
    for customer_rule in pack.customer_rules:
        if getattr(context, customer_rule.flag, False):
            fire(customer_rule.flag, customer_rule.reason)
            priority = max(1, priority - customer_rule.raise_priority_by)
    repeat = pack.repeat_contact
    if context.recent_contacts + 1 >= repeat.contacts:
        fire("repeat_contact", repeat.reason, str(context.recent_contacts + 1))
        priority = max(1, priority - repeat.raise_priority_by)
    return TriageResult(
        category=category, confidence=confidence, priority=priority, level=level, reasons=reasons
    )
