from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from aftersales.accounts.services import (
    CUSTOMER_SESSION_PREFIX,
    customer_session_revoke,
    otp_request,
    otp_verify,
)
from aftersales.common.client_address import client_address
from aftersales.common.errors import Unauthenticated

router = Router(tags=["sign-in"])


class OtpRequestIn(Schema):
    phone: str


class OtpRequestOut(Schema):
    sent: bool
    # Only with the test-only setting OTP_ECHO_FOR_TESTS: never in the demo or production.
    debug_code: str | None = None


class OtpVerifyIn(Schema):
    phone: str
    code: str


class SessionOut(Schema):
    token: str


@router.post("/otp", response=OtpRequestOut, auth=None)
def request_code(request: HttpRequest, payload: OtpRequestIn):  # type: ignore[no-untyped-def]
    """Send a sign-in code by SMS to a mobile number.

    422 for a number that cannot receive a text; 429 with `Retry-After` (seconds) when the phone
    or the client address has asked too often, or the phone is locked after wrong codes.
    """
    code = otp_request(phone=payload.phone, client_address=client_address(request))
    return {"sent": True, "debug_code": code if getattr(settings, "OTP_ECHO_FOR_TESTS", False) else None}


@router.post("/otp/verify", response=SessionOut, auth=None)
def verify_code(request: HttpRequest, payload: OtpVerifyIn):  # type: ignore[no-untyped-def]
    """Exchange the code for a bearer token: `Authorization: Bearer <token>`.

    422 for a wrong, used or expired code; 429 with `Retry-After` once too many wrong codes were
    typed for the phone (a new code does not lift it).
    """
    return {"token": otp_verify(phone=payload.phone, code=payload.code)}


@router.post("/signout", response={204: None}, auth=None)
def sign_out(request: HttpRequest):  # type: ignore[no-untyped-def]
    """End the customer session of the `Authorization: Bearer cs_...` token: it is refused from now on.

    204 whether or not the session was still live (signing out twice is harmless); 401 without
    a customer session token.
    """
    header = request.headers.get("Authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    if not token.startswith(CUSTOMER_SESSION_PREFIX):
        raise Unauthenticated()
    customer_session_revoke(token=token)
    return Status(204, None)
