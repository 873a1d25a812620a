"""The one check every piece of text passes before the platform stores or reads it.

Two things a client can send that no column can hold: a NUL character (PostgreSQL's
text types refuse U+0000) and half of a UTF-16 surrogate pair (JSON allows `"\\ud83d"`
alone, but it is no character and cannot be encoded as UTF-8). Both are refused with a
field-level problem rather than stored on one database and crashing on the other.
"""

import re
from typing import Any

from aftersales.common.errors import FieldProblem, problem

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Full-width digits (U+FF10-U+FF19), as a Chinese input method types them, read as ASCII digits.
_FULL_WIDTH_DIGITS = {0xFF10 + n: str(n) for n in range(10)}
_BLANKS = re.compile(r"[\s\u3000]+")


def digits_typed(value: str) -> str:
    """A code or number as a person typed it, read as ASCII: full-width digits (０-９) made 0-9 and
    blanks (spaces, the ideographic space) dropped ("１２３ ４５６" -> "123456"). Other characters
    are kept, so that a check on the result still refuses them."""
    return _BLANKS.sub("", value.translate(_FULL_WIDTH_DIGITS))


def text_problem(value: str) -> FieldProblem | None:
    """Why `value` cannot be stored (`text_nul` or `text_broken_character`), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return problem("text_nul") if found.group() == "\x00" else problem("text_broken_character")


def document_text_problems(document: Any, path: str = "") -> dict[str, FieldProblem]:
    """Every string in a parsed JSON document (keys included) that cannot be stored, by field path.

    Paths join object keys and list indexes with dots: `text`, `attachments.0.name`;
    the whole body is `body`.
    """
    problems: dict[str, FieldProblem] = {}
    if isinstance(document, str):
        found = text_problem(document)
        if found is not None:
            problems[path or "body"] = found
    elif isinstance(document, dict):
        for key, value in document.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            if text_problem(key_text) is not None:
                problems[path or "body"] = problem("text_broken_key")
                continue
            problems.update(document_text_problems(value, child))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            problems.update(document_text_problems(value, f"{path}.{index}" if path else str(index)))
    return problems
