"""Customer sign-in pages: phone number, then the one-time code sent by SMS."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY
from aftersales.accounts.services import otp_request, otp_verify
from aftersales.common.errors import ValidationFailed
from aftersales.common.language import request_language
from aftersales.common.messages import message_text


def signin_page(request: HttpRequest) -> HttpResponse:
    phone = request.POST.get("phone", "").strip()
    code = request.POST.get("code", "").strip()
    context: dict[str, object] = {"phone": phone, "code_sent": False, "error": ""}
    if request.method == "POST":
        try:
            if code:
                request.session[CUSTOMER_SESSION_KEY] = otp_verify(phone=phone, code=code)
                return redirect("my_complaints")
            otp_request(phone=phone)
            context["code_sent"] = True
        except ValidationFailed as failure:
            issue = next(iter(failure.fields.values()))
            context["error"] = message_text(issue.code, request_language(request), **issue.params)
            context["code_sent"] = bool(code)
    return render(request, "accounts/signin.html", context)
