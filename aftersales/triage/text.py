"""Text preparation shared by training and prediction."""

import html
import re
import unicodedata

MAX_CHARS = 3000
_TAGS = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"\s+")
# After these words the writer usually says what actually went wrong ("looks nice, but ...").
_CONTRAST = re.compile(
    r"(?:但是|但|就是|可惜|不过|唯一|美中不足|然而|只是|\bbut\b|\bhowever\b|\bunfortunately\b|\bexcept\b|\bonly problem\b)",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(r"(?:没有|没|不|无|未|非|\bno\b|\bnot\b|\bnever\b|n't)\s*$", re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, HTML tags and entities removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
    text = html.unescape(_TAGS.sub(" ", text))
    return _SPACES.sub(" ", text).strip().lower()[:MAX_CHARS]


def focus_clause(text: str) -> str:
    """The part after the last contrast word, where the complaint usually is; "" if none."""
    matches = list(_CONTRAST.finditer(text))
    if not matches:
        return ""
    return text[matches[-1].end() :].strip()


def model_input(text: str) -> str:
    """What the classifier reads: the whole text, then the focus clause again to weigh it more."""
    clean = normalise(text)
    focus = focus_clause(clean)
    return f"{clean} | {focus}" if focus else clean


def is_negated(text: str, start: int) -> bool:
    """True when the words just before position `start` negate what follows ("没有鼓包", "no smoke")."""
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 6) : start]))


def has_content(text: str) -> bool:
    """False for text with no letters or ideographs at all (only emoji, digits or punctuation)."""
    return any(unicodedata.category(ch).startswith("L") for ch in text)
