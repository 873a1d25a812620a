"""The one typed request every channel turns its input into, and its validation."""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from aftersales.accounts.services import normalise_phone
from aftersales.common import clock
from aftersales.common.errors import FieldProblem, ValidationFailed, problem
from aftersales.devices.imei import extract_imei, valid_imei
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

    def fingerprint(self) -> str:
        """A hash of the request, to tell a retry from a different request under the same key."""
        document = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class CleanSubmission:
    submission: Submission
    text: str
    subject: str
    phone: str | None
    email: str | None
    imei: str | None


NAME_LIMIT = 100
SUBJECT_LIMIT = 200


def validate_submission(submission: Submission, pack: PolicyPack) -> CleanSubmission:
    """Check every field at once; raise ValidationFailed naming each bad field and why."""
    problems: dict[str, FieldProblem] = {}
    text = submission.text.strip()
    if not text:
        problems["text"] = problem("text_empty")
    elif len(text) > pack.text_limit:
        problems["text"] = problem("text_too_long", limit=pack.text_limit, length=len(text))
    if submission.channel not in pack.channels:
        problems["channel"] = problem("channel_unknown", allowed=", ".join(pack.channels))
    if submission.language not in pack.languages:
        problems["language"] = problem("language_unknown", allowed=", ".join(pack.languages))
    for name, limit in (
        ("subject", SUBJECT_LIMIT),
        ("name", NAME_LIMIT),
        ("city", 50),
        ("device_model", 100),
    ):
        value = getattr(submission, name)
        if len(value) > limit:
            problems[name] = problem("text_too_long", limit=limit, length=len(value))

    phone = None
    if submission.phone.strip():
        try:
            phone = normalise_phone(submission.phone.strip())
        except ValidationFailed as failure:
            problems.update(failure.fields)
    email = submission.email.strip() or None
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems["email"] = problem("email_invalid")
            email = None
    if not submission.phone.strip() and not submission.email.strip():
        problems["phone"] = problem("contact_missing")

    imei = None
    if submission.imei.strip():
        imei = valid_imei(submission.imei.strip())
        if imei is None:
            problems["imei"] = problem("imei_invalid")
    else:
        imei = extract_imei(text)
    if submission.purchase_date and submission.purchase_date > clock.localdate(clock.now()):
        problems["purchase_date"] = problem("date_in_future")
    if problems:
        raise ValidationFailed(problems)
    subject = submission.subject.strip() or _subject_from(text)
    return CleanSubmission(
        submission=submission, text=text, subject=subject, phone=phone, email=email, imei=imei
    )


def _subject_from(text: str) -> str:
    first_line = text.splitlines()[0] if text else ""
    return first_line[:60] + ("…" if len(first_line) > 60 else "")
