"""Reading phone numbers as people write them, in one place.

Two readers, by what the number is for:

- `phone_normalise`: any valid number (a mobile, a landline, a hotline), as a contact number;
- `mobile_normalise`: only a number that can receive a text message, for sign-in codes and
  anything else sent by SMS.

Both take the number as typed: with or without a country code (`+86`, `0086`, `(+86)`),
grouped with spaces, dashes, dots or brackets, in full-width digits (`１３８…`), and read
numbers without a country code in the policy pack's default region (China). Both return
E.164 (`+8613800138000`) and raise `ValidationFailed` naming the field.

The number types are those of libphonenumber's metadata (the `phonenumbers` package).
"""

import phonenumbers
from phonenumbers import PhoneNumberType

from aftersales.common.errors import ValidationFailed, problem
from aftersales.policy.pack import current_pack

# Types that receive text messages. FIXED_LINE_OR_MOBILE is a region (the US, Canada, ...)
# whose numbering plan cannot tell a landline from a mobile: it gets the benefit of the doubt.
SMS_CAPABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

_TYPE_NAMES = {value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper()}


def _parse(raw: str, *, field: str, mobile: bool = False) -> phonenumbers.PhoneNumber:
    # A contact number may be a landline: only a number asked for as a mobile is refused as one.
    invalid = problem("mobile_phone_invalid") if mobile else problem("phone_invalid")
    try:
        parsed = phonenumbers.parse(raw, current_pack().default_region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed({field: invalid}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed({field: invalid})
    return parsed


def _e164(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_normalise(raw: str, *, field: str = "phone") -> str:
    """E.164 form of any valid phone number, e.g. `021-52066273` -> `+862152066273`.

    For contact numbers, which may be landlines. Raises ValidationFailed({field: phone_invalid})
    when `raw` is not a phone number or not a valid one in its region.
    """
    return _e164(_parse(raw, field=field))


def phone_read(raw: str, *, field: str = "phone") -> tuple[str, bool]:
    """`phone_normalise(raw)` and whether that number can receive a text message
    (`phone_is_mobile`), from one parse. Raises as `phone_normalise`."""
    parsed = _parse(raw, field=field)
    return _e164(parsed), phonenumbers.number_type(parsed) in SMS_CAPABLE


def mobile_normalise(raw: str, *, field: str = "phone") -> str:
    """E.164 form of a number that can receive a text message, e.g. `138 0013 8000` -> `+8613800138000`.

    Raises ValidationFailed({field: mobile_phone_invalid}) when `raw` is no valid number, and
    ValidationFailed({field: phone_not_mobile}) for a valid number of another type: a landline,
    a 400 (shared-cost) or 800 (toll-free) hotline, a premium-rate, VoIP or personal number.
    The refused type is in the problem's `number_type` parameter (libphonenumber's name, lower case).
    """
    parsed = _parse(raw, field=field, mobile=True)
    number_type = phonenumbers.number_type(parsed)
    if number_type not in SMS_CAPABLE:
        raise ValidationFailed({field: problem("phone_not_mobile", number_type=_TYPE_NAMES[number_type])})
    return _e164(parsed)


def phone_masked(number: str) -> str:
    """A number fit for a log line: its last four digits only, e.g. `+8613800138000` -> `…8000`."""
    return "…" + number[-4:]


def phone_is_mobile(e164: str) -> bool:
    """Whether a valid E.164 number (from `phone_normalise`) can receive a text message."""
    return phonenumbers.number_type(phonenumbers.parse(e164)) in SMS_CAPABLE


def phone_masked_for_display(e164: str) -> str:
    """A mobile number as shown back to its holder on a page, middle digits hidden.

    Chinese mobiles the way Chinese services show them: `+8613800138000` -> `138****8000`;
    other numbers keep the country code and their last four digits: `+447700900123` -> `+44 ****0123`.
    """
    parsed = phonenumbers.parse(e164)
    national = str(parsed.national_number)
    if parsed.country_code == 86 and len(national) == 11:
        return f"{national[:3]}****{national[-4:]}"
    return f"+{parsed.country_code} ****{national[-4:]}"
