"""The one typed request every channel turns its input into, and its validation."""

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Model

from aftersales.accounts.models import CHANNEL_IDENTITY_KINDS, Customer, CustomerIdentity
from aftersales.accounts.phones import phone_read
from aftersales.common import clock
from aftersales.common.errors import FieldProblem, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.complaints.models import Complaint
from aftersales.devices.imei import extract_imei, valid_imei
from aftersales.devices.models import Device
from aftersales.policy.pack import PolicyPack


@dataclass(frozen=True)
class Submission:
    channel: str
    text: str
    subject: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "zh-hans"
    city: str = ""
    imei: str = ""
    device_model: str = ""
    purchase_date: date | None = None
    purchase_channel: str = ""
    # The social platform's id of the sender (WeChat openid, Weibo uid, Douyin open_id), set only
    # by that channel's adapter after checking the platform's signature; never taken from a form.
    sender_id: str = ""
    # Where the customer is (WGS-84 degrees, from the app or the browser), both or neither:
    # used once to dispatch the complaint to an outlet nearby, never stored.
    lat: float | None = None
    lon: float | None = None

    def fingerprint(self) -> str:
        """A hash of the request, to tell a retry from a different request under the same key."""
        document = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(document.encode()).hexdigest()


TEXT_FIELDS = (
    "channel",
    "text",
    "subject",
    "name",
    "phone",
    "email",
    "language",
    "city",
    "imei",
    "device_model",
    "purchase_channel",
    "sender_id",
)


@dataclass(frozen=True)
class CleanSubmission:
    submission: Submission
    text: str
    subject: str
    phone: str | None
    # Whether `phone` can receive a text message (only a mobile can become a sign-in identity).
    phone_is_mobile: bool
    email: str | None
    imei: str | None


def _column_limit(model: type[Model], field: str) -> int:
    limit = getattr(model._meta.get_field(field), "max_length", None)
    assert limit is not None, f"{model.__name__}.{field} has no max_length"
    return limit


# Every field's length limit, declared once: the column that stores it, or for what is only
# parsed (a phone or an IMEI as typed) a bound on the raw input. The form and the API schema
# read this table; the text's own limit is the policy pack's `text_limit`.
FIELD_LIMITS: dict[str, int] = {
    "subject": _column_limit(Complaint, "subject"),
    "name": _column_limit(Customer, "name"),
    "email": _column_limit(CustomerIdentity, "value"),
    "city": _column_limit(Customer, "city"),
    "device_model": _column_limit(Device, "model_name"),
    "purchase_channel": _column_limit(Device, "purchase_channel"),
    "phone": 40,
    # Room for a label and the printed groupings ("IMEI1: 35 209900 000777 9"), even two IMEIs,
    # so that a wrong value is refused for what it is rather than for its length.
    "imei": 64,
}


def validate_submission(
    submission: Submission, pack: PolicyPack, *, contact_required: bool = True
) -> CleanSubmission:
    """Check every field at once; raise ValidationFailed naming each bad field and why.

    `contact_required` is False for a signed-in customer: we already know how to reach them.
    """
    problems: dict[str, FieldProblem] = {}
    text = submission.text.strip()
    if not text:
        problems["text"] = problem("text_empty")
    elif len(text) > pack.text_limit:
        problems["text"] = problem("text_too_long", limit=pack.text_limit, length=len(text))
    for name in TEXT_FIELDS:
        found = text_problem(getattr(submission, name))
        if found is not None:
            problems[name] = found
    if submission.channel not in pack.channels:
        problems["channel"] = problem("channel_unknown", allowed=", ".join(pack.channels))
    if submission.language not in pack.languages:
        problems["language"] = problem("language_unknown", allowed=", ".join(pack.languages))
    for name, limit in FIELD_LIMITS.items():
        # Measured as stored: an e-mail address is kept in lower case, which can lengthen it (İ).
        value = getattr(submission, name).strip()
        value = value.lower() if name == "email" else value
        if len(value) > limit and name not in problems:
            problems[name] = problem("text_too_long", limit=limit, length=len(value))

    # Each field below is parsed only when the checks above found nothing wrong with it.
    phone = None
    mobile = False
    if submission.phone.strip() and "phone" not in problems:
        try:
            phone, mobile = phone_read(submission.phone.strip())
        except ValidationFailed as failure:
            problems.update(failure.fields)
    email = submission.email.strip().lower() or None
    if email and "email" in problems:
        email = None
    elif email:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems["email"] = problem("email_invalid")
            email = None
        else:
            if not email.isascii():
                try:
                    email.split("@", 1)[1].encode("idna")
                except UnicodeError:
                    # A domain that cannot be written in DNS cannot receive our mail.
                    problems["email"] = problem("email_invalid")
                    email = None
    sender_id = submission.sender_id.strip()
    sender_limit = _column_limit(CustomerIdentity, "value")
    if len(sender_id) > sender_limit:
        problems.setdefault("sender_id", problem("text_too_long", limit=sender_limit, length=len(sender_id)))
    if sender_id and submission.channel not in CHANNEL_IDENTITY_KINDS:
        problems.setdefault(
            "sender_id", problem("channel_unknown", allowed=", ".join(CHANNEL_IDENTITY_KINDS))
        )
    if contact_required and not submission.phone.strip() and not submission.email.strip() and not sender_id:
        problems["phone"] = problem("contact_missing")

    imei = None
    if submission.imei.strip():
        imei = valid_imei(submission.imei.strip()) if "imei" not in problems else None
        if imei is None:
            problems.setdefault("imei", problem("imei_invalid"))
    elif "text" not in problems:
        imei = extract_imei(text)
    problems.update(_location_problems(submission.lat, submission.lon))
    if submission.purchase_date and submission.purchase_date > clock.localdate(clock.now()):
        problems["purchase_date"] = problem("date_in_future")
    if problems:
        raise ValidationFailed(problems)
    subject = submission.subject.strip() or _subject_from(text)
    return CleanSubmission(
        submission=submission,
        text=text,
        subject=subject,
        phone=phone,
        phone_is_mobile=mobile,
        email=email,
        imei=imei,
    )


# The bounds of each coordinate, in degrees.
COORDINATE_BOUNDS = {"lat": 90.0, "lon": 180.0}


def _location_problems(lat: float | None, lon: float | None) -> dict[str, FieldProblem]:
    """Latitude and longitude come together, each a finite number within its bounds."""
    problems: dict[str, FieldProblem] = {}
    values = {"lat": lat, "lon": lon}
    for name, value in values.items():
        bound = COORDINATE_BOUNDS[name]
        if value is None:
            other = "lon" if name == "lat" else "lat"
            if values[other] is not None:
                problems[name] = problem("required")
            continue
        if isinstance(value, bool) or not math.isfinite(value) or not -bound <= value <= bound:
            problems[name] = problem("coordinate_invalid", low=-bound, high=bound)
    return problems


def _subject_from(text: str) -> str:
    first_line = text.splitlines()[0] if text else ""
    return first_line[:60] + ("…" if len(first_line) > 60 else "")
