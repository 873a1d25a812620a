"""Customer sign-in pages: phone number, then the one-time code sent by SMS."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY, customer_from_browser_session
from aftersales.accounts.services import customer_session_revoke, otp_request, otp_verify
from aftersales.common.client_address import client_address
from aftersales.common.errors import Throttled, ValidationFailed
from aftersales.common.language import request_language
from aftersales.common.messages import message_text

# Refusals after which the code already sent can still be typed in.
_CODE_STILL_VALID = {"otp_resend_too_soon", "otp_phone_limit"}


def signin_page(request: HttpRequest) -> HttpResponse:
    phone = request.POST.get("phone", "").strip()
    code = request.POST.get("code", "").strip()
    context: dict[str, object] = {
        "phone": phone,
        "code_sent": False,
        "error": "",
        "signed_in": customer_from_browser_session(request) is not None,
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
        except ValidationFailed as failure:
            issue = next(iter(failure.fields.values()))
            context["error"] = message_text(issue.code, request_language(request), **issue.params)
            context["code_sent"] = bool(code)
        except Throttled as refusal:
            context["error"] = message_text(refusal.code, request_language(request), **refusal.params)
            context["code_sent"] = refusal.code in _CODE_STILL_VALID
            status, retry_after = refusal.status, refusal.retry_after
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
