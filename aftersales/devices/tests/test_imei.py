"""Table tests of the one IMEI reader: the IMEI field (`valid_imei`) and free text (`extract_imei`)."""

import pytest

from aftersales.devices.imei import extract_imei, valid_imei

IMEI = "352099000007779"
SECOND = "352099000007787"  # the same handset's second SIM slot

# How handsets, boxes, labels and people print the same IMEI.
PRINTED = [
    "352099000007779",
    "35-209900-000777-9",  # 2-6-6-1, python-stdnum's format()
    "35 209900 000777 9",  # the same with spaces, as in iOS Settings
    "35209900-000777-9",  # TAC 8 / SNR 6 / check digit
    "35209900/000777/9",  # the same with slashes, as on older labels
    "35209900 000777 9",
    "352099-00-000777-9",  # before 2004: type approval code 6 / final assembly 2 / SNR 6 / check
    "352099/00/000777/9",
    "352099 00 000777 9",
    "３５２０９９０００００７７７９",  # full-width digits, as typed with a Chinese input method
    "３５－２０９９００－０００７７７－９",
    "３５２０９９００／０００７７７／９",
    "３５\u3000２０９９００\u3000０００７７７\u3000９",  # ideographic spaces
    "35\u00a0209900\u00a0000777\u00a09",  # no-break spaces, as copied from a web page
    "35\u2009209900\u2009000777\u20099",  # thin spaces, as typeset on a box or a PDF
    "35\u202f209900\u202f000777\u202f9",  # narrow no-break spaces
    "35209900\u2009000777\u20099",
    "35  209900  000777  9",  # two spaces between groups
    "35209900   000777   9",
    "35 \u3000209900\u3000 000777 9",  # a space and an ideographic space
    "35–209900–000777–9",  # en dashes, as a word processor turns hyphens
    "35２０９９００-000777-9",  # half full-width
]

LABELLED = [
    "IMEI:352099000007779",
    "IMEI: 352099000007779",
    "IMEI 35-209900-000777-9",
    "imei352099000007779",
    "IMEI1：３５２０９９０００００７７７９",
    "IMEI 1: 352099000007779",
    "IMEI2：35209900/000777/9",
    "IMEI号：352099000007779",
    "IMEI码 352099000007779",
    "IMEI号码为352099000007779",
    "ＩＭＥＩ：３５２０９９０００００７７７９",
    "串号 352099000007779",
    "串号:35 209900 000777 9",
    "串號：352099000007779",
    "设备识别码：352099000007779",
    "國際移動設備識別碼：352099000007779",
    "IMEI number: 352099000007779",
    "IMEI No. 352099000007779",
    "IMEI #352099000007779",
    "IMEI is 352099000007779",
]


@pytest.mark.parametrize("field", PRINTED + LABELLED)
def test_the_field_reads_an_imei_however_it_is_printed_or_labelled(field):  # type: ignore[no-untyped-def]
    assert valid_imei(field) == IMEI


@pytest.mark.parametrize("field", [f"  {IMEI}  ", f"\t{IMEI}\n", f"\u3000{IMEI}\u3000"])
def test_the_field_ignores_surrounding_blanks(field):  # type: ignore[no-untyped-def]
    assert valid_imei(field) == IMEI


@pytest.mark.parametrize(
    ("field", "why"),
    [
        ("", "empty"),
        ("   ", "blank"),
        ("352099000007778", "the check digit is wrong"),
        ("35209900000777", "14 digits: no check digit to catch a typo"),
        ("35209900-000777", "TAC and SNR without the check digit"),
        ("3520990000077701", "an IMEISV (16 digits) has no check digit"),
        ("35209900-000777-01", "an IMEISV as printed"),
        ("3520990000077790", "16 digits"),
        ("3520 9900 0007 779", "4-4-4-3 is not a way IMEIs are printed"),
        ("352 099 000 007 779", "3-3-3-3-3 neither"),
        ("35209900 0007779", "8-7 neither"),
        ("13800138000 2025", "a phone number and a year (11-4)"),
        ("1380013 8000 2025", "nor any other grouping that adds up to 15"),
        ("35-209900/000777-9", "mixed separators"),
        ("35--209900--000777--9", "doubled separators"),
        ("35.209900.000777.9", "dots separate dates and decimals, not IMEI groups"),
        ("352099000007779 352099000007787", "two IMEIs"),
        ("IMEI1: 352099000007779 IMEI2: 352099000007787", "two labelled IMEIs"),
        ("352099000007779号", "trailing text"),
        ("A352099000007779", "glued to a letter"),
        ("SN: 352099000007779", "the digits are claimed by a serial-number label"),
        ("电话 352099000007779", "the digits are claimed by a phone label"),
        ("MEID: 352099000007779", "an MEID is another identifier"),
        ("IMEISV: 3520990000077701", "an IMEISV label"),
        ("٣٥٢٠٩٩٠٠٠٠٠٧٧٧٩", "Arabic-Indic digits are not read"),
        ("IMEI:", "a label alone"),
    ],
)
def test_the_field_refuses_what_is_not_exactly_one_imei(field, why):  # type: ignore[no-untyped-def]
    assert valid_imei(field) is None, why


@pytest.mark.parametrize("printed", PRINTED)
def test_the_text_reads_an_imei_printed_in_any_real_shape(printed):  # type: ignore[no-untyped-def]
    assert extract_imei(f"手机充不进电,{printed},麻烦尽快处理") == IMEI


@pytest.mark.parametrize("labelled", LABELLED)
def test_the_text_reads_a_labelled_imei(labelled):  # type: ignore[no-untyped-def]
    assert extract_imei(f"屏幕坏了。{labelled}。谢谢") == IMEI


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机串号 IMEI:35 209900 000777 9,充电很慢", IMEI),
        ("我的手机IMEI是352099000007779，充电很慢", IMEI),
        ("串號：３５２０９９０００００７７７９，螢幕壞了", IMEI),
        ("352099000007779 屏幕坏了", IMEI),
        ("屏幕坏了 35-209900-000777-9", IMEI),
        ("My phone's IMEI is 35 209900 000777 9 and it won't charge", IMEI),
        ("Phone: 13800138000, IMEI: 352099000007779", IMEI),
        ("联系电话 13800138000 IMEI 352099000007779 2025年3月买的", IMEI),
        ("联系电话 13800138000 352099000007779", IMEI),
        ("订单号202611011234564 串号352099000007779", IMEI),
        ("2025-03-02 买的, 352099000007779", IMEI),
        ("2025年3月2日买的 352099000007779", IMEI),
        ("iPhone13 352099000007779 屏幕碎了", IMEI),
        ("IMEI 352099000007779 2025年3月买的", IMEI),
        ("IMEI: 352099000007779 (IMEI SV: 01)", IMEI),
        # Dual-SIM phones print two IMEIs: the first labelled one is taken.
        (f"IMEI1：{IMEI} IMEI2：{SECOND}", IMEI),
        (f"IMEI2：{SECOND} IMEI1：{IMEI}", SECOND),
        (f"IMEI: {IMEI} / {SECOND}", IMEI),
        # A labelled IMEI wins over an unlabelled candidate written before it.
        (f"{SECOND} 是旧手机的, 现在这台 IMEI: {IMEI}", IMEI),
        # A labelled IMEI with a typo is not read; the next real one is.
        (f"IMEI: 352099000007778, 另一台 {SECOND}", SECOND),
    ],
)
def test_the_text_takes_the_imei_a_person_meant(text, expected):  # type: ignore[no-untyped-def]
    assert extract_imei(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("联系电话 13800138000 2025年3月买的手机,屏幕坏了", "phone and year glued across a space"),
        ("联系电话 13800138000 2025 年 3 月买的", "the same with spaces around the year"),
        ("phone 13800138000 2025 bought, screen broken", "the same in English"),
        ("13800138000 2025", "no label: 11-4 is not an IMEI shape"),
        ("138001380002025", "15 digits, passing check digit, but no reporting body starts with 13"),
        ("订单号202611011234564,物流太慢", "an order number"),
        ("订单 202611011234564", "an order number"),
        ("订单编号：202611011234564", "an order number"),
        ("訂單號：２０２６１１０１１２３４５６４，物流太慢", "an order number, Traditional"),
        ("Order no. 352099000007779 arrived broken", "an order number in English"),
        ("order #352099000007779", "an order number in English"),
        ("快递单号 352099000007779 还没到", "a waybill number"),
        ("運單號：352099000007779", "a waybill number, Traditional"),
        ("tracking number 352099000007779", "a waybill number in English"),
        ("SF352099000007779 还没到", "digits glued to letters belong to a longer code"),
        ("电话 352099000007779", "a phone label claims the number after it"),
        ("手机号:352099000007779", "a phone label claims the number after it"),
        ("電話：352099000007779", "a phone label, Traditional"),
        ("tel 352099000007779", "a phone label in English"),
        ("mobile: +86 352099000007779", "a phone label with a country code"),
        ("联系方式 138 0013 8000 2025", "a spaced phone number and a year"),
        ("SN: 352099000007779", "a serial number"),
        ("维修单 352099000007779", "a repair order number"),
        ("维修单号：352099000007779", "a repair order number"),
        ("維修單號 352099000007779", "a repair order number, Traditional"),
        ("工单352099000007779", "a ticket number"),
        ("工单编号：352099000007779", "a ticket number"),
        ("工單：352099000007779", "a ticket number, Traditional"),
        ("会员卡 352099000007779", "a membership card number"),
        ("会员卡号:352099000007779", "a membership card number"),
        ("會員卡號 352099000007779", "a membership card number, Traditional"),
        ("会员号 352099000007779", "a membership number"),
        ("微信号 352099000007779", "a WeChat id"),
        ("微信：352099000007779", "a WeChat id"),
        ("微信號 352099000007779", "a WeChat id, Traditional"),
        ("WeChat ID 352099000007779", "a WeChat id in English"),
        ("支付宝 352099000007779", "a payment account"),
        ("支付宝账号：352099000007779", "a payment account"),
        ("支付寶帳號 352099000007779", "a payment account, Traditional"),
        ("Alipay: 352099000007779", "a payment account in English"),
        ("订单号：352099000007779", "an order number with a valid-looking IMEI"),
        ("快递单号：35 209900 000777 9", "a waybill number printed like an IMEI"),
        ("电话  138  0013  8000  2025", "a phone number and a year, double spaced"),
        ("S/N 352099000007779", "a serial number"),
        ("序列号 352099000007779", "a serial number"),
        ("序列號：F2LXK0352099000007779", "a serial number with letters"),
        ("serial number: 352099000007779", "a serial number in English"),
        ("MEID: 35209900000777", "an MEID"),
        ("IMSI 352099000007779", "a SIM card's subscriber identity"),
        ("IMEISV: 3520990000077701", "an IMEISV"),
        ("IMEI 35209900000777", "14 digits"),
        ("IMEI: 352099000007778", "a wrong check digit"),
        ("3520 9900 0007 779", "4-4-4-3"),
        ("35209900 0007779", "8-7"),
        ("35-209900/000777-9", "mixed separators"),
        ("2025-03-02", "a date"),
        ("20250302 123456 1", "8-6-1 shaped, but no reporting body starts with 20"),
        ("屏幕坏了", "no digits"),
        ("", "empty"),
    ],
)
def test_the_text_reads_no_imei_from_numbers_that_are_not_one(text, why):  # type: ignore[no-untyped-def]
    assert extract_imei(text) is None, why


# Reporting Body Identifiers, the first two digits (GSMA TS.06 Appendix A).
REPORTING_BODIES = [
    ("012345001234561", "012345001234561"),  # 01 CTIA (PTCRB)
    ("861234045678904", "861234045678904"),  # 86 TAF, China
    ("990001234567899", "990001234567899"),  # 99 Global Hexadecimal Administrator
    ("001010123456780", None),  # 00 is a test IMEI, never a customer's handset
    ("004999010640000", None),  # the default IMEI of a wiped handset, shared by many
    ("000000000000000", None),  # the same
    ("202611011234564", None),  # 20 is allocated to no reporting body: an order number
    ("138001380002025", None),  # 13 neither: a phone number and a year
]


@pytest.mark.parametrize(("number", "expected"), REPORTING_BODIES)
def test_the_field_needs_an_allocated_reporting_body(number, expected):  # type: ignore[no-untyped-def]
    assert valid_imei(number) == expected
    assert valid_imei(f"IMEI: {number}") == expected


@pytest.mark.parametrize(("number", "expected"), REPORTING_BODIES)
def test_the_text_needs_an_allocated_reporting_body_labelled_or_not(number, expected):  # type: ignore[no-untyped-def]
    assert extract_imei(f"{number} 屏幕坏了") == expected
    assert extract_imei(f"屏幕坏了, IMEI: {number}") == expected
