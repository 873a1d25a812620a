"""The two phone readers: any valid number for contact, only numbers that take a text for SMS."""

import pytest

from aftersales.accounts.phones import mobile_normalise, phone_is_mobile, phone_masked, phone_normalise
from aftersales.common.errors import ValidationFailed

MOBILE_SPELLINGS = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "138.0013.8000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "0086-138-0013-8000",
    "0086 13800138000",
    "(+86)13800138000",
    "（+86）13800138000",
    "+86 (0) 138 0013 8000",
    "8613800138000",
    "１３８００１３８０００",
    "１３８－００１３－８０００",
    "＋８６ １３８ ００１３ ８０００",
    "138\u30000013\u30008000",  # ideographic spaces
    " 13800138000 ",
]


@pytest.mark.parametrize("spelling", MOBILE_SPELLINGS)
def test_a_chinese_mobile_reads_the_same_however_it_is_written(spelling):  # type: ignore[no-untyped-def]
    assert mobile_normalise(spelling) == "+8613800138000"
    assert phone_normalise(spelling) == "+8613800138000"


@pytest.mark.parametrize(
    ("number", "number_type"),
    [
        ("021-52066273", "fixed_line"),
        ("+86 10 6552 9988", "fixed_line"),
        ("0086 021 5206 6273", "fixed_line"),
        ("400-773-6666", "shared_cost"),
        ("4007736666", "shared_cost"),
        ("800-820-8820", "toll_free"),
        ("+1 800 555 0199", "toll_free"),
    ],
)
def test_a_number_that_cannot_take_a_text_is_a_contact_number_but_not_a_mobile(number, number_type):  # type: ignore[no-untyped-def]
    assert phone_normalise(number).startswith("+")
    with pytest.raises(ValidationFailed) as refused:
        mobile_normalise(number, field="mobile")
    assert refused.value.fields["mobile"].code == "phone_not_mobile"
    assert refused.value.fields["mobile"].params["number_type"] == number_type


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+44 7911 123456", "+447911123456"),  # a British mobile
        ("+852 9123 4567", "+85291234567"),  # a Hong Kong mobile
        ("+1 650-253-0000", "+16502530000"),  # the US plan cannot tell: given the benefit of the doubt
    ],
)
def test_mobiles_abroad_are_accepted(number, expected):  # type: ignore[no-untyped-def]
    assert mobile_normalise(number) == expected


@pytest.mark.parametrize(
    "junk", ["", "   ", "abc", "123", "95588", "+86 138 0013 800", "+86 138 0013 80000", "1" * 200, "+"]
)
def test_what_is_not_a_valid_number_is_refused_naming_the_field(junk):  # type: ignore[no-untyped-def]
    # A contact number may be a landline: its refusal does not ask for a mobile.
    for reader, code in ((phone_normalise, "phone_invalid"), (mobile_normalise, "mobile_phone_invalid")):
        with pytest.raises(ValidationFailed) as refused:
            reader(junk, field="contact_phone")
        assert refused.value.fields["contact_phone"].code == code


def test_a_landline_is_a_contact_number_but_not_a_mobile():  # type: ignore[no-untyped-def]
    assert phone_normalise("021-52066273") == "+862152066273"
    assert not phone_is_mobile("+862152066273") and phone_is_mobile("+8613800138000")


def test_a_masked_number_shows_only_its_last_four_digits():  # type: ignore[no-untyped-def]
    assert phone_masked("+8613800138000") == "…8000"
