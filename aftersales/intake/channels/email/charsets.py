"""Bytes to text as Chinese mail really comes: labels that lie, labels nobody registered.

Rules (WHATWG Encoding Standard, "gbk" and "big5" labels, and what mail clients send):
- `gb2312`, `gbk`, `x-gbk`, `cp936`, `euc-cn` all decode as GB18030, the superset: clients
  label GBK text `gb2312` and write characters GB2312 never had (镕, 喆, 堃).
- `big5` decodes as Big5-HKSCS, the superset Hong Kong and Taiwan mail uses.
- `us-ascii` and `iso-8859-1` labels on 8-bit bytes are tried as UTF-8 first.
- An unknown label, or bytes its label cannot decode, fall back to UTF-8, GB18030, then
  Big5-HKSCS, each strictly; only then UTF-8 with U+FFFD for what is left.
"""

import base64
import binascii
import codecs
import quopri
import re

_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
}
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")


def codec_for(label: str | None) -> str | None:
    """The Python codec to decode a charset label with, or None when the label is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _SUPERSETS:
        return _SUPERSETS[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> tuple[str, bool]:
    """Decode `data` labelled `label`; returns (text, exact).

    `exact` is False when the label was unknown or wrong and a fallback decoded the bytes,
    or when some bytes could not be decoded at all (they become U+FFFD).
    """
    codec = codec_for(label)
    if codec is not None:
        try:
            return data.decode(codec), True
        except (UnicodeDecodeError, LookupError):
            pass
    if not data or data.isascii():
        return data.decode("ascii"), codec is not None or not label
    for fallback in _FALLBACKS:
        if fallback == codec:
            continue
        try:
            return data.decode(fallback), False
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), False


def b_decode(text: str) -> bytes:
    """Base64 as mail writes it: padding missing or extra, stray characters, line breaks."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else len(cleaned)]
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return b""


def q_decode(text: str) -> bytes:
    """The RFC 2047 "Q" encoding: quoted-printable with `_` for a space."""
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "surrogateescape"), header=False)


# An RFC 2047 encoded word; RFC 2231 allows a language after `*` in the charset.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_header(raw: str | bytes) -> str:
    """One header value as text.

    Accepts encoded words anywhere, also inside quotes, split over folded lines, mixed B
    and Q, and a multibyte character split between two encoded words of the same
    charset (their bytes are joined before decoding). Raw 8-bit bytes outside encoded
    words are decoded by the fallbacks. Control characters, CR and LF become spaces.
    """
    if isinstance(raw, str):
        raw = raw.encode("ascii", "surrogateescape") if _has_surrogates(raw) else raw.encode("utf-8")
    text = raw.decode("ascii", "surrogateescape")
    text = _FOLD.sub("", text)
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(decode_bytes(b"".join(pending), pending_charset)[0])
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2).
        if between and not (pending and between.isspace()):
            flush()
            pieces.append(_literal(between))
        charset, encoding, payload = match.groups()
        data = b_decode(payload) if encoding in "bB" else q_decode(payload)
        if pending and codec_for(charset) != codec_for(pending_charset):
            flush()
        pending.append(data)
        pending_charset = charset
        position = match.end()
    flush()
    pieces.append(_literal(text[position:]))
    return _CONTROL.sub(" ", "".join(pieces)).replace("\r", " ").replace("\n", " ").strip()


def _literal(text: str) -> str:
    if not _has_surrogates(text):
        return text
    return decode_bytes(text.encode("ascii", "surrogateescape"))[0]


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= character <= "\udcff" for character in text)
