"""The public warranty look-up page (no sign-in), through the same service as the API."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from aftersales.common import clock
from aftersales.common.client_address import client_address
from aftersales.common.errors import Throttled, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import MAX_FIELD_CHARACTERS, bounded_query, page_language, public_page
from aftersales.warranty.services import warranty_lookup


class LookupForm(forms.Form):
    imei = forms.CharField(label=_("IMEI"), max_length=MAX_FIELD_CHARACTERS, strip=True)


@require_GET
@public_page
def lookup_page(request: HttpRequest) -> HttpResponse:
    """The warranty status of the IMEI asked; 422 for an unreadable IMEI, 429 (Retry-After) past the limit."""
    language = page_language()
    asked = "imei" in request.GET
    form = LookupForm(bounded_query(request.GET) if asked else None)
    status, result, retry_after = 200, None, None
    if asked and form.is_valid():
        try:
            result = warranty_lookup(
                imei=form.cleaned_data["imei"], client_address=client_address(request), now=clock.now()
            )
        except ValidationFailed as error:
            for issue in error.fields.values():
                form.add_error("imei", message_text(issue.code, language, **issue.params))
        except Throttled as error:
            status, retry_after = 429, error.retry_after
            form.add_error(None, message_text(error.code, language, **error.params))
    if form.errors and status == 200:
        status = 422
    response = render(
        request,
        "warranty/lookup.html",
        {"page": "warranty", "form": form, "result": result},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
