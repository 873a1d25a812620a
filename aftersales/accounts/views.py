"""Customer sign-in pages: phone number, then the one-time code sent by SMS; sign-out.

The limits (one code per OTP_RESEND_SECONDS per phone, codes per hour, per network, wrong
codes) are the OTP service's (accounts/services.py); the page only shows the wait they name.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftersales.accounts.phones import mobile_normalise, phone_masked_for_display
from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY, customer_from_browser_session
from aftersales.accounts.services import customer_session_revoke, otp_request, otp_verify
from aftersales.common.client_address import client_address
from aftersales.common.errors import Throttled, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import page_language, public_page

# Refusals after which the code already sent can still be typed in.
_CODE_STILL_VALID = {"otp_resend_too_soon", "otp_phone_limit"}


@public_page
def signin_page(request: HttpRequest) -> HttpResponse:
    """GET: the phone form. POST `phone`: send a code. POST `phone` + `code`: sign in.
    POST `phone` + `resend`: send a new code (the service refuses one sent too soon)."""
    phone = request.POST.get("phone", "").strip()
    code = "" if "resend" in request.POST else request.POST.get("code", "").strip()
    context: dict[str, object] = {
        "phone": phone,
        "code_sent": False,
        "error": "",
        "error_field": "",
        "wait_seconds": 0,
        "signed_in": customer_from_browser_session(request) is not None,
        "page": "mine",
    }
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            if code:
                token = otp_verify(phone=phone, code=code)
                # A new session key on sign-in: a key planted in the browser before (session
                # fixation) never carries the customer's session.
                request.session.cycle_key()
                request.session[CUSTOMER_SESSION_KEY] = token
                return redirect("my_complaints")
            otp_request(phone=phone, client_address=client_address(request))
            context["code_sent"] = True
            context["wait_seconds"] = settings.OTP_RESEND_SECONDS
        except ValidationFailed as failure:
            field, issue = next(iter(failure.fields.items()))
            context["error"] = message_text(issue.code, page_language(), **issue.params)
            context["error_field"] = field
            context["code_sent"] = bool(code) and field != "phone"
        except Throttled as refusal:
            context["error"] = message_text(refusal.code, page_language(), **refusal.params)
            context["code_sent"] = refusal.code in _CODE_STILL_VALID
            context["wait_seconds"] = refusal.retry_after
            status, retry_after = refusal.status, refusal.retry_after
    if context["code_sent"]:
        context["masked_phone"] = phone_masked_for_display(mobile_normalise(phone))
    response = render(request, "accounts/signin.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def signout_page(request: HttpRequest) -> HttpResponse:
    """Sign the customer out of this browser: the session's token is revoked and the session emptied."""
    token = request.session.get(CUSTOMER_SESSION_KEY)
    if token:
        customer_session_revoke(token=token)
    request.session.flush()
    return redirect("signin")
