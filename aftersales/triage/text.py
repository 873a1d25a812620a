"""Text preparation shared by training and prediction."""

import html
import re
import unicodedata
from functools import lru_cache

import opencc

MAX_CHARS = 3000
_TAGS = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"\s+")
# After these words the writer usually says what actually went wrong ("looks nice, but ...").
_CONTRAST = re.compile(
    r"(?:但是|但|就是|可惜|不过|唯一|美中不足|然而|只是|\bbut\b|\bhowever\b|\bunfortunately\b|\bexcept\b|\bonly problem\b)",
    re.IGNORECASE,
)
# Sentence ends, commas and list numbers ("1、", "2.") separate the faults a customer lists.
_CLAUSE_BREAK = re.compile(r"[。！!？?；;\n]+|\.(?:\s|$)|\d[、.)]|[，,]")
MAX_CLAUSES = 12
# A clause with a word of praise and no word of fault ("外观漂亮", "great camera") names no fault.
_PRAISE = re.compile(
    r"好|不错|漂亮|清晰|清楚|流畅|快|满意|喜欢|给力|完好|实惠|便宜|耐用|舒服|精致|大气|值|赞|棒|高|强|顺畅|够用"
    r"|\b(?:great|good|nice|beautiful|love|loved|excellent|fast|awesome|perfect|amazing|happy|fine|solid"
    r"|clear|sharp)\b"
)
_FAULT = re.compile(
    r"不|没|无|冇|唔|差|慢|坏|烂|问题|毛病|太|卡|烫|热|失灵|垃圾|只|才|就是|但|可惜|难|死|掉|碎|裂|破|杂|吵|暗|糊|退|降|假|骗|却"
    r"|\b(?:not|no|bad|poor|terrible|slow|broke|broken|dies|died|issues?|problems?|but|only|however|too|worst"
    r"|stopped|awful|horrible)\b|n't"
)
# 冇 and 唔 are Cantonese "not" (Hong Kong customers): "部機冇冒煙".
_NEGATION_BEFORE = re.compile(
    r"(?:没有|没|不|无|未|非|冇|唔|\bno\b|\bnot\b|\bnever\b|n't)\s*$", re.IGNORECASE
)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, HTML tags and entities removed, spaces
    collapsed, Traditional Chinese written as Simplified."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
    text = html.unescape(_TAGS.sub(" ", text))
    return to_simplified(_SPACES.sub(" ", text).strip().lower()[:MAX_CHARS])


def to_simplified(text: str) -> str:
    """Traditional Chinese (Taiwan and Hong Kong customers) in Simplified characters and
    mainland words (螢幕 → 屏幕, 軟體 → 软件, 訊號 → 信号), so that the model, the symptom
    words and the rules read it as they read Simplified text. Text with no Traditional
    character is returned as it is, without paying for the conversion."""
    traditional, converter = _traditional_chinese()
    return converter.convert(text) if traditional.search(text) else text


@lru_cache(maxsize=1)
def _traditional_chinese() -> tuple[re.Pattern[str], opencc.OpenCC]:
    # The characters that the plain character conversion changes are the Traditional ones.
    ideographs = "".join(chr(code) for code in range(0x4E00, 0x9FFF + 1))
    converted = opencc.OpenCC("t2s").convert(ideographs)
    changed = "".join(a for a, b in zip(ideographs, converted, strict=True) if a != b)
    return re.compile(f"[{changed}]"), opencc.OpenCC("tw2sp")


def focus_clause(text: str) -> str:
    """The part after the last contrast word, where the complaint usually is; "" if none."""
    matches = list(_CONTRAST.finditer(text))
    if not matches:
        return ""
    return text[matches[-1].end() :].strip()


def clauses(text: str) -> list[str]:
    """The normalised text's clauses of three characters or more, in order, at most MAX_CLAUSES."""
    parts = (part.strip() for part in _CLAUSE_BREAK.split(normalise(text)))
    return [part for part in parts if len(part) >= 3][:MAX_CLAUSES]


def is_praise(clause: str) -> bool:
    """True for a clause that praises and names no fault ("拍照清晰", "great screen")."""
    return bool(_PRAISE.search(clause)) and not _FAULT.search(clause)


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
