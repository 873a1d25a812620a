"""No code word in a Chinese message: every zh-hans text, and every error as its raisers fill it in,
reads in Chinese ("您无权添加内部备注。", never "您无权complaint.note。").

Three scans: the templates themselves; every place in the code that raises a domain error or a
field problem, rendered with the constant words it passes; every workflow step and state of the
complaint and repair order tables, as a refused move names them.
"""

import ast
import re
from pathlib import Path

import pytest

from aftersales.common.messages import MESSAGES, TERMS, message_text
from aftersales.complaints.status import MOVES as COMPLAINT_MOVES
from aftersales.complaints.status import State as ComplaintState
from aftersales.repairs.models import CheckKind
from aftersales.repairs.status import MOVES as REPAIR_MOVES
from aftersales.repairs.status import State as RepairState

ROOT = Path(__file__).resolve().parents[3]
# Latin words a Chinese sentence may hold: names of standards, formats and headers, not code words.
STANDARD_TERMS = {"IMEI", "JSON", "UTF-16", "U+0000", "YYYY-MM-DD", "Idempotency-Key", "SMS", "HTTP", "URL"}
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+\-./]*[A-Za-z0-9]|[A-Za-z]")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_PLACEHOLDER_NAME = re.compile(r"\{([a-z_]+)\}")
# What a raiser passes that is not a word: a number, a code, an id, a date. Filled with digits.
FILLER = "0"
ERROR_CODES = {
    "Forbidden": "forbidden",
    "NotFound": "not_found",
    "TransitionNotAllowed": "transition_not_allowed",
    "Unauthenticated": "unauthenticated",
    "PayloadTooLarge": "payload_too_large",
    "Throttled": "throttled",
    "ValidationFailed": "validation_failed",
    "FieldConflict": "validation_failed",
    "Conflict": "error",
    "problem": "",
}


def stray_words(text: str) -> list[str]:
    return [word for word in _LATIN_WORD.findall(text) if word not in STANDARD_TERMS]


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_chinese_template_holds_no_code_word(code):  # type: ignore[no-untyped-def]
    template = MESSAGES[code]["zh-hans"]
    assert stray_words(_PLACEHOLDER.sub("", template)) == [], template


def raise_sites() -> list[tuple[str, int, str, dict[str, object]]]:
    """(file, line, message code, parameters) of every domain error or field problem built in the code.

    Constant words are kept; anything computed is the FILLER, except a code word built with an
    f-string, which is kept as a marker: no table can put it into words.
    """
    sites = []
    for path in sorted([*(ROOT / "aftersales").rglob("*.py"), *(ROOT / "config").rglob("*.py")]):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ERROR_CODES:
                continue
            code = ERROR_CODES[name]
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                code = first.value
            params: dict[str, object] = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    continue
                value = keyword.value
                if keyword.arg == "code":
                    code = str(value.value) if isinstance(value, ast.Constant) else code
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    params[keyword.arg] = value.value
                elif isinstance(value, ast.JoinedStr):
                    params[keyword.arg] = "f-string"
                else:
                    params[keyword.arg] = FILLER
            if code in MESSAGES:
                sites.append((str(path.relative_to(ROOT)), node.lineno, code, params))
    return sites


SITES = raise_sites()


def test_the_scan_finds_the_raisers():  # type: ignore[no-untyped-def]
    codes = {code for _, _, code, _ in SITES}
    assert {"forbidden", "not_found", "transition_not_allowed", "queue_empty", "phone_invalid"} <= codes
    assert len(SITES) > 50


@pytest.mark.parametrize(("path", "line", "code", "params"), SITES, ids=[f"{s[0]}:{s[1]}" for s in SITES])
def test_every_raised_message_reads_in_chinese(path, line, code, params):  # type: ignore[no-untyped-def]
    # Parameters filled in elsewhere (Throttled's wait, a field problem's own call) are numbers here.
    filled = dict.fromkeys(_PLACEHOLDER_NAME.findall(MESSAGES[code]["zh-hans"]), FILLER) | params
    rendered = message_text(code, "zh-hans", **filled)
    assert stray_words(rendered) == [], f"{path}:{line} {rendered}"


def test_every_move_and_state_of_the_workflows_reads_in_chinese():  # type: ignore[no-untyped-def]
    workflows: list[tuple[str, list[str], list[str]]] = [
        ("transition_not_allowed", [m.action for m in COMPLAINT_MOVES], list(ComplaintState.values)),
        ("repair_transition_not_allowed", [m.action for m in REPAIR_MOVES], list(RepairState.values)),
    ]
    for code, actions, states in workflows:
        for state in states:
            for action in actions:
                rendered = message_text(
                    code, "zh-hans", action=action, number="0", state=state, allowed=", ".join(actions)
                )
                assert stray_words(rendered) == [], rendered
                english = message_text(code, "en", action=action, number="0", state=state)
                assert "_" not in english, english


@pytest.mark.parametrize("lane", ["urgent", "normal", "urgent/normal"])
def test_queue_lanes_read_in_chinese(lane):  # type: ignore[no-untyped-def]
    assert stray_words(message_text("queue_empty", "zh-hans", lane=lane, outlet="0")) == []


@pytest.mark.parametrize("kind", CheckKind.values)
def test_device_checks_read_in_chinese(kind):  # type: ignore[no-untyped-def]
    assert stray_words(message_text("check_given_twice", "zh-hans", kind=kind)) == []


def test_every_term_has_both_languages():  # type: ignore[no-untyped-def]
    for word, texts in TERMS.items():
        assert set(texts) == {"en", "zh-hans"}, word
        assert stray_words(texts["zh-hans"]) == [], word
