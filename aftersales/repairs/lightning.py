"""Walk-in lightning service (闪电维修): a repair order opened at the counter from the device read-out.

The store terminal posts what the device reports about itself (IMEI, model, OS version,
battery health, diagnostic results). `readout_parse` validates it strictly, field by field;
`repair_order_walk_in` then, in one transaction:

1. files the complaint through the one intake service (channel of the pack's `lightning`,
   `store`), which the counter's outlet team takes (complaints.complaint_receive_at_counter);
2. opens the repair order (walk-in) with the read-out's results as device checks, and writes
   the counter staff's note, when given, as an internal note on the complaint;
3. decides the counter's route with the rules in force (warranty.express): express
   replacement within 48 hours, solved on the spot (diagnosed and quoted at once when a
   counter part is needed), or a regular repair; and writes the route and its reasons on
   the complaint's timeline.

`repair_order_replace_device` hands an eligible customer their replacement device.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common import clock
from aftersales.common.errors import (
    FieldConflict,
    FieldProblem,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
    problem,
)
from aftersales.common.messages import term_words
from aftersales.common.text import text_problem
from aftersales.complaints import services as complaint_services
from aftersales.devices.imei import valid_imei
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission
from aftersales.network.models import Outlet
from aftersales.parts.models import DeviceModel, Location
from aftersales.parts.selectors import device_model_get, stock_available
from aftersales.repairs import services
from aftersales.repairs.models import CheckKind, RepairOrder
from aftersales.repairs.services import CheckResult, ItemRequest, _allow, _event, _lock
from aftersales.warranty.express import (
    EXPRESS,
    ON_SPOT,
    CounterFacts,
    decide_counter,
    faulty_components,
    lightning_rules_on,
)
from aftersales.warranty.rules import rules_on

# Diagnostic tests a terminal reports: test -> (takes passed, takes count, value range)
DIAGNOSTIC_TESTS: dict[str, tuple[bool, bool, tuple[int, int] | None]] = {
    CheckKind.TOUCH: (True, True, None),
    CheckKind.CHARGE_CURRENT: (True, False, (0, 10_000)),
    CheckKind.CAMERA: (True, False, None),
    CheckKind.AUDIO: (True, False, None),
    CheckKind.SIGNAL: (True, False, None),
    CheckKind.MOISTURE: (True, False, None),
    CheckKind.VISIBLE_DAMAGE: (True, False, None),
}
READOUT_KEYS = frozenset({"imei", "model", "os_version", "battery_health", "diagnostics"})
DIAGNOSTIC_KEYS = frozenset({"test", "passed", "count", "value"})
OS_VERSION_LIMIT = 40
# The largest read-out taken, as UTF-8 JSON: a terminal's report of a handful of tests is far smaller.
READOUT_MAX_BYTES = 16 * 1024


@dataclass(frozen=True)
class ReadOut:
    """A validated device read-out. `imei` is the 15-digit IMEI; `model` the device model."""

    imei: str
    model: DeviceModel
    os_version: str
    battery_health: int
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    def stored(self) -> dict[str, Any]:
        """What the order keeps of it: no IMEI (the device row has it), the rest as posted."""
        return {
            "model": self.model.code,
            "os_version": self.os_version,
            "battery_health": self.battery_health,
            "diagnostics": [
                {"test": c.kind, "passed": c.passed, "count": c.count, "value": c.value} for c in self.checks
            ],
        }


def _whole(value: Any, low: int, high: int) -> FieldProblem | None:
    # bool is an int in Python; a terminal sending true for a percentage sent nonsense.
    if type(value) is not int:
        return problem("integer_invalid")
    if value < low:
        return problem("value_too_small", limit=low)
    if value > high:
        return problem("value_too_large", limit=high)
    return None


def readout_parse(raw: Any, *, prefix: str = "readout") -> ReadOut:
    """Validate a terminal's read-out strictly; 422 naming each bad field (`readout.battery_health`).

    Shape: {"imei": str, "model": str, "os_version": str, "battery_health": int 0-100,
    "diagnostics": [{"test": touch|charge_current|camera|audio|signal|moisture|visible_damage,
    "passed": bool, "count": int 0-100 (touch: abnormal results in a row), "value": int mA
    0-10000 (charge_current)}]}. Unknown keys, strings for numbers, a test given twice,
    an IMEI failing its check digit (devices.imei.valid_imei) and a read-out over
    READOUT_MAX_BYTES of JSON (`readout_too_large` on `readout`) are refused; NUL characters
    anywhere are refused by the API's parser before this.
    """
    if not isinstance(raw, dict):
        raise ValidationFailed({prefix: problem("required")})
    size = len(json.dumps(raw, ensure_ascii=False, default=str).encode())
    if size > READOUT_MAX_BYTES:
        raise ValidationFailed({prefix: problem("readout_too_large", limit=READOUT_MAX_BYTES, size=size)})
    problems: dict[str, FieldProblem] = {}
    for key in sorted(set(raw) - READOUT_KEYS, key=str):
        problems[f"{prefix}.{key}"[:120]] = problem("field_unknown", allowed=", ".join(sorted(READOUT_KEYS)))
    imei_raw = raw.get("imei")
    imei = valid_imei(imei_raw) if isinstance(imei_raw, str) and len(imei_raw) <= 64 else None
    if imei is None:
        problems[f"{prefix}.imei"] = problem("required") if not imei_raw else problem("imei_invalid")
    model: DeviceModel | None = None
    model_raw = raw.get("model")
    if not isinstance(model_raw, str) or not model_raw.strip():
        problems[f"{prefix}.model"] = problem("required")
    elif len(model_raw) > 40 or text_problem(model_raw) is not None:
        problems[f"{prefix}.model"] = problem("model_unknown", model=model_raw[:40])
    else:
        try:
            model = device_model_get(code=model_raw.replace(" ", ""), field=f"{prefix}.model")
        except ValidationFailed as unknown:
            problems.update(unknown.fields)
    os_version = raw.get("os_version")
    if not isinstance(os_version, str) or not os_version.strip():
        problems[f"{prefix}.os_version"] = problem("required")
    elif len(os_version) > OS_VERSION_LIMIT:
        problems[f"{prefix}.os_version"] = problem(
            "text_too_long", limit=OS_VERSION_LIMIT, length=len(os_version)
        )
    elif (trouble := text_problem(os_version)) is not None or not os_version.isprintable():
        problems[f"{prefix}.os_version"] = trouble or problem("text_broken_character")
    battery = raw.get("battery_health")
    if battery is None:
        problems[f"{prefix}.battery_health"] = problem("required")
    elif (trouble := _whole(battery, 0, 100)) is not None:
        problems[f"{prefix}.battery_health"] = trouble
    checks = _diagnostics(raw.get("diagnostics", []), f"{prefix}.diagnostics", problems)
    if problems:
        raise ValidationFailed(problems)
    assert imei is not None and model is not None and isinstance(os_version, str) and type(battery) is int
    battery_check = CheckResult(kind=CheckKind.BATTERY_HEALTH, value=battery)
    return ReadOut(imei, model, os_version.strip(), battery, (battery_check, *checks))


def _diagnostics(raw: Any, where: str, problems: dict[str, FieldProblem]) -> list[CheckResult]:
    if not isinstance(raw, list):
        problems[where] = problem("type_invalid", expected="list")
        return []
    if len(raw) > len(DIAGNOSTIC_TESTS):
        problems[where] = problem("value_too_large", limit=len(DIAGNOSTIC_TESTS))
        return []
    checks = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        at = f"{where}.{index}"
        if not isinstance(entry, dict):
            problems[at] = problem("type_invalid", expected="dict")
            continue
        for key in sorted(set(entry) - DIAGNOSTIC_KEYS, key=str):
            problems[f"{at}.{key}"[:120]] = problem(
                "field_unknown", allowed=", ".join(sorted(DIAGNOSTIC_KEYS))
            )
        test = entry.get("test")
        if not isinstance(test, str) or test not in DIAGNOSTIC_TESTS:
            problems[f"{at}.test"] = problem("check_kind_unknown", allowed=", ".join(DIAGNOSTIC_TESTS))
            continue
        if test in seen:
            problems[f"{at}.test"] = problem("check_given_twice", kind=test)
            continue
        seen.add(test)
        takes_passed, takes_count, value_range = DIAGNOSTIC_TESTS[test]
        passed = entry.get("passed")
        if type(passed) is not bool:
            problems[f"{at}.passed"] = (
                problem("required") if passed is None else problem("type_invalid", expected="bool")
            )
        count = entry.get("count")
        if takes_count:
            count = 0 if count is None and passed is True else count
            if count is None:
                problems[f"{at}.count"] = problem("required")
            elif (trouble := _whole(count, 0, 100)) is not None:
                problems[f"{at}.count"] = trouble
        elif count is not None:
            problems[f"{at}.count"] = problem("field_unknown", allowed="test, passed")
        value = entry.get("value")
        if value_range is not None:
            if value is None:
                problems[f"{at}.value"] = problem("required")
            elif (trouble := _whole(value, *value_range)) is not None:
                problems[f"{at}.value"] = trouble
        elif value is not None:
            problems[f"{at}.value"] = problem("field_unknown", allowed="test, passed")
        checks.append(CheckResult(kind=test, passed=passed, count=count, value=value))  # type: ignore[arg-type]
    return checks


@dataclass(frozen=True)
class WalkIn:
    """Who brought the device and what they said (personal data goes to intake, not the order)."""

    name: str
    phone: str = ""
    email: str = ""
    description: str = ""
    purchase_date: date | None = None
    purchase_channel: str = ""
    language: str = "zh-hans"
    # The counter staff's own words about the device: an internal note on the complaint.
    note: str = ""


def counter_require(*, actor: Actor, outlet: Outlet) -> None:
    """Only the outlet's own staff use its counter terminal: 401 for no staff token, 403 for anyone else."""
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if actor.role not in OUTLET_STAFF or actor.user is None or actor.user.team != outlet.team:
        raise Forbidden(what="use this outlet's counter terminal")


def repair_order_walk_in(*, actor: Actor, outlet: Outlet, readout: ReadOut, walk_in: WalkIn) -> RepairOrder:
    """Open a walk-in repair at `outlet`'s counter from a validated read-out; returns the order.

    Only the outlet's own staff (their terminal). The complaint comes from intake (422 on
    the contact fields as intake names them); a device whose open complaint another team
    handles: 409 `walk_in_elsewhere` on `readout.imei`. The order's `lightning_route` and
    the timeline's `lightning_route` step say what the counter does and why.
    """
    counter_require(actor=actor, outlet=outlet)
    now = clock.now()
    rules = lightning_rules_on(clock.localdate(now))
    text = walk_in.description.strip() or _describe(readout, walk_in.language)
    submission = Submission(
        channel=rules.channel,
        text=text,
        name=walk_in.name,
        phone=walk_in.phone,
        email=walk_in.email,
        language=walk_in.language,
        city=outlet.city,
        imei=readout.imei,
        device_model=readout.model.name,
        purchase_date=walk_in.purchase_date,
        purchase_channel=walk_in.purchase_channel,
    )
    with transaction.atomic():
        result = complaint_submit(actor=actor, submission=submission)
        complaint = result.complaint
        if complaint.team != outlet.team:
            if not result.created:
                raise FieldConflict(
                    {
                        "readout.imei": problem(
                            "walk_in_elsewhere", number=complaint.number, team=complaint.team
                        )
                    },
                    code="walk_in_elsewhere",
                )
            complaint = complaint_services.complaint_receive_at_counter(actor=actor, complaint=complaint)
        order = services.repair_order_open(
            actor=actor, complaint=complaint, outlet=outlet, model_code=readout.model.code, walk_in=True
        )
        order = services.repair_order_record_checks(actor=actor, order=order, checks=list(readout.checks))
        note = None
        if walk_in.note.strip():
            note = complaint_services.complaint_add_note(
                actor=actor, complaint=complaint, body=walk_in.note.strip()
            )
        return _route(order, actor, readout, rules, now, note_id=note.pk if note is not None else None)


def _route(
    order: RepairOrder, actor: Actor, readout: ReadOut, rules: Any, now: Any, *, note_id: int | None = None
) -> RepairOrder:
    warranty = rules_on(clock.localdate(now))
    failed = {
        c.kind for c in readout.checks if c.passed is False and c.kind not in ("moisture", "visible_damage")
    }
    if readout.battery_health < warranty.battery_health_below_percent:
        failed.add("battery_health")
    device = order.device
    facts = CounterFacts(
        purchase_date=device.purchase_date if device is not None else None,
        reported_on=clock.localdate(now),
        failed_checks=frozenset(failed),
        faulty_components=faulty_components(frozenset(failed)),
        moisture_indicator_red=any(c.kind == "moisture" and c.passed is False for c in readout.checks),
        visible_damage=any(c.kind == "visible_damage" and c.passed is False for c in readout.checks),
        unauthorised_repair=order.unauthorised_repair,
    )
    parts = {p.component: p for p in order.device_model.parts.all()}

    def part_free(component: str) -> bool:
        part = parts.get(component)
        return part is not None and (
            stock_available(location_kind=Location.OUTLET, location_code=order.outlet.code, part=part) > 0
        )

    decision = decide_counter(facts=facts, rules=rules, part_free=part_free)
    order = _lock(order)
    order.lightning_route = decision.route
    # The counter's note is referenced by its message (erasable with the complaint's messages).
    order.readout = {**readout.stored(), "counter_note": note_id} if note_id else readout.stored()
    fields = ["lightning_route", "readout"]
    if decision.route == EXPRESS:
        order.express_due_at = now + timedelta(hours=rules.express_within_hours)
        fields.append("express_due_at")
    order.save(update_fields=fields)
    _event(
        order,
        actor,
        "lightning_route",
        at=now,
        route=decision.route,
        rules_from=rules.effective_from.isoformat(),
        express_due_at=order.express_due_at.isoformat() if order.express_due_at else None,
        reasons=[r.as_dict() for r in decision.reasons],
    )
    if decision.route == ON_SPOT and decision.on_spot_components:
        items = [ItemRequest(part=parts[c].number) for c in decision.on_spot_components]
        order = services.repair_order_diagnose(
            actor=actor,
            order=order,
            diagnosis=f"柜台检测 Counter read-out: {', '.join(sorted(failed))}",
            items=items,
        )
        order = services.repair_order_quote(actor=actor, order=order)
    return order


# How the read-out text of a walk-in with no description of its own begins, per language, and
# as it was written before it followed the customer's language (both languages at once).
READOUT_TEXT_PREFIXES = ("门店检测：", "Store read-out: ", "到店检测 Walk-in read-out:")


def readout_words(
    *, model_name: str, os_version: str, battery_health: object, failed: list[str], language: str
) -> str:
    """A walk-in's read-out as one sentence in `language` ("zh-hans" or "en"), test names from
    common.messages.TERMS: "门店检测：Reno10，ColorOS 14.0.1，电池健康度 76%，未通过：触控测试"."""
    english = language.startswith("en")
    names = [str(term_words(kind, "en" if english else "zh-hans")) for kind in failed]
    if english:
        return (
            f"Store read-out: {model_name}, {os_version}, battery health {battery_health}%, "
            f"failed: {', '.join(names) or 'none'}"
        )
    return (
        f"门店检测：{model_name}，{os_version}，电池健康度 {battery_health}%，"
        f"未通过：{'、'.join(names) or '无'}"
    )


def _describe(readout: ReadOut, language: str) -> str:
    """The complaint's text when the customer described nothing: the read-out, in their language."""
    return readout_words(
        model_name=readout.model.name,
        os_version=readout.os_version,
        battery_health=readout.battery_health,
        failed=[c.kind for c in readout.checks if c.passed is False],
        language=language,
    )


@transaction.atomic
def repair_order_replace_device(*, actor: Actor, order: RepairOrder, imei: str) -> RepairOrder:
    """Hand over the replacement device of an express replacement (`imei`: the new device's IMEI).

    The order is completed; handing it back (`return`) resolves the complaint. The timeline
    says whether it was within the promised time. Errors: 409 `express_not_eligible` on
    `order` when the counter did not grant it; 422 `imei_invalid` on `imei`, also when it
    is the old device's.
    """
    order = _lock(order)
    _allow(order, actor, "replace_device")
    if order.lightning_route != EXPRESS or order.express_due_at is None:
        raise FieldConflict(
            {"order": problem("express_not_eligible", number=order.number)}, code="express_not_eligible"
        )
    new_imei = valid_imei(imei) if isinstance(imei, str) and len(imei) <= 64 else None
    if new_imei is None or (order.device is not None and order.device.imei == new_imei):
        raise ValidationFailed({"imei": problem("imei_invalid")})
    now = clock.now()
    order.state = "completed"
    order.completed_at = now
    order.replacement_imei = new_imei
    order.save(update_fields=["state", "completed_at", "replacement_imei"])
    _event(
        order,
        actor,
        "device_replaced",
        at=now,
        replacement_imei_sha256=hashlib.sha256(new_imei.encode()).hexdigest(),
        due_at=order.express_due_at.isoformat(),
        on_time=now <= order.express_due_at,
    )
    return order
