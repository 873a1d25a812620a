"""Reading an IMEI, from the IMEI field and from a complaint's text, by one set of rules.

An IMEI (3GPP TS 23.003, section 6.2.1) is 15 decimal digits: an 8-digit Type Allocation Code (TAC),
whose first two digits are the Reporting Body Identifier, a 6-digit serial number (SNR) and a Luhn check
digit. `valid_imei` reads the IMEI field, `extract_imei` finds the IMEI in free text; both return the 15
digits or None, and both follow the rules below.

How an IMEI may be written
- Digits 0-9, in ASCII or full width (０-９). Every full-width form (ＩＭＥＩ, ：, －, ／) is read as its
  ASCII counterpart, every Unicode space (the ideographic U+3000, no-break U+00A0 and U+202F, thin U+2009,
  figure U+2007 and the other spaces of category Zs) as a space, a run of spaces as one, the Unicode
  hyphens, dashes and the minus sign as "-". Other scripts' digits are not read.
- In one piece, or in one of the groupings IMEIs are printed in, with one kind of separator (spaces,
  "-" or "/") between all the groups:

      15        352099000007779
      8-6-1     35209900/000777/9     TAC / SNR / check digit, as on labels and boxes
      2-6-6-1   35-209900-000777-9    python-stdnum's format(); iOS shows 35 209900 000777 9
      6-2-6-1   352099/00/000777/9    type approval code / final assembly code / SNR / check, before 2004

  Any other grouping is refused even when its digits add up to a valid IMEI: "13800138000 2025" is a
  phone number and a year, not an IMEI whose check digit happens to pass.
- After a label, with or without ":", "：", "is", "是" or "为" between: IMEI, IMEI1, IMEI2 (dual-SIM
  phones print both), IMEI号 / IMEI码 / IMEI号码, IMEI number / No. / #, 串号 / 串號, (国际移动)设备识别码 /
  (國際移動)設備識別碼 / (國際行動)裝置識別碼, in any letter case.

What makes it an IMEI
- A correct Luhn check digit, and a Reporting Body Identifier that GSMA has allocated to a body that
  allocates, or used to allocate, TACs (GSMA TS.06 Appendix A): 01, 10, 30, 33, 35, 44, 45, 49, 50-54,
  86, 91, 98, 99. Test IMEIs (00-09) are refused: no customer's handset carries one, and the null IMEIs
  that wiped handsets report (000000000000000, MediaTek's 004999010640000) start with 00 and are shared
  by many handsets, so they cannot tell one device from another. The prefix is required of the field and
  of labelled IMEIs too: any 15 digits pass the check digit one time in ten, and the prefix keeps out
  such order numbers (20...) and phone numbers with a year (13...) wherever they are written.

What is refused, and why
- 14 digits (an IMEI without its check digit) and 16 digits (an IMEISV: 14 IMEI digits and a 2-digit
  software version). python-stdnum's `imei.validate` accepts both, but neither carries a check digit, so
  a mistyped digit would go unnoticed and register a stranger's handset, or join a complaint to it.
  Deriving the check digit from an IMEISV's first 14 digits would hide the same typo, so it is not done.
- Digits that another label claims: a phone number (电话 / 電話, 手机 / 手機, 手机号, 座机, 联系方式 /
  聯繫方式 / 聯絡方式, 号码, tel, telephone, phone, mobile, cell, contact), an order or waybill number
  (订单 / 訂單, 单号 / 單號, 运单 / 運單, 快递单 / 快遞單, 物流单 / 物流單, 发票 / 發票, order, order no,
  waybill, tracking, invoice), a repair order or ticket number (维修单 / 維修單, 工单 / 工單), a
  membership card or payment account (会员 / 會員, 会员卡 / 會員卡, 微信 / 微信号 / 微信號, wechat, 支付宝 /
  支付寶, alipay; also with 账号 / 帳號 after them), a serial number (SN, S/N, serial, 序列号 / 序列號; a serial may hold
  digits), and other identifiers that are not an IMEI: MEID (a CDMA identifier, not always equal to the
  IMEI), IMEISV, IMSI, ICCID, 身份证 / 身份證, 卡号 / 卡號, QQ. A label claims the number right after it
  (after ":", "is", "是", "为" or blanks): one token of letters and digits joined by "-", "/" or ".";
  a phone label also the rest of a number written in groups ("+86 138 0013 8000": after a dialling code
  of up to 4 digits the next group, then groups of up to 4 digits while fewer than 11 digits are
  claimed). "手机" is both the handset and "mobile number": it claims a number written right after it
  ("手机 13800138000", so also "我的手机是 352099000007779"), and nothing when a word follows
  ("手机串号 ...", "手机屏幕").
- Dates: digits followed by 年, 月 or 日, and 2025-03-02, 2025/3/2, 2025.03.02, 02/03/2025.
- Digits glued to a Latin letter: they belong to a longer code (a waybill SF1234..., a model iPhone13).
  A label glued to its number ("imei352099000007779") is still read as a label.

In the field the whole value must be one IMEI, with a label before it or not; anything else refused.
In text, the first valid labelled IMEI wins, in the order written (so IMEI1 when it comes before
IMEI2); only when no labelled IMEI is valid is the first unlabelled number that is one taken.
"""

import re
from collections.abc import Iterator

from stdnum import imei as stdnum_imei

# GSMA TS.06 Appendix A: Reporting Body Identifiers of bodies that allocate or allocated TACs.
ALLOCATED_REPORTING_BODIES = frozenset(
    {"01", "10", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98", "99"}
)

# The group lengths of each printed form of an IMEI; each starts with a different length, so at most one
# shape fits the groups that start at a given place.
PRINTED_SHAPES: tuple[tuple[int, ...], ...] = ((15,), (8, 6, 1), (2, 6, 6, 1), (6, 2, 6, 1))

_FOLD: dict[int, int | str] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # full-width ASCII
# Unicode category Zs: the spaces people and label printers put between groups.
_FOLD.update(dict.fromkeys((0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000), " "))
_FOLD.update(dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63), "-"))

_IMEI_STEMS = (
    r"(?<![a-z])imei(?![ ]?sv)(?:[ ]?[12](?![0-9]))?|串号|串號"
    r"|(?:国际)?(?:移动)?设备识别码|(?:國際)?(?:移動)?設備識別碼|(?:國際)?(?:行動)?裝置識別碼"
)
_PHONE_STEMS = (
    r"(?<![a-z])(?:telephone|tel|phone|mobile|cell|contact)(?![a-z])"
    r"|联系方式|聯繫方式|聯絡方式|电话|電話|手机|手機|座机|座機|号码|號碼"
)
_OTHER_STEMS = (
    r"(?<![a-z])(?:order|waybill|tracking|invoice|serial|s/n|sn|meid|imei[ ]?sv|imsi|iccid|qq|wechat|alipay)(?![a-z])"
    r"|订单|訂單|单号|單號|运单|運單|快递单|快遞單|物流单|物流單|发票|發票"
    r"|维修单|維修單|工单|工單|会员卡|會員卡|会员|會員|微信|支付宝|支付寶"
    r"|序列号|序列號|身份证|身份證|卡号|卡號"
)
_LABEL = re.compile(
    rf"(?:(?P<imei>{_IMEI_STEMS})|(?P<phone>{_PHONE_STEMS})|(?P<other>{_OTHER_STEMS}))"
    r"(?:[ ]?(?:号码|號碼|编号|編號|账号|帳號|帐号|号|號|码|碼|(?:number|num|no|nr|id)(?![a-z])\.?|\#))?"
    r"\s*(?:[:=#.]|is(?![a-z])|是|为|為)?\s*"
    r"(?(imei)(?=[0-9])|(?=\+?[0-9a-z]))",
    re.IGNORECASE,
)
# What a label other than an IMEI's claims: one token; after a phone label, the groups that follow it.
_CLAIMED_TOKEN = re.compile(r"\+?[0-9A-Za-z]+(?:[-/.][0-9A-Za-z]+)*")
_DIALLING_CODE = re.compile(r"\+?[0-9]{1,4}")
_CLAIMED_GROUP = re.compile(r" ([0-9]+)(?![0-9A-Za-z])")
_DATE = re.compile(
    r"(?<![0-9])(?:"
    r"(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4})(?![0-9])"
    r"|[0-9]{1,4} ?[年月日]"
    r")"
)
# Digit runs joined by single separators: the stretch within which groups of one number may be found.
_CHAIN = re.compile(r"[0-9]+(?:[ /-][0-9]+)*")
_BLOCKED = "\x00"
_SPACES = re.compile(r" {2,}")


def _fold(text: str) -> str:
    """`text` with the forms the rules read alike made one (module docstring, "How an IMEI may be written")."""
    return _SPACES.sub(" ", text.translate(_FOLD))


def valid_imei(raw: str) -> str | None:
    """The 15-digit IMEI if the whole of `raw` (an IMEI field) is one IMEI, else None.

    `raw` may carry an IMEI label ("IMEI:352099000007779", "IMEI1：３５２０９９０００００７７７９") and be
    grouped in a printed shape ("35209900/000777/9", "35 209900 000777 9"); the module docstring gives
    the shapes, the labels, and what is refused (14 or 16 digits, other groupings, a wrong check digit,
    an unallocated reporting body, another label such as "SN:", a second IMEI or any other text).
    """
    folded = _fold(raw).strip()
    label = _LABEL.match(folded)
    if label is not None and label.lastgroup != "imei":
        return None
    value = folded[label.end() :] if label else folded
    if not _CHAIN.fullmatch(value):
        return None
    for digits, _start, end in _imeis_in_chain(value, from_first_group_only=True):
        if end == len(value) and _is_imei(digits):
            return digits
    return None


def extract_imei(text: str) -> str | None:
    """The IMEI a person wrote in `text`, as 15 digits, or None.

    The first labelled IMEI that is valid ("IMEI1：…" before "IMEI2：…", as written); failing that, the
    first valid IMEI written without a label. Numbers claimed by another label (phone, order, waybill,
    serial, ...), dates, digits glued to letters and groupings that are not a printed shape are never
    read as an IMEI; the module docstring gives the rules.
    """
    folded = _fold(text)
    blocked = bytearray(len(folded))
    imei_values: list[int] = []
    for label in _LABEL.finditer(folded):
        _block(blocked, label.start(), label.end())
        if label.lastgroup == "imei":
            imei_values.append(label.end())
        else:
            phone = label.lastgroup == "phone"
            _block(blocked, label.end(), _claim_end(folded, label.end(), phone=phone))
    for date in _DATE.finditer(folded):
        _block(blocked, date.start(), date.end())

    visible = _mask(folded, blocked)
    for start in imei_values:
        chain = _CHAIN.match(visible, start)
        if chain is None:
            continue
        glued_after = _is_letter(visible, chain.end())
        read_to = start + len(chain.group().split(" ")[0])
        for digits, _first, end in _imeis_in_chain(
            chain.group(), from_first_group_only=True, glued_after=glued_after
        ):
            if _is_imei(digits):
                return digits
            read_to = start + end
        # The label claims what it was written before, valid or not: never read again as unlabelled.
        _block(blocked, start, read_to)

    visible = _mask(folded, blocked)
    for chain in _CHAIN.finditer(visible):
        candidates = _imeis_in_chain(
            chain.group(),
            glued_before=_is_letter(visible, chain.start() - 1),
            glued_after=_is_letter(visible, chain.end()),
        )
        for digits, _start, _end in candidates:
            if _is_imei(digits):
                return digits
    return None


def _is_imei(digits: str) -> bool:
    # stdnum also accepts 14 and 16 digits, which carry no check digit: only 15 are an IMEI here.
    return len(digits) == 15 and digits[:2] in ALLOCATED_REPORTING_BODIES and stdnum_imei.is_valid(digits)


def _imeis_in_chain(
    chain: str, *, from_first_group_only: bool = False, glued_before: bool = False, glued_after: bool = False
) -> Iterator[tuple[str, int, int]]:
    """(digits, start, end) of each stretch of `chain` written in a printed shape, left to right.

    Spaces split the chain into segments. A segment joined by "-" or "/" is taken whole or not at all,
    so "2025-03-02" or "35-209900-000777-9-01" is never cut down to an IMEI. Consecutive space-separated
    segments of plain digits are taken when their lengths are exactly a printed shape. A segment glued to
    a letter (`glued_before`, `glued_after`) is part of a longer code and is skipped.
    """
    segments = [(match.group(), match.start(), match.end()) for match in re.finditer(r"[^ ]+", chain)]
    first = 1 if glued_before else 0
    last = len(segments) - 1 if glued_after else len(segments)
    for index in range(first, last):
        text, start, end = segments[index]
        separators = set(re.findall(r"[-/]", text))
        if separators:
            groups = re.split(r"[-/]", text)
            if len(separators) == 1 and tuple(map(len, groups)) in PRINTED_SHAPES:
                yield "".join(groups), start, end
        else:
            for shape in PRINTED_SHAPES:
                window = segments[index : index + len(shape)]
                if (
                    index + len(shape) <= last
                    and tuple(len(group) for group, _, _ in window) == shape
                    and not any(set(group) & {"-", "/"} for group, _, _ in window)
                ):
                    yield "".join(group for group, _, _ in window), start, window[-1][2]
        if from_first_group_only:
            return


def _claim_end(text: str, start: int, *, phone: bool) -> int:
    """Where the number that a label other than an IMEI's claims, starting at `start`, ends."""
    token = _CLAIMED_TOKEN.match(text, start)
    if token is None:
        return start
    end = token.end()
    if not phone:
        return end
    # A country or area code takes the number after it ("+86 13800138000", "021 52066273"); then the
    # groups of a number written with spaces ("138 0013 8000") have up to 4 digits, 11 digits in all.
    digits = sum(char.isdigit() for char in token.group())
    dialling_code = _DIALLING_CODE.fullmatch(token.group()) is not None
    while (group := _CLAIMED_GROUP.match(text, end)) is not None:
        length = len(group.group(1))
        if dialling_code or (length <= 4 and digits < 11):
            end, digits, dialling_code = group.end(), digits + length, False
        else:
            break
    return end


def _block(blocked: bytearray, start: int, end: int) -> None:
    blocked[start:end] = b"\x01" * (end - start)


def _mask(text: str, blocked: bytearray) -> str:
    if 1 not in blocked:  # nothing claimed (most texts): the text as it is
        return text
    return "".join(_BLOCKED if hidden else char for char, hidden in zip(text, blocked, strict=True))


def _is_letter(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalpha()
