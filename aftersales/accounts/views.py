"""Customer sign-in pages: phone number, then the one-time code sent by SMS."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY
from aftersales.accounts.services import otp_request, otp_verify
from aftersales.common.client_address import client_address
from aftersales.common.errors import Throttled, ValidationFailed
from aftersales.common.language import request_language
from aftersales.common.messages import message_text

# Refusals after which the code already sent can still be typed in.
_CODE_STILL_VALID = {"otp_resend_too_soon", "otp_phone_limit"}


def signin_page(request: HttpRequest) -> HttpResponse:
    phone = request.POST.get("phone", "").strip()
    code = request.POST.get("code", "").strip()
    context: dict[str, object] = {"phone": phone, "code_sent": False, "error": ""}
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            if code:
                request.session[CUSTOMER_SESSION_KEY] = otp_verify(phone=phone, code=code)
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
