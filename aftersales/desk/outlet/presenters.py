"""What the outlet pages' templates receive: repair orders and stock already in words.

Nothing here reads the database: every row comes from `desk.outlet.selectors`, loaded
before (the repair order page's query count does not depend on what the order holds).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aftersales.accounts.actors import Actor
from aftersales.common.errors import DomainError, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.desk import words
from aftersales.desk.outlet.forms import CHECK_FORM, Control
from aftersales.desk.outlet.selectors import ComplaintRepairs, RepairFile
from aftersales.desk.presenters import error_words
from aftersales.parts.models import Reservation
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.status import State, allowed_actions

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The states in the order of the work (repairs/status.py), for the day's groups.
STATE_ORDER = tuple(State.values)

RESERVATION_WORDS: "dict[str, StrOrPromise]" = {
    Reservation.State.RESERVED: words._("reserved"),
    Reservation.State.CONSUMED: words._("fitted"),
    Reservation.State.RELEASED: words._("released"),
}


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _engineer(order: RepairOrder) -> dict[str, str]:
    return {
        "name": _person(order.engineer),
        "employee_id": order.engineer.employee_id if order.engineer else "",
    }


def day_groups(orders: list[RepairOrder], *, now: datetime) -> list[dict[str, Any]]:
    """The day's orders grouped by state, in the order of the work; empty states left out."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        groups.setdefault(order.state, []).append(
            {
                "number": order.number,
                "complaint": order.complaint.number,
                "model": order.device_model.name,
                "engineer": _engineer(order),
                "age": words.age_words((now - order.created_at).total_seconds()),
                "created": words.local_time(order.created_at),
                "created_iso": order.created_at.isoformat(),
            }
        )
    return [
        {"state": state, "words": words.repair_state_words(state), "rows": groups[state]}
        for state in STATE_ORDER
        if state in groups
    ]


def repairs_panel(repairs: ComplaintRepairs) -> dict[str, Any]:
    """The complaint page's repair orders card: its orders and the form to open one."""
    return {
        "orders": [
            {
                "number": order.number,
                "state": words.repair_state_words(order.state),
                "model": order.device_model.name,
            }
            for order in repairs.orders
        ],
        "may_open": repairs.may_open,
        "models": [(model.code, model.name) for model in repairs.models],
    }


def stock_rows(stock: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "model": row["model_name"],
            "component": words.component_words(row["component"]),
            "none_free": row["available"] <= 0,
        }
        for row in stock
    ]


# --- errors -----------------------------------------------------------------------------------


def field_errors(error: DomainError, controls: Mapping[str, Control]) -> tuple[str, dict[str, str]]:
    """A domain error as (one sentence naming each field, {control id: its reason}).

    A field the form has no control for (`quote`, `agreement`, `version`) is named in words.
    """
    if not isinstance(error, ValidationFailed):
        return error_words(error), {}
    language = words.language()
    sentences = []
    by_control: dict[str, str] = {}
    for path, issue in error.fields.items():
        params: dict[str, object] = dict(issue.params)
        if issue.code == "complaint_not_open":
            params["state"] = words.state_words(str(params.get("state", "")))
        if issue.code == "check_given_twice":
            params["kind"] = words.check_words(str(params.get("kind", "")))
        text = message_text(issue.code, language, **params)
        control = controls.get(path) or fixed_control(path)
        label = control.label if control is not None else path
        if control is not None:
            by_control[control.id] = text
        sentences.append(words.gettext("%(field)s: %(reason)s") % {"field": label, "reason": text})
    return " ".join(sentences), by_control


# Fields every form may be named by that are not one of its typed controls: (control id, label).
FIXED_CONTROLS = {
    "diagnosis": ("diagnosis", words._("Diagnosis")),
    "items": ("parts-table", words._("Parts to replace")),
    "checks": ("checks-form", words._("Device checks")),
    "quote": ("quote-total", words._("Quote")),
    "version": ("agreement-version", words._("Service agreement")),
    "agreement": ("agreement-version", words._("Service agreement")),
    "reason": ("reason", words._("Reason")),
    "model": ("open-model", words._("Device model")),
    "damage_date": ("open-damage-date", words._("Screen damage date")),
    "engineer": ("open-model", words._("Engineer")),
    "complaint": ("open-model", words._("Complaint")),
}


def fixed_control(path: str) -> Control | None:
    """The control a field path names when no form control was read for it."""
    if path.startswith("parts_used."):
        return Control(id="complete-form", label=str(words._("Parts used")))
    found = FIXED_CONTROLS.get(path)
    return Control(id=found[0], label=str(found[1])) if found else None


# --- the repair order page ----------------------------------------------------------------------


def _result(passed: bool | None) -> str:
    return "" if passed is None else ("pass" if passed else "fail")


def _check_rows(
    file: RepairFile, posted: Mapping[str, str] | None, errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    recorded = {check.kind: check for check in file.order.checks.all()}
    rows = []
    for kind, (has_result, has_count, unit, has_note) in CHECK_FORM.items():
        check = recorded.get(kind)
        if posted is not None:
            values = {part: posted.get(f"{kind}-{part}", "") for part in ("result", "count", "value", "note")}
        else:
            values = {
                "result": _result(check.passed) if check else "",
                "count": "" if check is None or check.count is None else str(check.count),
                "value": "" if check is None or check.value is None else str(check.value),
                "note": check.note if check else "",
            }
        shown = []
        if check is not None:
            if has_result and check.passed is not None:
                shown.append(words.gettext("normal") if check.passed else words.gettext("abnormal"))
            if has_count and check.count is not None:
                shown.append(words.gettext("%(n)d abnormal in a row") % {"n": check.count})
            if unit and check.value is not None:
                shown.append(f"{check.value}{unit if unit == '%' else ' ' + unit}")
            if check.note:
                shown.append(check.note)
        rows.append(
            {
                "kind": kind,
                "label": words.check_words(kind),
                "has_result": has_result,
                "has_count": has_count,
                "unit": unit,
                "has_note": has_note,
                "values": values,
                "recorded": " · ".join(shown),
                "failed": check is not None and check.passed is False,
                "errors": {
                    part: errors.get(f"check-{kind}-{part}", "")
                    for part in ("result", "count", "value", "note")
                },
            }
        )
    return rows


def _reasons(reasons: list[dict[str, Any]]) -> list[str]:
    language = words.language()
    return [str(r.get(language) or r.get("zh-hans") or r.get("rule", "")) for r in reasons]


def repair_context(
    file: RepairFile,
    *,
    actor: Actor,
    now: datetime,
    refused_step: str = "",
    posted: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The repair order page. After a refused step, `posted` (that form's values) and `errors`
    ({control id: reason}) put back what the person typed, with each reason beside its field."""
    order = file.order
    errors = errors or {}
    posted = posted or {}
    posted_checks = posted if refused_step == "checks" else None
    posted_diagnosis = posted if refused_step == "diagnose" else None
    language = words.language()
    may = set(allowed_actions(order.state, actor.role))
    items = list(order.items.all())
    quantities = {item.part.number: item.quantity for item in items}
    staff_names = file.staff_names
    agreement = file.agreement
    reservations: list[Reservation] = order.reservations  # type: ignore[attr-defined]
    return {
        "order": order,
        "state": words.repair_state_words(order.state),
        "complaint_number": order.complaint.number,
        "outlet": order.outlet,
        "model": order.device_model.name,
        "engineer": _engineer(order),
        "created": words.local_time(order.created_at),
        "age": words.age_words((now - order.created_at).total_seconds()),
        "reported_on": order.reported_on,
        "damage_date": order.damage_date,
        "may": may,
        "checks": _check_rows(file, posted_checks, errors),
        "diagnosis_text": posted_diagnosis.get("diagnosis", "") if posted_diagnosis else order.diagnosis,
        "diagnosis_error": errors.get("diagnosis", ""),
        "items_error": errors.get("parts-table", ""),
        "warranty_rules_from": order.warranty_rules_from,
        "items": [
            {
                "part": item.part.number,
                "name": item.part.name,
                "component": words.component_words(item.part.component),
                "quantity": item.quantity,
                "coverage": item.coverage,
                "coverage_words": words.coverage_words(item.coverage),
                "reasons": _reasons(item.reasons),
            }
            for item in items
        ],
        "part_rows": [
            {
                "number": part.number,
                "name": part.name,
                "component": words.component_words(part.component),
                "quantity": posted_diagnosis.get(f"qty-{part.number}", "")
                if posted_diagnosis is not None
                else str(quantities.get(part.number, "")),
                "error": errors.get(f"qty-{part.number}", ""),
            }
            for part in file.parts
        ],
        "quote": {
            "lines": [
                {
                    "part": line.get("part", ""),
                    "name": line.get("name", ""),
                    "quantity": line.get("quantity", ""),
                    "coverage_words": words.coverage_words(str(line.get("coverage", ""))),
                    "parts_charge": line.get("parts_charge", ""),
                    "labour_charge": line.get("labour_charge", ""),
                    "charge": line.get("charge", ""),
                    "price_from": line.get("price_from", ""),
                    "reasons": _reasons(line.get("reasons", [])),
                }
                for line in order.quote_lines
            ],
            "total": f"{order.quote_total:.2f}" if order.quote_total is not None else "",
            "digest": order.quote_digest,
            "quoted_on": order.quoted_on,
        },
        "approved": {
            "at": words.local_time(order.approved_at),
            "by": words.actor_words(order.approved_by, staff_names) if order.approved_by else "",
        },
        "agreement_in_force": (
            {
                "version": agreement.version,
                "sha256": agreement.sha256,
                "effective": words.local_time(agreement.effective_from),
                "text": agreement.text_en if language == "en" else agreement.text_zh,
            }
            if agreement is not None
            else None
        ),
        "agreement_signed": (
            {
                "version": order.agreement.version,
                "sha256": order.agreement_sha256,
                "at": words.local_time(order.agreement_accepted_at),
                "by": words.actor_words(order.agreement_accepted_by, staff_names),
            }
            if order.agreement is not None
            else None
        ),
        "agreement_error": errors.get("agreement-version", ""),
        "held_parts": [r for r in reservations if r.state == Reservation.State.RESERVED],
        "reservations": [
            {
                "part": r.stock.part.number,
                "name": r.stock.part.name,
                "quantity": r.quantity,
                "state": str(RESERVATION_WORDS.get(r.state, r.state)),
            }
            for r in reservations
        ],
        "started": words.local_time(order.started_at),
        "completed": words.local_time(order.completed_at),
        "returned": words.local_time(order.returned_at),
        "closed_reason": order.closed_reason,
        "reason_draft": posted.get("reason", ""),
        "reason_error": errors.get("reason", ""),
        "events": [
            {
                "at": words.local_time(event.at),
                "iso": event.at.isoformat(),
                "headline": words.repair_event_words(
                    event.payload, words.actor_words(event.actor, staff_names)
                ),
                "state": words.repair_state_words(str(event.payload.get("state", ""))),
            }
            for event in order.repair_events  # type: ignore[attr-defined]
        ],
    }
