"""Pre-diagnosis on arrival: fault category with a confidence, priority 1-4 and response level, with reasons.

The category comes from the trained classifier (classifier.py), or from the policy pack's
symptom lexicon when no model is installed. Priority and level come from the pack's rules
(safety words, legal threats, customer flags, repeated contact); every fired rule leaves a
reason that staff see. Below the pack's confidence floor the complaint is marked for human
triage instead of being routed on a guess.
"""

from dataclasses import dataclass, field

from aftersales.policy.pack import LEVELS, PolicyPack, current_pack
from aftersales.triage import encoder
from aftersales.triage.classifier import TextReading, load_model
from aftersales.triage.text import has_content, is_negated, normalise

LEXICON_VERSION = "lexicon-1"


@dataclass(frozen=True)
class TriageResult:
    category: str
    confidence: float
    priority: int
    level: str
    reasons: list[dict[str, str]] = field(default_factory=list)
    model: str = LEXICON_VERSION
    needs_human_triage: bool = False
    # Other faults the text names: [{"category", "confidence", "clause_share"}] (reading_of).
    alternatives: list[dict] = field(default_factory=list)
    # Read without the sentence encoder that the model has: the worker reads it again with it.
    second_reading_due: bool = False


@dataclass(frozen=True)
class CustomerContext:
    is_senior: bool = False
    is_vip: bool = False
    # Earlier contacts about the same device within the policy's repeat window.
    recent_contacts: int = 0


def categorise_by_lexicon(text: str, pack: PolicyPack) -> tuple[str, float]:
    """The category whose symptom words the text names most, when no trained model is installed."""
    scores = pack.category_keywords.counts(normalise(text)) if pack.category_keywords else {}
    if not scores:
        return "other", 0.2
    best = max(scores, key=lambda c: scores[c])
    top = scores[best]
    runner_up = max((n for c, n in scores.items() if c != best), default=0)
    confidence = min(0.95, 0.45 + 0.15 * top - 0.2 * runner_up / top)
    return best, round(max(confidence, 0.3), 4)


# Another fault is kept with the complaint when one of its clauses names it, or when it is
# this probable: a complaint about a cracked screen and a swollen battery keeps both in view.
ALTERNATIVE_MIN_CONFIDENCE = 0.15
MAX_ALTERNATIVES = 2


@dataclass(frozen=True)
class Reading:
    category: str
    confidence: float
    alternatives: tuple[dict, ...] = ()  # {"category", "confidence", "clause_share"}, likeliest first


UNREADABLE = Reading("other", 0.0)


def categorise(texts: list[str], pack: PolicyPack) -> tuple[list[Reading], str]:
    """Category, confidence and runner-up categories for each text, and the version of what decided them."""
    model = load_model()
    readable = [has_content(text) for text in texts]
    if model is None:
        readings = [
            Reading(*categorise_by_lexicon(text, pack)) if ok else UNREADABLE
            for text, ok in zip(texts, readable, strict=True)
        ]
        return readings, LEXICON_VERSION
    readable_texts = [t for t, ok in zip(texts, readable, strict=True) if ok]
    read = iter(model.read(readable_texts, top=len(model.categories)) if readable_texts else [])
    return [reading_of(next(read)) if ok else UNREADABLE for ok in readable], model.version


def reading_of(text: TextReading) -> Reading:
    """The most probable category; as alternatives, the other faults that a clause of the text
    names or that are likely enough, the most named and likeliest first."""
    (category, probability), *runners_up = text.ranked
    candidates = [
        (text.named.get(other, 0.0), p, other)
        for other, p in runners_up
        if other != "other" and (other in text.named or p >= ALTERNATIVE_MIN_CONFIDENCE)
    ]
    alternatives = tuple(
        {"category": other, "confidence": round(p, 4), "clause_share": round(share, 4)}
        for share, p, other in sorted(candidates, reverse=True)[:MAX_ALTERNATIVES]
    )
    return Reading(category, round(probability, 4), alternatives)


def triage_complaint(
    *,
    text: str,
    context: CustomerContext,
    pack: PolicyPack | None = None,
    reading: "TextCategory | None" = None,
    text_triage: "TextTriage | None" = None,
) -> TriageResult:
    """Pre-diagnose one complaint. `text_triage` is `triage_text(text)` (or `reading` is
    `triage_read(text)`) when the caller took it earlier.

    Reading the category is the model's work (milliseconds) and the text rules are regular
    expressions over the text; what the customer adds (flags, repeated contact) is a few
    comparisons. Intake does the first two before it opens its write transaction, so that
    no lock waits on them.
    """
    pack = pack or current_pack()
    if text_triage is None:
        text_triage = triage_text(text=text, pack=pack, reading=reading)
    return _decide(text_triage, context, pack)


@dataclass(frozen=True)
class TextCategory:
    """The category reading of one text and the version of what read it; `encoder_deferred`
    when the model has a sentence encoder that this reading left out (`triage_read(defer_encoder=True)`)."""

    reading: Reading
    version: str
    encoder_deferred: bool = False


@dataclass(frozen=True)
class TextTriage:
    """What a complaint's text alone decides: the category reading and the pack's text rules
    (priority, level and their reasons before the customer's flags and contacts)."""

    category: TextCategory
    priority: int
    level: str
    reasons: tuple[dict[str, str], ...]


def triage_read(*, text: str, pack: PolicyPack | None = None, defer_encoder: bool = False) -> TextCategory:
    """The model's (or the lexicon's) reading of one text: category, confidence, alternatives.

    With `defer_encoder`, a model with a sentence encoder reads without it (its aggregation
    fitted for that, encoder.deferred) and the result says `encoder_deferred`: intake reads
    so, and the worker's second reading (complaint_second_reading) adds the encoder.
    """
    pack = pack or current_pack()
    if not defer_encoder:
        readings, version = categorise([text], pack)
        return TextCategory(reading=readings[0], version=version)
    model = load_model()
    with encoder.deferred():
        readings, version = categorise([text], pack)
    due = model is not None and model.reads_with_encoder and encoder.encoder_enabled()
    return TextCategory(reading=readings[0], version=version, encoder_deferred=due)


def triage_text(
    *,
    text: str,
    pack: PolicyPack | None = None,
    reading: TextCategory | None = None,
    defer_encoder: bool = False,
) -> TextTriage:
    """The model's reading of `text` (one pass over the text and its clauses) and the pack's
    text rules; `triage_complaint(text_triage=...)` adds the customer. `defer_encoder` as
    for `triage_read`."""
    pack = pack or current_pack()
    priority, level, reasons = _text_rules(normalise(text), pack)
    return TextTriage(
        category=reading or triage_read(text=text, pack=pack, defer_encoder=defer_encoder),
        priority=priority,
        level=level,
        reasons=tuple(reasons),
    )


def triage_batch(
    *, texts: list[str], contexts: list[CustomerContext] | None = None, pack: PolicyPack | None = None
) -> list[TriageResult]:
    pack = pack or current_pack()
    contexts = contexts or [CustomerContext()] * len(texts)
    readings, version = categorise(texts, pack)
    return [
        triage_complaint(text=text, context=context, pack=pack, reading=TextCategory(reading, version))
        for text, context, reading in zip(texts, contexts, readings, strict=True)
    ]


def _decide(text: TextTriage, context: CustomerContext, pack: PolicyPack) -> TriageResult:
    priority, reasons = _customer_rules(text.priority, list(text.reasons), context, pack)
    reading = text.category.reading
    return TriageResult(
        category=reading.category,
        confidence=reading.confidence,
        priority=priority,
        level=text.level,
        reasons=reasons,
        model=text.category.version,
        needs_human_triage=reading.confidence < pack.triage_min_confidence,
        alternatives=list(reading.alternatives),
        second_reading_due=text.category.encoder_deferred,
    )


def _apply_rules(
    text: str, context: CustomerContext, pack: PolicyPack
) -> tuple[int, str, list[dict[str, str]]]:
    priority, level, reasons = _text_rules(text, pack)
    priority, reasons = _customer_rules(priority, reasons, context, pack)
    return priority, level, reasons


def _text_rules(text: str, pack: PolicyPack) -> tuple[int, str, list[dict[str, str]]]:
    """The pack's text rules over the normalised text: priority, level and the reasons they fired."""
    priority = pack.default_priority
    level = pack.default_level
    reasons: list[dict[str, str]] = []
    for rule in pack.text_rules:
        # "没有鼓包" / "no smoke" name the danger only to deny it.
        matched = next((m for m in rule.pattern.finditer(text) if not is_negated(text, m.start())), None)
        if matched is None:
            continue
        reasons.append({"rule": rule.id, "evidence": matched.group(0), **rule.reason})
        if rule.set_priority is not None:
            priority = min(priority, rule.set_priority)
        if rule.raise_priority_to is not None:
            priority = min(priority, rule.raise_priority_to)
        priority = max(1, priority - rule.raise_priority_by)
        if rule.set_level and LEVELS.index(rule.set_level) > LEVELS.index(level):
            level = rule.set_level
    return priority, level, reasons


def _customer_rules(
    priority: int, reasons: list[dict[str, str]], context: CustomerContext, pack: PolicyPack
) -> tuple[int, list[dict[str, str]]]:
    """The customer's flags and repeated contact: they raise priority, never the level."""
    for customer_rule in pack.customer_rules:
        if getattr(context, customer_rule.flag, False):
            reasons.append({"rule": customer_rule.flag, "evidence": "", **customer_rule.reason})
            priority = max(1, priority - customer_rule.raise_priority_by)
    repeat = pack.repeat_contact
    if context.recent_contacts + 1 >= repeat.contacts:
        reasons.append(
            {"rule": "repeat_contact", "evidence": str(context.recent_contacts + 1), **repeat.reason}
        )
        priority = max(1, priority - repeat.raise_priority_by)
    return priority, reasons


@dataclass(frozen=True)
class RulesReading:
    priority: int
    level: str
    reasons: list[dict[str, str]]


def triage_rules(*, text: str, pack: PolicyPack | None = None) -> RulesReading:
    """What the pack's text rules (safety, legal threat, sentiment) make of one message.

    Used on a customer's later messages: no category, no customer flags, no repeat count
    (those were read when the complaint was opened). `reasons` is empty when no rule fired.
    """
    pack = pack or current_pack()
    priority, level, reasons = _apply_rules(normalise(text), CustomerContext(), pack)
    fired = [reason for reason in reasons if reason["rule"] in {rule.id for rule in pack.text_rules}]
    return RulesReading(priority=priority, level=level, reasons=fired)


def triage_advice(
    *, reasons: list[dict[str, str]], language: str, pack: PolicyPack | None = None
) -> list[str]:
    """What the customer is told at once for the rules that fired (the pack's `advice`), in `language`."""
    pack = pack or current_pack()
    fired = {reason.get("rule") for reason in reasons}
    return [pack.label(rule.advice, language) for rule in pack.text_rules if rule.advice and rule.id in fired]


def triage_record_correction(
    *, complaint, message, predicted: str, corrected: str, model_version: str, by, at
) -> None:  # type: ignore[no-untyped-def]
    from aftersales.triage.models import TriageCorrection

    TriageCorrection.objects.create(
        complaint=complaint,
        message=message,
        predicted_category=predicted,
        corrected_category=corrected,
        model_version=model_version,
        corrected_by=by,
        created_at=at,
    )
