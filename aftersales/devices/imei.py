"""IMEI validation and extraction from free text."""

import re

from stdnum import imei as stdnum_imei
from stdnum.exceptions import ValidationError

# 15 digits, possibly written with spaces, dashes or slashes between groups
# (e.g. "35-209900-176148-1"), not glued to other digits.
_CANDIDATE = re.compile(r"(?<![\d])(\d[\d \-/]{13,20}\d)(?![\d])")
_IMEI_LABEL = re.compile(r"imei\s*[::号码]*\s*", re.IGNORECASE)


def valid_imei(raw: str) -> str | None:
    """The 15-digit IMEI if `raw` is one with a correct Luhn check digit, else None."""
    try:
        compact = stdnum_imei.validate(raw)
    except ValidationError:
        return None
    return compact if len(compact) == 15 else None


def extract_imei(text: str) -> str | None:
    """The first valid IMEI written in `text`, if any."""
    normalised = _IMEI_LABEL.sub(" ", text.translate(_FULLWIDTH_DIGITS))
    for match in _CANDIDATE.finditer(normalised):
        found = valid_imei(re.sub(r"[ \-/]", "", match.group(1)))
        if found:
            return found
    return None


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
