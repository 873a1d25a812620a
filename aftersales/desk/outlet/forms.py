"""What the outlet pages' forms send, read into the repairs services' inputs.

The services name a bad field by its path (`checks.1.value`, `items.0.quantity`); each
reader here also returns, for every path it may be named by, the form control it came
from and that control's label, so an error is shown beside the field the person typed in.
Numbers are read as people type them: full-width digits (７６), spaces, a trailing unit
(76%, 1850mA).
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from aftersales.common.errors import ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.desk import words
from aftersales.repairs.models import CheckKind
from aftersales.repairs.services import CheckResult, ItemRequest

# How the page asks for each check: (a pass/fail answer, the count, the value and its unit, a note).
CHECK_FORM: dict[str, tuple[bool, bool, str, bool]] = {
    CheckKind.TOUCH: (True, True, "", False),
    CheckKind.BATTERY_HEALTH: (False, False, "%", False),
    CheckKind.CHARGE_CURRENT: (True, False, "mA", False),
    CheckKind.CAMERA: (True, False, "", False),
    CheckKind.AUDIO: (True, False, "", False),
    CheckKind.SIGNAL: (True, False, "", False),
    CheckKind.MOISTURE: (True, False, "", False),
    CheckKind.VISIBLE_DAMAGE: (True, False, "", True),
}
RESULTS = {"": None, "pass": True, "fail": False}


@dataclass(frozen=True)
class Control:
    """A form control: its element id and its label in the active language."""

    id: str
    label: str


def refuse_unstorable(posted: Mapping[str, str]) -> None:
    """Every field name and value must be storable text: a NUL or a broken character is refused
    on that field (422) before any of it reaches a query."""
    problems = {}
    for name, value in posted.items():
        found = text_problem(name) or text_problem(value)
        if found is not None:
            problems[name if text_problem(name) is None else "body"] = found
    if problems:
        raise ValidationFailed(problems)


def whole_number(raw: str, *, unit: str = "") -> int | None:
    """A typed whole number ("76", "７６", " 76 % ", "1850mA", "-3"), None when blank.

    Raises ValueError for anything else ("7.5", "abc", "七十六").
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if unit and text.lower().endswith(unit.lower()):
        text = text[: -len(unit)].strip()
    if not text:
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").strip()
    # Longer than any count or reading: refused as not a number rather than parsed at length.
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise ValueError(raw)
    return sign * int(digits)


def check_control(kind: str, part: str) -> Control:
    labels = {
        "passed": words.gettext("result"),
        "count": words.gettext("abnormal results in a row"),
        "value": words.gettext("value"),
        "note": words.gettext("note"),
        "kind": "",
    }
    label = words.check_words(kind)
    if labels.get(part):
        label = f"{label} · {labels[part]}"
    suffix = "result" if part in ("passed", "kind") else part
    return Control(id=f"check-{kind}-{suffix}", label=label)


def read_checks(posted: Mapping[str, str], *, controls: dict[str, Control]) -> list[CheckResult]:
    """The checks filled in, in the page's order; a check left blank is not recorded.

    Fills `controls` with the control behind each `checks.<i>.<field>` path.
    Raises ValidationFailed (`integer_invalid` on `checks.<i>.count|value`) for numbers
    that are not whole numbers; the service judges ranges and what each check needs.
    """
    checks: list[CheckResult] = []
    problems = {}
    for kind, (has_result, has_count, unit, has_note) in CHECK_FORM.items():
        result = posted.get(f"{kind}-result", "") if has_result else ""
        count_raw = posted.get(f"{kind}-count", "") if has_count else ""
        value_raw = posted.get(f"{kind}-value", "") if unit else ""
        note = posted.get(f"{kind}-note", "") if has_note else ""
        if not (result or count_raw.strip() or value_raw.strip() or note.strip()):
            continue
        index = len(checks)
        for part in ("kind", "passed", "count", "value", "note"):
            controls[f"checks.{index}.{part}"] = check_control(kind, part)
        passed = RESULTS.get(result)
        if result not in RESULTS:
            problems[f"checks.{index}.passed"] = problem("check_result_invalid")
        count = value = None
        for part, raw, unit_text in (("count", count_raw, ""), ("value", value_raw, unit)):
            try:
                number = whole_number(raw, unit=unit_text)
            except ValueError:
                problems[f"checks.{index}.{part}"] = problem("integer_invalid")
                continue
            if part == "count":
                count = number
            else:
                value = number
        checks.append(CheckResult(kind=kind, passed=passed, count=count, value=value, note=note))
    if problems:
        raise ValidationFailed(problems)
    return checks


def read_items(
    posted: Mapping[str, str], *, part_names: Mapping[str, str], controls: dict[str, Control]
) -> list[ItemRequest]:
    """The parts to replace: every `qty-<part number>` above 0, in the page's order.

    Fills `controls` with the control behind each `items.<i>.<field>` path.
    `part_names` labels the known parts; a number the page did not offer is passed on as
    typed and the service names it (422 `part_unknown`). Raises ValidationFailed
    (`integer_invalid` on `items.<i>.quantity`) for a quantity that is not a whole number.
    """
    items: list[ItemRequest] = []
    problems = {}
    for name, raw in posted.items():
        if not name.startswith("qty-"):
            continue
        number = name.removeprefix("qty-")
        control = Control(id=f"qty-{number}", label=part_names.get(number, number))
        index = len(items)
        controls[f"items.{index}.part"] = control
        controls[f"items.{index}.quantity"] = control
        try:
            quantity = whole_number(raw)
        except ValueError:
            problems[f"items.{index}.quantity"] = problem("integer_invalid")
            items.append(ItemRequest(part=number, quantity=0))
            continue
        if quantity is None or quantity == 0:
            continue
        items.append(ItemRequest(part=number, quantity=quantity))
    if problems:
        raise ValidationFailed(problems)
    return items


def read_date(raw: str, *, field_name: str) -> date | None:
    """A typed date (YYYY-MM-DD, full-width digits too), None when blank; 422 `date_invalid` otherwise."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({field_name: problem("date_invalid")}) from None
