"""Complaints made through the real intake service, so they carry real numbers, deadlines and timelines."""

from datetime import datetime

from stdnum import luhn

from aftersales.accounts.actors import ANONYMOUS, Actor
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission

_imei_serial = [100000]


def new_imei() -> str:
    _imei_serial[0] += 1
    body = f"35209900{_imei_serial[0]:06d}"
    return body + luhn.calc_check_digit(body)


def submit_complaint(
    *,
    text: str = "屏幕触控失灵,打字点不到",
    phone: str = "+8613800138000",
    imei: str | None = None,
    channel: str = "app",
    at: datetime | None = None,
    actor: Actor = ANONYMOUS,
    **extra: object,
) -> Complaint:
    submission = Submission(channel=channel, text=text, phone=phone, imei=imei or new_imei(), **extra)  # type: ignore[arg-type]
    if at is None:
        return complaint_submit(actor=actor, submission=submission).complaint
    with clock.travel_to(at):
        return complaint_submit(actor=actor, submission=submission).complaint
