"""No unfilled placeholder reaches a client: every raise site of a domain error or field problem
gives every `{name}` of its message's templates (both languages), or the name is one the error
class itself fills (Throttled's wait), or the error takes it from its field problem of the same
code (ValidationFailed, FieldConflict)."""

import ast
import re
from pathlib import Path

import pytest

from aftersales.common.errors import FieldConflict, Throttled, ValidationFailed, problem
from aftersales.common.messages import MESSAGES, message_text
from aftersales.common.tests.test_message_words import ERROR_CODES

ROOT = Path(__file__).resolve().parents[3]
_NAME = re.compile(r"\{([a-z_]+)\}")
# Placeholders the error class fills whatever its raiser passes.
FILLED_BY_CLASS = {"Throttled": {"seconds", "minutes"}}
_FIELD_ERRORS = {"ValidationFailed", "FieldConflict"}


def placeholders(code: str) -> set[str]:
    return {name for text in MESSAGES[code].values() for name in _NAME.findall(text)}


def _sites() -> list[tuple[str, int, str, str, set[str]]]:
    """(file, line, error class, message code, names given) of every raise site."""
    found: list[tuple[str, int, str, str, set[str]]] = []
    for path in sorted([*(ROOT / "aftersales").rglob("*.py"), *(ROOT / "config").rglob("*.py")]):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        calls = [n for n in ast.walk(ast.parse(path.read_text(), str(path))) if isinstance(n, ast.Call)]
        problems: dict[str, list[set[str]]] = {}
        rows = []
        for node in calls:
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ERROR_CODES:
                continue
            code = ERROR_CODES[name]
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                code = first.value
            given = set()
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    code = str(keyword.value.value)
                elif keyword.arg not in (None, "code", "retry_after"):
                    given.add(keyword.arg)
            if name == "problem":
                problems.setdefault(code, []).append(given)
            rows.append((name, node.lineno, code, given))
        for name, line, code, given in rows:
            if code not in MESSAGES:
                continue
            given = given | FILLED_BY_CLASS.get(name, set())
            if name in _FIELD_ERRORS and not given:
                # The error lends the params of its field problem of the same code, built in this file.
                lent = [names for names in problems.get(code, []) if placeholders(code) <= names]
                given = lent[0] if lent else given
            found.append((str(path.relative_to(ROOT)), line, name, code, given))
    return found


SITES = _sites()


def test_the_scan_finds_the_raisers():  # type: ignore[no-untyped-def]
    assert len(SITES) > 50
    assert ("aftersales/repairs/services.py", "complaint_not_open") in {(s[0], s[3]) for s in SITES}


@pytest.mark.parametrize(
    ("path", "line", "name", "code", "given"), SITES, ids=[f"{s[0]}:{s[1]}" for s in SITES]
)
def test_every_placeholder_of_a_raised_message_is_filled(path, line, name, code, given):  # type: ignore[no-untyped-def]
    missing = placeholders(code) - given
    assert not missing, f"{path}:{line} {name}({code!r}) leaves {sorted(missing)} unfilled"


def test_a_field_error_lends_its_field_problems_params_to_its_message():  # type: ignore[no-untyped-def]
    error = FieldConflict({"quote": problem("quote_changed", number="R-1")}, code="quote_changed")
    assert error.params == {"number": "R-1"}
    assert "{" not in message_text(error.code, "zh-hans", **error.params)
    assert ValidationFailed({"x": problem("required")}).params == {}
    assert Throttled(retry_after=61).params == {"seconds": 61, "minutes": 2}
