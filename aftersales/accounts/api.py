from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema

from aftersales.accounts.services import otp_request, otp_verify

router = Router(tags=["sign-in"])


class OtpRequestIn(Schema):
    phone: str


class OtpRequestOut(Schema):
    sent: bool
    # Only in DEBUG: lets the demo and tests sign in without a phone.
    debug_code: str | None = None


class OtpVerifyIn(Schema):
    phone: str
    code: str


class SessionOut(Schema):
    token: str


@router.post("/otp", response=OtpRequestOut, auth=None)
def request_code(request: HttpRequest, payload: OtpRequestIn):  # type: ignore[no-untyped-def]
    code = otp_request(phone=payload.phone)
    return {"sent": True, "debug_code": code if settings.DEBUG else None}


@router.post("/otp/verify", response=SessionOut, auth=None)
def verify_code(request: HttpRequest, payload: OtpVerifyIn):  # type: ignore[no-untyped-def]
    """Exchange the code for a bearer token: `Authorization: Bearer <token>`."""
    return {"token": otp_verify(phone=payload.phone, code=payload.code)}
